package dev.qnn4j.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A fully connected layer with quantized weights (Brevitas' {@code QuantLinear}). The method takes
 * one {@code Tensor} or {@code QuantTensor} input ({@code [N, inFeatures]}) and returns a {@code
 * Tensor}, or a {@code QuantTensor} when {@link #returnQuantTensor()}. Companions as for {@link
 * QuantConv2d}: a bias quantizer, {@link InputQuant}, {@link OutputQuant}.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface QuantLinear {
  int inFeatures();

  int outFeatures();

  boolean bias() default true;

  /** Weight bit width, 1..8 (see {@link QuantConv2d#bitWidth()}). Default 8. */
  int bitWidth() default 8;

  /** One weight scale per output feature instead of one per tensor. */
  boolean perChannel() default false;

  Scaling scaling() default Scaling.FLOAT;

  /**
   * Where the weight scale comes from: {@link ScalingImpl#STATS} (AbsMax, Brevitas' default) or
   * {@link ScalingImpl#CONST} ({@link #scalingConst()}, bnn_pynq's {@code CommonWeightQuant};
   * binary at {@code bitWidth = 1}).
   */
  ScalingImpl scalingImpl() default ScalingImpl.STATS;

  /**
   * The constant scale value with {@code scalingImpl = CONST} (Brevitas' {@code scaling_const});
   * must be positive.
   */
  float scalingConst() default 0f;

  /**
   * Drop the most negative integer ({@code [-(2^(b-1)-1), 2^(b-1)-1]}), Brevitas' weight default.
   */
  boolean narrowRange() default true;

  boolean returnQuantTensor() default false;

  /** See {@link QuantConv2d#accumulatorBitWidth()}. Default 32. */
  int accumulatorBitWidth() default 32;
}
