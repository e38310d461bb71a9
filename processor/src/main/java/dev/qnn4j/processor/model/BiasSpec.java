package dev.qnn4j.processor.model;

/**
 * A bias quantizer annotation on a layer ({@code @Int8Bias}, {@code @Int16Bias},
 * {@code @Int32Bias}).
 */
public record BiasSpec(Companion kind, javax.lang.model.element.AnnotationMirror mirror) {
  public int bitWidth() {
    return kind.biasBitWidth();
  }
}
