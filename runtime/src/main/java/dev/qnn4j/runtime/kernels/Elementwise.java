package dev.qnn4j.runtime.kernels;

/**
 * Elementwise sums on caller-owned arrays: a residual {@code add} and the sum of the gradients of a
 * value read twice (the tape and compiled steps share them).
 */
public final class Elementwise {
  private Elementwise() {}

  /** {@code out = a + b} over the first {@code length} values. */
  public static void add(float[] a, float[] b, float[] out, int length) {
    for (int i = 0; i < length; i++) {
      out[i] = a[i] + b[i];
    }
  }

  /**
   * {@code into += part} over the first {@code length} values: two gradients of one value (their
   * float sum is the same in either order).
   */
  public static void accumulate(float[] part, float[] into, int length) {
    for (int i = 0; i < length; i++) {
      into[i] += part[i];
    }
  }
}
