package dev.qnn4j.processor.model;

import java.util.Arrays;
import java.util.Optional;

/** Annotations that refine a layer annotation on the same method: bias, input and output quantizers. */
public enum Companion {
  INT8_BIAS("Int8Bias", 8),
  INT16_BIAS("Int16Bias", 16),
  INT32_BIAS("Int32Bias", 32),
  INPUT_QUANT("InputQuant", 0),
  OUTPUT_QUANT("OutputQuant", 0);

  private final String simpleName;
  private final int biasBitWidth;

  Companion(String simpleName, int biasBitWidth) {
    this.simpleName = simpleName;
    this.biasBitWidth = biasBitWidth;
  }

  public String simpleName() {
    return simpleName;
  }

  public String annotationName() {
    return LayerKind.ANNOTATION_PACKAGE + "." + simpleName;
  }

  public boolean isBias() {
    return biasBitWidth > 0;
  }

  /** 8, 16 or 32 for a bias quantizer. */
  public int biasBitWidth() {
    return biasBitWidth;
  }

  public static Optional<Companion> forAnnotation(String qualifiedName) {
    return Arrays.stream(values()).filter(c -> c.annotationName().equals(qualifiedName)).findFirst();
  }
}
