package dev.qnn4j.processor.model;

import java.util.List;
import java.util.Optional;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.ExecutableElement;

/**
 * One layer method of a model: its kind and configuration (with the mirrors diagnostics anchor to),
 * its signature, and its companion annotations.
 *
 * @param kind the layer's kind, from its first layer annotation; empty when the method has only
 *     companion annotations (an error)
 * @param attributes the first layer annotation's values; null when {@code kind} is empty
 * @param extraLayerAnnotations layer annotations after the first (an error)
 */
public record LayerDescriptor(
    ExecutableElement method,
    String methodName,
    String layerName,
    Optional<LayerKind> kind,
    Attributes attributes,
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

  /** The layer kind of a descriptor that passed validation. */
  public LayerKind requireKind() {
    return kind.orElseThrow(() -> new IllegalStateException(methodName + " has no layer annotation"));
  }

  public AnnotationMirror mirror() {
    return attributes == null ? null : attributes.mirror();
  }

  public boolean returnsQuantTensor() {
    return returnType == ValueType.QUANT_TENSOR;
  }

  public Optional<BiasSpec> bias() {
    return biases.stream().findFirst();
  }

  public int intValue(String attribute) {
    return attributes.intValue(attribute);
  }

  public boolean booleanValue(String attribute) {
    return attributes.booleanValue(attribute);
  }

  /** Weight or activation bit width ({@code bitWidth}). */
  public int bitWidth() {
    return attributes.intValue("bitWidth");
  }

  public boolean powerOfTwo() {
    return "POWER_OF_TWO".equals(attributes.enumValue("scaling"));
  }

  /** Inputs summed per output: {@code inChannels / groups * kernelSize^2} or {@code inFeatures}. */
  public long fanIn() {
    LayerKind k = requireKind();
    if (k == LayerKind.QUANT_CONV2D || k == LayerKind.CONV2D) {
      int groups = Math.max(1, intValue("groups"));
      long kernel = intValue("kernelSize");
      return (long) (intValue("inChannels") / groups) * kernel * kernel;
    }
    return intValue("inFeatures");
  }
}
