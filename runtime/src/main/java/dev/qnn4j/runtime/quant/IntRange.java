package dev.qnn4j.runtime.quant;

/**
 * The integer range of a bit width, as Brevitas' {@code min_int}, {@code max_int} and {@code
 * IntScaling} define it: signed narrow {@code [-(2^(b-1)-1), 2^(b-1)-1]}, signed {@code [-2^(b-1),
 * 2^(b-1)-1]}, unsigned {@code [0, 2^b-1]} (narrow unsigned {@code [0, 2^b-2]}).
 */
public record IntRange(int bitWidth, boolean signed, boolean narrowRange) {
  public IntRange {
    if (bitWidth < 1 || bitWidth > 32) {
      throw new IllegalArgumentException("bit width must be in 1..32, got " + bitWidth);
    }
  }

  /** The smallest representable integer. */
  public long min() {
    if (!signed) {
      return 0;
    }
    long half = 1L << (bitWidth - 1);
    return narrowRange ? -half + 1 : -half;
  }

  /** The largest representable integer. */
  public long max() {
    if (signed) {
      return (1L << (bitWidth - 1)) - 1;
    }
    long full = (1L << bitWidth) - 1;
    return narrowRange ? full - 1 : full;
  }

  /**
   * The divisor that maps a statistic to a scale ({@code scale = stat / threshold}): {@code -min}
   * when signed, {@code max} when unsigned (Brevitas' {@code IntScaling}).
   */
  public float threshold() {
    return (float) (signed ? -min() : max());
  }

  /** The largest magnitude an integer of this range can have. */
  public long maxAbs() {
    return Math.max(Math.abs(min()), Math.abs(max()));
  }

  /** Whether {@code v} lies in {@code [min(), max()]}. */
  public boolean contains(long v) {
    return v >= min() && v <= max();
  }

  @Override
  public String toString() {
    return (signed ? "signed " : "unsigned ")
        + bitWidth
        + "-bit"
        + (narrowRange ? " narrow" : "")
        + " ["
        + min()
        + ", "
        + max()
        + "]";
  }
}
