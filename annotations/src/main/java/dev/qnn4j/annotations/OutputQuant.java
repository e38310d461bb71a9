package dev.qnn4j.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Quantizes the output of a {@link QuantConv2d} or {@link QuantLinear} (or the sum of a {@link
 * QuantEltwiseAdd}) with its own activation quantizer (Brevitas' {@code
 * output_quant=Int8ActPerTensorFloat} by default); its state-dict name is {@code
 * <layer>.output_quant...}.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface OutputQuant {
  /** Bit width, 1..8. Default 8. */
  int bitWidth() default 8;

  /** Signed (Int) or unsigned (Uint) integers. Default signed. */
  boolean signed() default true;

  Scaling scaling() default Scaling.FLOAT;
}
