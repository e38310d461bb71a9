package dev.qnn4j.processor.model;

import java.util.List;
import java.util.Optional;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.ExecutableElement;

/**
 * One layer method of a model: its typed configuration, its signature, and its companion
 * annotations (bias, input and output quantizers). The method and the specs' anchors position
 * diagnostics.
 *
 * @param layerName the name in the state dict: the method name in snake_case, or the value of
 *     {@code @StateDictName}
 * @param stateDictName the {@code @StateDictName} annotation, when the layer has one
 * @param spec the first layer annotation, read; empty when the method has only companion
 *     annotations (an error)
 * @param extraLayerAnnotations layer annotations after the first (an error)
 */
public record LayerDescriptor(
    ExecutableElement method,
    String methodName,
    String layerName,
    Optional<AnnotationMirror> stateDictName,
    Optional<LayerSpec> spec,
    List<AnnotationMirror> extraLayerAnnotations,
    List<Parameter> parameters,
    ValueType returnType,
    String returnTypeName,
    List<BiasSpec> biases,
    Optional<ActQuantSpec> inputQuant,
    Optional<ActQuantSpec> outputQuant,
    List<AnnotationMirror> companionMirrors) {

  public LayerDescriptor {
    extraLayerAnnotations = List.copyOf(extraLayerAnnotations);
    parameters = List.copyOf(parameters);
    biases = List.copyOf(biases);
    companionMirrors = List.copyOf(companionMirrors);
  }

  public Optional<LayerKind> kind() {
    return spec.map(LayerSpec::kind);
  }

  /** The layer spec of a descriptor that passed validation. */
  public LayerSpec requireSpec() {
    return spec.orElseThrow(
        () -> new IllegalStateException(methodName + " has no layer annotation"));
  }

  public LayerKind requireKind() {
    return requireSpec().kind();
  }

  /** Where diagnostics about the layer annotation go; {@link Anchor#NONE} when there is none. */
  public Anchor anchor() {
    return spec.map(LayerSpec::anchor).orElse(Anchor.NONE);
  }

  public AnnotationMirror mirror() {
    return anchor().mirror();
  }

  public boolean returnsQuantTensor() {
    return returnType == ValueType.QUANT_TENSOR;
  }

  public Optional<BiasSpec> bias() {
    return biases.stream().findFirst();
  }
}
