package dev.qnn4j.processor.model;

import java.util.List;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.TypeElement;

/**
 * A {@code @QuantModel} class as the processor sees it: what validation checks and generation
 * implements. Immutable.
 *
 * @param modelName the simple name of the class (the model's name for tools)
 * @param generatedSimpleName {@code QuantModel_<Name>}, or {@code QuantModel_<Outer>_<Name>} when
 *     nested
 * @param anchor the {@code @QuantModel} annotation, for diagnostics
 * @param inputShape the declared input shape without batch; empty when undeclared
 * @param forward the {@code forward(Tensor)} method, or null when the class has none
 */
public record ModelDescriptor(
    TypeElement type,
    String packageName,
    String modelName,
    String generatedSimpleName,
    Anchor anchor,
    List<Integer> inputShape,
    List<LayerDescriptor> layers,
    ExecutableElement forward) {

  public ModelDescriptor {
    inputShape = List.copyOf(inputShape);
    layers = List.copyOf(layers);
  }

  public AnnotationMirror mirror() {
    return anchor.mirror();
  }

  public String qualifiedName() {
    return type.getQualifiedName().toString();
  }

  /** The layer methods with a layer annotation, by method name (the first of a name). */
  public java.util.Map<String, LayerDescriptor> layersByMethod() {
    java.util.Map<String, LayerDescriptor> byMethod = new java.util.HashMap<>();
    for (LayerDescriptor l : layers) {
      if (l.kind().isPresent()) {
        byMethod.putIfAbsent(l.methodName(), l);
      }
    }
    return byMethod;
  }

  /** {@link #inputShape} as an array, or null when undeclared. */
  public long[] inputShapeOrNull() {
    return inputShape.isEmpty()
        ? null
        : inputShape.stream().mapToLong(Integer::longValue).toArray();
  }

  /**
   * Whether {@code forward} is declared in the model class itself (the one the processor can read).
   */
  public boolean declaresForward() {
    return forward != null && forward.getEnclosingElement().equals(type);
  }

  /** The binary name of the generated factory, as listed in the services file. */
  public String factoryBinaryName() {
    return (packageName.isEmpty() ? "" : packageName + ".") + generatedSimpleName + "$Factory";
  }
}
