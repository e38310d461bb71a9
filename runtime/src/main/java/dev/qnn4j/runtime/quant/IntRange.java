package dev.qnn4j.runtime.quant;

/**
 * The integer range of a bit width, as Brevitas' {@code min_int}, {@code max_int} and {@code
 * IntScaling} define it: signed narrow {@code [-(2^(b-1)-1), 2^(b-1)-1]}, signed
 * {@code [-2^(b-1), 2^(b-1)-1]}, unsigned {@code [0, 2^b-1]} (narrow unsigned {@code [0, 2^b-2]}).
 */
public record IntRange(int bitWidth, boolean signed, boolean narrowRange) {
  public IntRange {
    if (bitWidth < 1 || bitWidth > 32) {
      throw new IllegalArgumentException("bit width must be in 1..32, got " + bitWidth);
    }
  }

  public double min() {
    if (!signed) {
      return 0;
    }
    double half = Math.pow(2, bitWidth - 1);
    return narrowRange ? -half + 1 : -half;
  }

  public double max() {
    if (signed) {
      return Math.pow(2, bitWidth - 1) - 1;
    }
    return narrowRange ? Math.pow(2, bitWidth) - 2 : Math.pow(2, bitWidth) - 1;
  }

  /**
   * The divisor that maps a statistic to a scale ({@code scale = stat / threshold}): {@code -min}
   * when signed, {@code max} when unsigned (Brevitas' {@code IntScaling}).
   */
  public float threshold() {
    return (float) (signed ? -min() : max());
  }

  /** The largest magnitude an integer of this range can have. */
  public double maxAbs() {
    return Math.max(Math.abs(min()), Math.abs(max()));
  }
}
