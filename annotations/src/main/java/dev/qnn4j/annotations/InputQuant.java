package dev.qnn4j.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Quantizes the input of a {@link QuantConv2d} or {@link QuantLinear} with its own activation
 * quantizer (Brevitas' {@code input_quant=Int8ActPerTensorFloat} by default); its state-dict name
 * is {@code <layer>.input_quant...}. A layer with an input quantizer knows its input scale, so it
 * may have a bias quantizer even when its input parameter is a plain {@code Tensor}.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface InputQuant {
  /** Bit width, 1..8. Default 8. */
  int bitWidth() default 8;

  /** Signed (Int) or unsigned (Uint) integers. Default signed. */
  boolean signed() default true;

  Scaling scaling() default Scaling.FLOAT;
}
