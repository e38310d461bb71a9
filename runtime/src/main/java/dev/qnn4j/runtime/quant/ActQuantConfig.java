package dev.qnn4j.runtime.quant;

/**
 * An activation quantizer's configuration. The defaults are Brevitas' {@code Uint8ActPerTensorFloat}
 * (unsigned, for QuantReLU) and {@code Int8ActPerTensorFloat} (signed, for QuantIdentity): a
 * per-tensor scale from the 99.999th percentile of |x|, averaged over the first 300 training steps,
 * then learned as a parameter.
 */
public record ActQuantConfig(
    int bitWidth, boolean signed, boolean narrowRange, ScaleRestriction restriction,
    int collectStatsSteps, double percentile, float statsMomentum) {

  public static final int DEFAULT_COLLECT_STATS_STEPS = 300;
  public static final double DEFAULT_PERCENTILE = 99.999;
  /** Brevitas' DEFAULT_MOMENTUM: the statistics are an exponential average during training. */
  public static final float DEFAULT_STATS_MOMENTUM = 0.1f;
  public static final float SCALING_MIN_VAL = 1e-10f;

  public ActQuantConfig {
    new IntRange(bitWidth, signed, narrowRange);
    if (collectStatsSteps < 1) {
      throw new IllegalArgumentException("collectStatsSteps must be positive, got " + collectStatsSteps);
    }
    if (!(percentile > 0 && percentile <= 100)) {
      throw new IllegalArgumentException("percentile must be in (0, 100], got " + percentile);
    }
  }

  /** Brevitas' {@code Uint8ActPerTensorFloat} at {@code bitWidth}. */
  public static ActQuantConfig unsigned(int bitWidth) {
    return new ActQuantConfig(bitWidth, false, false, ScaleRestriction.FLOAT,
        DEFAULT_COLLECT_STATS_STEPS, DEFAULT_PERCENTILE, DEFAULT_STATS_MOMENTUM);
  }

  /** Brevitas' {@code Int8ActPerTensorFloat} at {@code bitWidth}. */
  public static ActQuantConfig signed(int bitWidth) {
    return new ActQuantConfig(bitWidth, true, false, ScaleRestriction.FLOAT,
        DEFAULT_COLLECT_STATS_STEPS, DEFAULT_PERCENTILE, DEFAULT_STATS_MOMENTUM);
  }

  public ActQuantConfig withRestriction(ScaleRestriction r) {
    return new ActQuantConfig(bitWidth, signed, narrowRange, r, collectStatsSteps, percentile, statsMomentum);
  }

  /**
   * Brevitas' name for this quantizer with the bit width written in: {@code Uint4ActPerTensorFloat},
   * {@code Int8ActPerTensorFloat}, {@code Uint8ActPerTensorFixedPoint} (power-of-two scales).
   */
  public String brevitasName() {
    return (signed ? "Int" : "Uint") + bitWidth + "ActPerTensor"
        + (restriction == ScaleRestriction.POWER_OF_TWO ? "FixedPoint" : "Float");
  }

  public IntRange range() {
    return new IntRange(bitWidth, signed, narrowRange);
  }
}
