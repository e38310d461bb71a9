package dev.qnn4j.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Signed quantization of its input (Brevitas' {@code QuantIdentity} with {@code
 * Int8ActPerTensorFloat}), typically the first layer so the network's input is quantized.
 * Stateful like {@link QuantReLU}.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface QuantIdentity {
  /** Output bit width, 1..8. Default 8. */
  int bitWidth() default 8;

  Scaling scaling() default Scaling.FLOAT;

  /** Return a {@code QuantTensor} (the method must then be declared to return one). */
  boolean returnQuantTensor() default false;
}
