package dev.qnn4j.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Signed quantization of its input (Brevitas' {@code QuantIdentity} with {@code
 * Int8ActPerTensorFloat}), typically the first layer so the network's input is quantized. Stateful
 * like {@link QuantReLU}.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface QuantIdentity {
  /** Output bit width, 1..8. Default 8. */
  int bitWidth() default 8;

  Scaling scaling() default Scaling.FLOAT;

  /**
   * Where the scale comes from: {@link ScalingImpl#STATS} (percentile statistics, then learned;
   * Brevitas' default), {@link ScalingImpl#CONST} or {@link ScalingImpl#PARAMETER} from {@link
   * #minVal()}/{@link #maxVal()} (bnn_pynq's {@code CommonActQuant}; binary at {@code bitWidth =
   * 1}).
   */
  ScalingImpl scalingImpl() default ScalingImpl.STATS;

  /**
   * Lower end of the range for CONST/PARAMETER scales (Brevitas' {@code min_val}); signed when
   * negative.
   */
  float minVal() default Float.NaN;

  /** Upper end of the range for CONST/PARAMETER scales (Brevitas' {@code max_val}). */
  float maxVal() default Float.NaN;

  /** Drop the most negative integer (symmetric signed range), Brevitas' {@code narrow_range}. */
  boolean narrowRange() default false;

  /** Return a {@code QuantTensor} (the method must then be declared to return one). */
  boolean returnQuantTensor() default false;
}
