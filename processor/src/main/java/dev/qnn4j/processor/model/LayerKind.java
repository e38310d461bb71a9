package dev.qnn4j.processor.model;

import java.util.Arrays;
import java.util.Optional;

/** The kinds of layer the DSL declares: one per layer annotation, each backed by a runtime class. */
public enum LayerKind {
  QUANT_CONV2D("QuantConv2d", Role.QUANT_WEIGHT, 1),
  QUANT_LINEAR("QuantLinear", Role.QUANT_WEIGHT, 1),
  QUANT_RELU("QuantReLU", Role.QUANT_ACTIVATION, 1),
  QUANT_IDENTITY("QuantIdentity", Role.QUANT_ACTIVATION, 1),
  QUANT_ELTWISE_ADD("QuantEltwiseAdd", Role.QUANT_OTHER, 2),
  QUANT_MAX_POOL2D("QuantMaxPool2d", Role.QUANT_OTHER, 1),
  CONV2D("Conv2d", Role.FLOAT, 1),
  LINEAR("Linear", Role.FLOAT, 1),
  RELU("ReLU", Role.FLOAT, 1),
  BATCH_NORM2D("BatchNorm2d", Role.FLOAT, 1);

  /** What a kind of layer quantizes, which decides the checks that apply to it. */
  public enum Role {
    /** Quantized weights (and optionally bias, input, output): conv and linear. */
    QUANT_WEIGHT,
    /** A stateful activation quantizer. */
    QUANT_ACTIVATION,
    /** Quantization-aware but without a quantizer of its own (add, max pooling). */
    QUANT_OTHER,
    /** A plain float layer. */
    FLOAT
  }

  public static final String ANNOTATION_PACKAGE = "dev.qnn4j.annotations";

  private final String simpleName;
  private final Role role;
  private final int inputCount;

  LayerKind(String simpleName, Role role, int inputCount) {
    this.simpleName = simpleName;
    this.role = role;
    this.inputCount = inputCount;
  }

  /** The annotation's simple name, which is also the runtime layer class's simple name. */
  public String simpleName() {
    return simpleName;
  }

  public String annotationName() {
    return ANNOTATION_PACKAGE + "." + simpleName;
  }

  public Role role() {
    return role;
  }

  /** How many tensors the layer method takes. */
  public int inputCount() {
    return inputCount;
  }

  public boolean hasWeightQuantizer() {
    return role == Role.QUANT_WEIGHT;
  }

  /** Whether the layer has a {@code returnQuantTensor} attribute. */
  public boolean hasReturnQuantTensor() {
    return role == Role.QUANT_WEIGHT || role == Role.QUANT_ACTIVATION || this == QUANT_ELTWISE_ADD;
  }

  public static Optional<LayerKind> forAnnotation(String qualifiedName) {
    return Arrays.stream(values()).filter(k -> k.annotationName().equals(qualifiedName)).findFirst();
  }
}
