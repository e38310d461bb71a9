package dev.qnn4j.processor.model;

import java.lang.annotation.Annotation;
import java.util.Arrays;
import java.util.Optional;

/**
 * Annotations that refine a layer annotation on the same method: bias, input and output quantizers,
 * and the layer's state-dict name.
 */
public enum Companion {
  INT8_BIAS(dev.qnn4j.annotations.Int8Bias.class, 8),
  INT16_BIAS(dev.qnn4j.annotations.Int16Bias.class, 16),
  INT32_BIAS(dev.qnn4j.annotations.Int32Bias.class, 32),
  INPUT_QUANT(dev.qnn4j.annotations.InputQuant.class, 0),
  OUTPUT_QUANT(dev.qnn4j.annotations.OutputQuant.class, 0),
  STATE_DICT_NAME(dev.qnn4j.annotations.StateDictName.class, 0);

  private final Class<? extends Annotation> annotation;
  private final int biasBitWidth;

  Companion(Class<? extends Annotation> annotation, int biasBitWidth) {
    this.annotation = annotation;
    this.biasBitWidth = biasBitWidth;
  }

  public String simpleName() {
    return annotation.getSimpleName();
  }

  public String annotationName() {
    return annotation.getCanonicalName();
  }

  public boolean isBias() {
    return biasBitWidth > 0;
  }

  /** 8, 16 or 32 for a bias quantizer. */
  public int biasBitWidth() {
    return biasBitWidth;
  }

  public static Optional<Companion> forAnnotation(String qualifiedName) {
    return Arrays.stream(values())
        .filter(c -> c.annotationName().equals(qualifiedName))
        .findFirst();
  }
}
