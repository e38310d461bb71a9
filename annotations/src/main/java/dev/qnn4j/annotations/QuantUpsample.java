package dev.qnn4j.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Nearest-neighbour upsampling (Brevitas' {@code QuantUpsample(mode='nearest')} and {@code
 * QuantUpsamplingNearest2d}): by {@code scaleFactor}, or to {@code height x width} when those are
 * set. A {@code QuantTensor} keeps its scale, zero point and bit width.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface QuantUpsample {
  /** Integer upsampling factor; 0 when {@code height} and {@code width} give the size. */
  int scaleFactor() default 0;

  int height() default 0;

  int width() default 0;
}
