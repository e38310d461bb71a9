package dev.qnn4j.processor.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.util.ElementFilter;
import javax.lang.model.util.Elements;

/**
 * Reads a {@code @QuantModel} class into a {@link ModelDescriptor}. Extraction never fails: whatever
 * is wrong (a missing forward, a method with two layer annotations) is kept in the descriptor for
 * the validator to report, so that all problems surface in one compilation.
 */
public final class ModelExtractor {
  public static final String QUANT_MODEL = LayerKind.ANNOTATION_PACKAGE + ".QuantModel";

  private final Elements elements;

  public ModelExtractor(Elements elements) {
    this.elements = elements;
  }

  public ModelDescriptor extract(TypeElement type) {
    AnnotationMirror quantModel = findAnnotation(type, QUANT_MODEL)
        .orElseThrow(() -> new IllegalArgumentException(type + " is not annotated @QuantModel"));
    Attributes modelAttributes = Attributes.of(quantModel, elements);
    List<LayerDescriptor> layers = new ArrayList<>();
    for (ExecutableElement method : ElementFilter.methodsIn(type.getEnclosedElements())) {
      if (isLayerMethod(method)) {
        layers.add(layer(method));
      }
    }
    return new ModelDescriptor(type, elements.getPackageOf(type).getQualifiedName().toString(),
        type.getSimpleName().toString(), "QuantModel_" + nestedName(type), modelAttributes,
        modelAttributes.intList("inputShape"), layers, findForward(type));
  }

  /** Whether {@code method} carries a layer or companion annotation. */
  public static boolean isLayerMethod(ExecutableElement method) {
    for (AnnotationMirror m : method.getAnnotationMirrors()) {
      String name = qualifiedName(m);
      if (LayerKind.forAnnotation(name).isPresent() || Companion.forAnnotation(name).isPresent()) {
        return true;
      }
    }
    return false;
  }

  private LayerDescriptor layer(ExecutableElement method) {
    LayerKind kind = null;
    Attributes attributes = null;
    List<AnnotationMirror> extraLayers = new ArrayList<>();
    List<BiasSpec> biases = new ArrayList<>();
    List<AnnotationMirror> companions = new ArrayList<>();
    ActQuantSpec inputQuant = null;
    ActQuantSpec outputQuant = null;
    for (AnnotationMirror m : method.getAnnotationMirrors()) {
      String name = qualifiedName(m);
      Optional<LayerKind> k = LayerKind.forAnnotation(name);
      if (k.isPresent()) {
        if (kind == null) {
          kind = k.get();
          attributes = Attributes.of(m, elements);
        } else {
          extraLayers.add(m);
        }
        continue;
      }
      Optional<Companion> c = Companion.forAnnotation(name);
      if (c.isEmpty()) {
        continue;
      }
      companions.add(m);
      switch (c.get()) {
        case INPUT_QUANT -> inputQuant = new ActQuantSpec(Attributes.of(m, elements));
        case OUTPUT_QUANT -> outputQuant = new ActQuantSpec(Attributes.of(m, elements));
        default -> biases.add(new BiasSpec(c.get(), m));
      }
    }
    List<Parameter> parameters = new ArrayList<>();
    for (VariableElement p : method.getParameters()) {
      parameters.add(new Parameter(p, p.getSimpleName().toString(), ValueType.of(p.asType()), p.asType().toString()));
    }
    String methodName = method.getSimpleName().toString();
    return new LayerDescriptor(method, methodName, LayerNames.snakeCase(methodName), Optional.ofNullable(kind),
        attributes, extraLayers, parameters, ValueType.of(method.getReturnType()),
        method.getReturnType().toString(), biases, Optional.ofNullable(inputQuant),
        Optional.ofNullable(outputQuant), companions);
  }

  /** {@code forward(Tensor)} declared in the class or inherited (not from Object). */
  private ExecutableElement findForward(TypeElement type) {
    for (ExecutableElement m : ElementFilter.methodsIn(elements.getAllMembers(type))) {
      if (m.getSimpleName().contentEquals("forward") && m.getParameters().size() == 1
          && ValueType.of(m.getParameters().get(0).asType()) == ValueType.TENSOR) {
        return m;
      }
    }
    return null;
  }

  public static Optional<AnnotationMirror> findAnnotation(Element element, String qualifiedName) {
    return element.getAnnotationMirrors().stream()
        .filter(m -> qualifiedName(m).equals(qualifiedName))
        .map(m -> (AnnotationMirror) m)
        .findFirst();
  }

  public static String qualifiedName(AnnotationMirror m) {
    return ((TypeElement) m.getAnnotationType().asElement()).getQualifiedName().toString();
  }

  /** {@code Outer_Inner} for a nested class, the simple name otherwise. */
  public static String nestedName(TypeElement type) {
    StringBuilder name = new StringBuilder(type.getSimpleName());
    Element enclosing = type.getEnclosingElement();
    while (enclosing.getKind().isClass() || enclosing.getKind().isInterface()) {
      name.insert(0, enclosing.getSimpleName() + "_");
      enclosing = enclosing.getEnclosingElement();
    }
    return name.toString();
  }

  /** Whether a class can be subclassed from another top-level class of its package. */
  public static boolean isNestedInner(TypeElement type) {
    return type.getEnclosingElement().getKind() != ElementKind.PACKAGE
        && !type.getModifiers().contains(Modifier.STATIC);
  }
}
