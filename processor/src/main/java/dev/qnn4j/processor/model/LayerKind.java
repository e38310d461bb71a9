package dev.qnn4j.processor.model;

import java.lang.annotation.Annotation;
import java.util.Arrays;
import java.util.Optional;

/**
 * The kinds of layer the DSL declares: one per layer annotation, each backed by a runtime class.
 */
public enum LayerKind {
  QUANT_CONV2D(dev.qnn4j.annotations.QuantConv2d.class, Role.QUANT_WEIGHT, 1),
  QUANT_LINEAR(dev.qnn4j.annotations.QuantLinear.class, Role.QUANT_WEIGHT, 1),
  QUANT_CONV1D(dev.qnn4j.annotations.QuantConv1d.class, Role.QUANT_WEIGHT, 1),
  QUANT_CONV_TRANSPOSE2D(dev.qnn4j.annotations.QuantConvTranspose2d.class, Role.QUANT_WEIGHT, 1),
  QUANT_RELU(dev.qnn4j.annotations.QuantReLU.class, Role.QUANT_ACTIVATION, 1),
  QUANT_IDENTITY(dev.qnn4j.annotations.QuantIdentity.class, Role.QUANT_ACTIVATION, 1),
  QUANT_HARD_TANH(dev.qnn4j.annotations.QuantHardTanh.class, Role.QUANT_ACTIVATION, 1),
  QUANT_SIGMOID(dev.qnn4j.annotations.QuantSigmoid.class, Role.QUANT_ACTIVATION, 1),
  QUANT_TANH(dev.qnn4j.annotations.QuantTanh.class, Role.QUANT_ACTIVATION, 1),
  QUANT_ELTWISE_ADD(dev.qnn4j.annotations.QuantEltwiseAdd.class, Role.QUANT_OTHER, 2),
  QUANT_MAX_POOL2D(dev.qnn4j.annotations.QuantMaxPool2d.class, Role.QUANT_OTHER, 1),
  CONV2D(dev.qnn4j.annotations.Conv2d.class, Role.FLOAT, 1),
  LINEAR(dev.qnn4j.annotations.Linear.class, Role.FLOAT, 1),
  RELU(dev.qnn4j.annotations.ReLU.class, Role.FLOAT, 1),
  BATCH_NORM2D(dev.qnn4j.annotations.BatchNorm2d.class, Role.FLOAT, 1),
  BATCH_NORM1D(dev.qnn4j.annotations.BatchNorm1d.class, Role.FLOAT, 1),
  TENSOR_NORM(dev.qnn4j.annotations.TensorNorm.class, Role.FLOAT, 1),
  DROPOUT(dev.qnn4j.annotations.Dropout.class, Role.FLOAT, 1),
  TRUNC_AVG_POOL2D(dev.qnn4j.annotations.TruncAvgPool2d.class, Role.QUANT_OTHER, 1),
  TRUNC_ADAPTIVE_AVG_POOL2D(
      dev.qnn4j.annotations.TruncAdaptiveAvgPool2d.class, Role.QUANT_OTHER, 1),
  ADAPTIVE_AVG_POOL2D(dev.qnn4j.annotations.AdaptiveAvgPool2d.class, Role.FLOAT, 1),
  QUANT_UPSAMPLE(dev.qnn4j.annotations.QuantUpsample.class, Role.QUANT_OTHER, 1),
  QUANT_CAT(dev.qnn4j.annotations.QuantCat.class, Role.QUANT_OTHER, 2);

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

  private final Class<? extends Annotation> annotation;
  private final Role role;
  private final int inputCount;

  LayerKind(Class<? extends Annotation> annotation, Role role, int inputCount) {
    this.annotation = annotation;
    this.role = role;
    this.inputCount = inputCount;
  }

  /** The annotation's simple name, which is also the runtime layer class's simple name. */
  public String simpleName() {
    return annotation.getSimpleName();
  }

  public String annotationName() {
    return annotation.getCanonicalName();
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
    return Arrays.stream(values())
        .filter(k -> k.annotationName().equals(qualifiedName))
        .findFirst();
  }
}
