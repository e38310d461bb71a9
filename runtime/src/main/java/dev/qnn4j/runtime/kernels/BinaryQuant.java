package dev.qnn4j.runtime.kernels;

/**
 * One-bit quantization with a constant scale s, as Brevitas' binary quantizers compute it: {@code
 * sign(x) * s} with sign(0) = +1 and a straight-through sign (gradient {@code g * s}), and, for
 * activations, a clamp to {@code [-s, s]} first whose gradient is zero outside the bounds.
 */
public final class BinaryQuant {
  private BinaryQuant() {}

  /** {@code out[i] = sign(x[i]) * s}, sign(0) = +1 (also for -0). */
  public static void sign(float[] x, float s, float[] out) {
    for (int i = 0; i < x.length; i++) {
      out[i] = (x[i] >= 0f ? 1f : -1f) * s;
    }
  }

  /** The straight-through gradient of {@link #sign}: {@code gx[i] = g[i] * s}. */
  public static void signBackward(float[] g, float s, float[] gx) {
    for (int i = 0; i < g.length; i++) {
      gx[i] = g[i] * s;
    }
  }

  /** {@code out[i] = clamp(x[i], -bound, bound)}. */
  public static void clamp(float[] x, float bound, float[] out) {
    for (int i = 0; i < x.length; i++) {
      out[i] = x[i] > bound ? bound : (x[i] < -bound ? -bound : x[i]);
    }
  }

  /**
   * The gradient of {@link #clamp}: {@code g[i]} inside the bounds, 0 outside; {@code gx} may be
   * {@code g}.
   */
  public static void clampBackward(float[] x, float bound, float[] g, float[] gx) {
    for (int i = 0; i < g.length; i++) {
      gx[i] = (x[i] > bound || x[i] < -bound) ? 0f : g[i];
    }
  }
}
