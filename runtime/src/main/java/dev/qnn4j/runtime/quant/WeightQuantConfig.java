package dev.qnn4j.runtime.quant;

/**
 * A weight quantizer's configuration. The defaults are Brevitas' {@code Int8WeightPerTensorFloat}
 * (and {@code Int8WeightPerChannelFloat} with {@code perChannel}): signed narrow-range integers,
 * scale = AbsMax statistic / {@code 2^(b-1)-1}, recomputed from the weights at every forward.
 *
 * <p>With {@link ScalingImpl#CONST} the scale is {@code R(scalingConst) / R(threshold)} (R the
 * identity, or {@code 2^round(log2)} for power-of-two scales), as bnn_pynq's {@code
 * CommonWeightQuant}; at one bit such a quantizer is binary ({@code sign(w) * scale}, sign(0) =
 * +1). A constant scale stays one value per tensor even when {@code perChannel} is set, as in
 * Brevitas.
 */
public record WeightQuantConfig(
    int bitWidth,
    boolean perChannel,
    boolean narrowRange,
    ScaleRestriction restriction,
    ScalingImpl scaling,
    float scalingConst) {

  /** Brevitas' scaling_min_val for weight scales. */
  public static final float SCALING_MIN_VAL = 1e-10f;

  public WeightQuantConfig {
    new IntRange(bitWidth, true, narrowRange);
    if (scaling == ScalingImpl.PARAMETER) {
      throw new IllegalArgumentException("learned (PARAMETER) weight scales are not supported");
    }
    if (scaling == ScalingImpl.CONST && !(scalingConst > 0 && Float.isFinite(scalingConst))) {
      throw new IllegalArgumentException(
          "a constant weight scale must be positive and finite, got " + scalingConst);
    }
  }

  /** A statistics-scaled quantizer (AbsMax of the weights). */
  public WeightQuantConfig(
      int bitWidth, boolean perChannel, boolean narrowRange, ScaleRestriction restriction) {
    this(bitWidth, perChannel, narrowRange, restriction, ScalingImpl.STATS, Float.NaN);
  }

  /**
   * bnn_pynq's {@code CommonWeightQuant}: constant scale {@code scalingConst}, binary at one bit,
   * otherwise signed integers ({@code narrowRange} as given).
   */
  public static WeightQuantConfig constant(int bitWidth, boolean narrowRange, float scalingConst) {
    return new WeightQuantConfig(
        bitWidth, false, narrowRange, ScaleRestriction.FLOAT, ScalingImpl.CONST, scalingConst);
  }

  /**
   * Whether this quantizer is binary: one bit with a constant scale (Brevitas' {@code
   * QuantType.BINARY}).
   */
  public boolean binary() {
    return bitWidth == 1 && scaling == ScalingImpl.CONST;
  }

  public static WeightQuantConfig perTensorFloat(int bitWidth) {
    return new WeightQuantConfig(bitWidth, false, true, ScaleRestriction.FLOAT);
  }

  public static WeightQuantConfig perChannelFloat(int bitWidth) {
    return new WeightQuantConfig(bitWidth, true, true, ScaleRestriction.FLOAT);
  }

  /**
   * The same quantizer with scales restricted as {@code r} says (power of two: Brevitas' fixed
   * point).
   */
  public WeightQuantConfig withRestriction(ScaleRestriction r) {
    return new WeightQuantConfig(bitWidth, perChannel, narrowRange, r, scaling, scalingConst);
  }

  /** The same quantizer with the most negative integer dropped ({@code narrowRange}) or kept. */
  public WeightQuantConfig withNarrowRange(boolean narrow) {
    return new WeightQuantConfig(bitWidth, perChannel, narrow, restriction, scaling, scalingConst);
  }

  /**
   * The same quantizer with one scale per output channel (ignored by a constant scale, as in
   * Brevitas).
   */
  public WeightQuantConfig withPerChannel(boolean perChannel) {
    return new WeightQuantConfig(
        bitWidth, perChannel, narrowRange, restriction, scaling, scalingConst);
  }

  /**
   * Brevitas' name for this quantizer with the bit width written in: {@code
   * Int4WeightPerTensorFloat}, {@code Int8WeightPerChannelFloat}, {@code
   * Int8WeightPerTensorFixedPoint} (power-of-two scales).
   */
  public String brevitasName() {
    if (binary() && scalingConst == 1f && restriction == ScaleRestriction.FLOAT) {
      return "SignedBinaryWeightPerTensorConst";
    }
    if (scaling == ScalingImpl.CONST) {
      return "CommonWeightQuant(bit_width="
          + bitWidth
          + (binary() ? "" : ", narrow_range=" + (narrowRange ? "True" : "False"))
          + ", scaling_const="
          + scalingConst
          + (restriction == ScaleRestriction.POWER_OF_TWO
              ? ", restrict_scaling_type=POWER_OF_TWO"
              : "")
          + ")";
    }
    return "Int"
        + bitWidth
        + "Weight"
        + (perChannel ? "PerChannel" : "PerTensor")
        + (restriction == ScaleRestriction.POWER_OF_TWO ? "FixedPoint" : "Float");
  }

  public IntRange range() {
    return new IntRange(bitWidth, true, narrowRange);
  }
}
