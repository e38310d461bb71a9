package dev.qnn4j.runtime.quant;

/**
 * An activation quantizer's configuration. The defaults are Brevitas' {@code
 * Uint8ActPerTensorFloat} (unsigned, for QuantReLU) and {@code Int8ActPerTensorFloat} (signed, for
 * QuantIdentity): a per-tensor scale from the 99.999th percentile of |x|, averaged over the first
 * 300 training steps, then learned as a parameter.
 *
 * <p>With {@link ScalingImpl#CONST} the scale is fixed from {@code max(|minVal|, |maxVal|)}
 * (bnn_pynq's {@code CommonActQuant}; binary at one bit, Brevitas' {@code ClampedBinaryQuant});
 * with {@link ScalingImpl#PARAMETER} it is a parameter initialised from that value and learned from
 * the first step (Brevitas' {@code ...ActPerTensorFloatMinMaxInit}, {@code QuantHardTanh}'s
 * default).
 */
public record ActQuantConfig(
    int bitWidth,
    boolean signed,
    boolean narrowRange,
    ScaleRestriction restriction,
    int collectStatsSteps,
    double percentile,
    float statsMomentum,
    ScalingImpl scaling,
    float minVal,
    float maxVal) {

  public static final int DEFAULT_COLLECT_STATS_STEPS = 300;
  public static final double DEFAULT_PERCENTILE = 99.999;

  /** Brevitas' DEFAULT_MOMENTUM: the statistics are an exponential average during training. */
  public static final float DEFAULT_STATS_MOMENTUM = 0.1f;

  public static final float SCALING_MIN_VAL = 1e-10f;

  public ActQuantConfig {
    new IntRange(bitWidth, signed, narrowRange);
    if (collectStatsSteps < 1) {
      throw new IllegalArgumentException(
          "collectStatsSteps must be positive, got " + collectStatsSteps);
    }
    if (!(percentile > 0 && percentile <= 100)) {
      throw new IllegalArgumentException("percentile must be in (0, 100], got " + percentile);
    }
    if (scaling != ScalingImpl.STATS) {
      if (!(Float.isFinite(minVal) && Float.isFinite(maxVal) && minVal < maxVal)) {
        throw new IllegalArgumentException(
            "need finite minVal < maxVal, got " + minVal + ", " + maxVal);
      }
      if (!signed && minVal < 0) {
        throw new IllegalArgumentException(
            "an unsigned quantizer needs minVal >= 0, got " + minVal);
      }
    }
    if (bitWidth == 1 && scaling == ScalingImpl.PARAMETER) {
      throw new IllegalArgumentException("a binary activation quantizer has a constant scale");
    }
  }

  /** A statistics-scaled quantizer (percentile statistics, then a learned parameter). */
  public ActQuantConfig(
      int bitWidth,
      boolean signed,
      boolean narrowRange,
      ScaleRestriction restriction,
      int collectStatsSteps,
      double percentile,
      float statsMomentum) {
    this(
        bitWidth,
        signed,
        narrowRange,
        restriction,
        collectStatsSteps,
        percentile,
        statsMomentum,
        ScalingImpl.STATS,
        Float.NaN,
        Float.NaN);
  }

  /**
   * A quantizer whose scale is {@code scaling} ({@link ScalingImpl#CONST} or {@link
   * ScalingImpl#PARAMETER}) from the range {@code [minVal, maxVal]}: signed when {@code minVal <
   * 0}, as Brevitas' min/max solver decides.
   */
  public static ActQuantConfig fromRange(
      int bitWidth,
      ScalingImpl scaling,
      float minVal,
      float maxVal,
      boolean narrowRange,
      ScaleRestriction restriction) {
    if (scaling == ScalingImpl.STATS) {
      throw new IllegalArgumentException("a range gives a CONST or PARAMETER scale, not STATS");
    }
    return new ActQuantConfig(
        bitWidth,
        minVal < 0,
        narrowRange,
        restriction,
        DEFAULT_COLLECT_STATS_STEPS,
        DEFAULT_PERCENTILE,
        DEFAULT_STATS_MOMENTUM,
        scaling,
        minVal,
        maxVal);
  }

  /**
   * Whether this quantizer is binary: one bit with a constant scale (Brevitas' {@code
   * ClampedBinaryQuant}).
   */
  public boolean binary() {
    return bitWidth == 1 && scaling == ScalingImpl.CONST;
  }

  /** The value a CONST or PARAMETER scale starts from: {@code max(|minVal|, |maxVal|)}. */
  public float rangeMagnitude() {
    return Math.max(Math.abs(minVal), Math.abs(maxVal));
  }

  /** Brevitas' {@code Uint8ActPerTensorFloat} at {@code bitWidth}. */
  public static ActQuantConfig unsigned(int bitWidth) {
    return new ActQuantConfig(
        bitWidth,
        false,
        false,
        ScaleRestriction.FLOAT,
        DEFAULT_COLLECT_STATS_STEPS,
        DEFAULT_PERCENTILE,
        DEFAULT_STATS_MOMENTUM);
  }

  /** Brevitas' {@code Int8ActPerTensorFloat} at {@code bitWidth}. */
  public static ActQuantConfig signed(int bitWidth) {
    return new ActQuantConfig(
        bitWidth,
        true,
        false,
        ScaleRestriction.FLOAT,
        DEFAULT_COLLECT_STATS_STEPS,
        DEFAULT_PERCENTILE,
        DEFAULT_STATS_MOMENTUM);
  }

  /** The same quantizer with the most negative integer dropped ({@code narrowRange}) or kept. */
  public ActQuantConfig withNarrowRange(boolean narrow) {
    return new ActQuantConfig(
        bitWidth,
        signed,
        narrow,
        restriction,
        collectStatsSteps,
        percentile,
        statsMomentum,
        scaling,
        minVal,
        maxVal);
  }

  public ActQuantConfig withRestriction(ScaleRestriction r) {
    return new ActQuantConfig(
        bitWidth,
        signed,
        narrowRange,
        r,
        collectStatsSteps,
        percentile,
        statsMomentum,
        scaling,
        minVal,
        maxVal);
  }

  /**
   * Brevitas' name for this quantizer with the bit width written in: {@code
   * Uint4ActPerTensorFloat}, {@code Int8ActPerTensorFloat}, {@code Uint8ActPerTensorFixedPoint}
   * (power-of-two scales).
   */
  public String brevitasName() {
    if (binary()) {
      return minVal == -1f && maxVal == 1f
          ? "SignedBinaryActPerTensorConst"
          : "CommonActQuant(bit_width=1, min_val=" + minVal + ", max_val=" + maxVal + ")";
    }
    if (scaling == ScalingImpl.CONST) {
      return "CommonActQuant(bit_width="
          + bitWidth
          + ", min_val="
          + minVal
          + ", max_val="
          + maxVal
          + ", narrow_range="
          + (narrowRange ? "True" : "False")
          + (restriction == ScaleRestriction.POWER_OF_TWO
              ? ", restrict_scaling_type=POWER_OF_TWO"
              : "")
          + ")";
    }
    if (scaling == ScalingImpl.PARAMETER) {
      return (signed ? "Int" : "Uint")
          + bitWidth
          + "ActPerTensor"
          + (restriction == ScaleRestriction.POWER_OF_TWO ? "FixedPoint" : "Float")
          + "MinMaxInit(min_val="
          + minVal
          + ", max_val="
          + maxVal
          + (narrowRange ? ", narrow_range=True" : "")
          + ")";
    }
    return (signed ? "Int" : "Uint")
        + bitWidth
        + "ActPerTensor"
        + (restriction == ScaleRestriction.POWER_OF_TWO ? "FixedPoint" : "Float");
  }

  public IntRange range() {
    return new IntRange(bitWidth, signed, narrowRange);
  }
}
