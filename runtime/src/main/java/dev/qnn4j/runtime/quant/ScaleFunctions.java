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
  static Tensor restrictAndClamp(
      Tensor stat, float threshold, ScaleRestriction restriction, float minVal) {
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

  /**
   * A constant scale as Brevitas' {@code ConstScaling}: {@code R(value) / R(threshold)}, R the
   * identity for float scales and {@code 2^round(log2(.))} (half to even) for power-of-two scales,
   * applied to the value and to the threshold separately.
   */
  static float constant(float value, float threshold, ScaleRestriction restriction) {
    float t = threshold;
    if (restriction == ScaleRestriction.POWER_OF_TWO) {
      return powerOfTwo(value) / powerOfTwo(t);
    }
    return value / t;
  }

  /**
   * {@code 2^round(log2(v))}, rounding half to even as torch does, in float as Brevitas computes
   * it.
   */
  static float powerOfTwo(float v) {
    float log = (float) (Math.log(v) / Math.log(2));
    return (float) Math.pow(2, Math.rint(log));
  }

  /**
   * For compiled steps, one scale at a time: the power-of-two branch of {@link #restrictAndClamp}
   * before its clamp, {@code 2^ceil(log2(stat) - log2(threshold))}, in the float and double
   * operations of the tape's {@code Ops.log2}, {@code addConstant}, {@code ceilSte} and {@code
   * pow2}.
   */
  static float powerOfTwoScale(float stat, float threshold) {
    float log = (float) (Math.log(stat) / Math.log(2));
    float shifted = log + (float) -(Math.log(threshold) / Math.log(2));
    return (float) Math.pow(2, (float) Math.ceil(shifted));
  }

  /**
   * The gradient reaching {@code stat} from {@code g}, the gradient of {@link #powerOfTwoScale}'s
   * result {@code pow}: through {@code pow2}, straight through the ceiling and the shift, then
   * through {@code log2}, as the tape's operations compute them.
   */
  static float powerOfTwoScaleBackward(float stat, float pow, float g) {
    float throughPow = (float) (g * pow * Math.log(2));
    return (float) (throughPow / (stat * Math.log(2)));
  }
}
