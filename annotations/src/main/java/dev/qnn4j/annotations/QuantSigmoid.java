package dev.qnn4j.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The logistic sigmoid followed by unsigned quantization (Brevitas' {@code QuantSigmoid} with
 * {@code Uint8ActPerTensorFloat}: percentile statistics, then learned). Stateful like {@link
 * QuantReLU}.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface QuantSigmoid {
  /** Output bit width, 1..8. Default 8. */
  int bitWidth() default 8;

  Scaling scaling() default Scaling.FLOAT;

  /** Return a {@code QuantTensor} (the method must then be declared to return one). */
  boolean returnQuantTensor() default false;
}
