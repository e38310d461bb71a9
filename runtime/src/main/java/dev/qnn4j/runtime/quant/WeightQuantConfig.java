package dev.qnn4j.runtime.quant;

/**
 * A weight quantizer's configuration. The defaults are Brevitas' {@code Int8WeightPerTensorFloat}
 * (and {@code Int8WeightPerChannelFloat} with {@code perChannel}): signed narrow-range integers,
 * scale = AbsMax statistic / {@code 2^(b-1)-1}, recomputed from the weights at every forward.
 */
public record WeightQuantConfig(
    int bitWidth, boolean perChannel, boolean narrowRange, ScaleRestriction restriction) {

  /** Brevitas' scaling_min_val for weight scales. */
  public static final float SCALING_MIN_VAL = 1e-10f;

  public WeightQuantConfig {
    new IntRange(bitWidth, true, narrowRange);
  }

  public static WeightQuantConfig perTensorFloat(int bitWidth) {
    return new WeightQuantConfig(bitWidth, false, true, ScaleRestriction.FLOAT);
  }

  public static WeightQuantConfig perChannelFloat(int bitWidth) {
    return new WeightQuantConfig(bitWidth, true, true, ScaleRestriction.FLOAT);
  }

  /** The same quantizer with scales restricted as {@code r} says (power of two: Brevitas' fixed point). */
  public WeightQuantConfig withRestriction(ScaleRestriction r) {
    return new WeightQuantConfig(bitWidth, perChannel, narrowRange, r);
  }

  /**
   * Brevitas' name for this quantizer with the bit width written in: {@code Int4WeightPerTensorFloat},
   * {@code Int8WeightPerChannelFloat}, {@code Int8WeightPerTensorFixedPoint} (power-of-two scales).
   */
  public String brevitasName() {
    return "Int" + bitWidth + "Weight" + (perChannel ? "PerChannel" : "PerTensor")
        + (restriction == ScaleRestriction.POWER_OF_TWO ? "FixedPoint" : "Float");
  }

  public IntRange range() {
    return new IntRange(bitWidth, true, narrowRange);
  }
}
