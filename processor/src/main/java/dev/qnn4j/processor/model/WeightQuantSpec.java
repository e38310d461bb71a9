package dev.qnn4j.processor.model;

import dev.qnn4j.annotations.Scaling;
import dev.qnn4j.annotations.ScalingImpl;

/**
 * The weight quantizer of a {@code @QuantConv2d} or {@code @QuantLinear}, and its accumulator
 * bound. {@code scalingConst} is read only with {@link ScalingImpl#CONST}.
 */
public record WeightQuantSpec(
    int bitWidth,
    boolean perChannel,
    Scaling scaling,
    int accumulatorBitWidth,
    ScalingImpl scalingImpl,
    float scalingConst,
    boolean narrowRange) {

  /**
   * A statistics-scaled, narrow-range quantizer (Brevitas' {@code Int8WeightPerTensorFloat}
   * family).
   */
  public WeightQuantSpec(
      int bitWidth, boolean perChannel, Scaling scaling, int accumulatorBitWidth) {
    this(bitWidth, perChannel, scaling, accumulatorBitWidth, ScalingImpl.STATS, 0f, true);
  }

  public boolean powerOfTwo() {
    return scaling == Scaling.POWER_OF_TWO;
  }

  /** One bit with a constant scale: {@code sign(w) * scale}. */
  public boolean binary() {
    return bitWidth == 1 && scalingImpl == ScalingImpl.CONST;
  }
}
