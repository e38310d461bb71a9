package dev.qnn4j.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Quantization to {@code [minVal, maxVal]} with a learned scale (Brevitas' {@code QuantHardTanh}
 * with {@code Int8ActPerTensorFloatMinMaxInit}): signed when {@code minVal < 0}, wide range, the
 * scale starting at {@code max(|minVal|, |maxVal|) / 2^(b-1)}. Stateful like {@link QuantReLU}.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface QuantHardTanh {
  /** Output bit width, 1..8. Default 8. */
  int bitWidth() default 8;

  /** Brevitas' {@code min_val}. */
  float minVal() default -1f;

  /** Brevitas' {@code max_val}. */
  float maxVal() default 1f;

  /**
   * {@link ScalingImpl#PARAMETER} (learned, Brevitas' default here) or {@link ScalingImpl#CONST}.
   */
  ScalingImpl scalingImpl() default ScalingImpl.PARAMETER;

  Scaling scaling() default Scaling.FLOAT;

  boolean narrowRange() default false;

  /** Return a {@code QuantTensor} (the method must then be declared to return one). */
  boolean returnQuantTensor() default false;
}
