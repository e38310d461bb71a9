package dev.qnn4j.runtime.quant;

import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.autograd.Ops;

/** How a statistic and an integer threshold combine into a scale, per {@link ScaleRestriction}. */
final class ScaleFunctions {
  private ScaleFunctions() {}

  /**
   * Brevitas' {@code _StatsScaling}: float scales are {@code stat / threshold}; power-of-two scales
   * are {@code 2^ceil(log2(stat) - log2(threshold))}; then clamped below by {@code minVal} with a
   * straight-through gradient.
   */
  static Tensor restrictAndClamp(Tensor stat, float threshold, ScaleRestriction restriction, float minVal) {
    Tensor combined;
    if (restriction == ScaleRestriction.POWER_OF_TWO) {
      Tensor log = Ops.log2(stat);
      Tensor shifted = Ops.addConstant(log, (float) -(Math.log(threshold) / Math.log(2)));
      combined = Ops.pow2(Ops.ceilSte(shifted));
    } else {
      combined = Ops.div(stat, threshold);
    }
    return Ops.clampMinSte(combined, minVal);
  }
}
