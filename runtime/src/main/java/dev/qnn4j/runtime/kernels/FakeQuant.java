package dev.qnn4j.runtime.kernels;

/**
 * Integer fake quantization in one pass, as Brevitas' {@code IntQuant} computes it:
 * {@code y = x / s + z; q = clamp(round(y), min, max); out = (q - z) * s}, rounding half to even
 * ({@code torch.round}). The scale is per tensor, or per channel with channel {@code c = (i / inner) %
 * channels} for element {@code i}.
 */
public final class FakeQuant {
  private FakeQuant() {}

  /**
   * Writes the dequantized values to {@code out}; when {@code inRange} is not null, records for each
   * element whether the rounded value lay within [min, max] (the gradient mask of a plain clamp).
   */
  public static void forward(
      float[] x, float[] scale, long inner, float zeroPoint, float min, float max,
      float[] out, boolean[] inRange) {
    int channels = scale.length;
    Parallel.forRange(x.length, 1, (chunk, from, to) -> {
      for (int i = from; i < to; i++) {
        float s = channels == 1 ? scale[0] : scale[(int) ((i / inner) % channels)];
        float r = roundHalfEven(x[i] / s + zeroPoint);
        float q;
        boolean within;
        if (r > max) {
          q = max;
          within = false;
        } else if (r < min) {
          q = min;
          within = false;
        } else {
          q = r;
          within = true;
        }
        if (inRange != null) {
          inRange[i] = within;
        }
        out[i] = (q - zeroPoint) * s;
      }
    });
  }

  /** 1.5 * 2^23: adding and subtracting it rounds a float of magnitude below 2^22 to an integer. */
  private static final float ROUNDING_SHIFTER = 12582912f;

  /**
   * {@code torch.round} (half to even) in float arithmetic. Below 2^22 in magnitude the shifter
   * trick rounds exactly as the FPU's default mode (ties to even) does; larger floats need no
   * rounding below 2^23 except halves, which {@link Math#rint} handles.
   */
  static float roundHalfEven(float y) {
    if (Math.abs(y) < 4194304f) {
      // copySign keeps torch's -0 for small negative inputs; a rounded value never changes sign.
      return Math.copySign((y + ROUNDING_SHIFTER) - ROUNDING_SHIFTER, y);
    }
    return (float) Math.rint(y);
  }

  /** The integers {@code clamp(round(x / s + z), min, max)}. */
  public static float[] toInt(float[] x, float[] scale, long inner, float zeroPoint, float min, float max) {
    int channels = scale.length;
    float[] q = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      float s = channels == 1 ? scale[0] : scale[(int) ((i / inner) % channels)];
      float r = roundHalfEven(x[i] / s + zeroPoint);
      q[i] = Math.max(min, Math.min(max, r));
    }
    return q;
  }

  /**
   * Gradients of the fake quantization with a straight-through round. With {@code steClamp} the
   * clamp passes gradients everywhere (Brevitas' {@code TensorClampSte}, used for weights);
   * otherwise only where {@code inRange} (Brevitas' {@code TensorClamp}, used for activations and
   * biases). Writes the input gradient to {@code gradX} (when not null) and returns the scale
   * gradient, one value per scale entry, following PyTorch's chain: {@code out = q * s} gives
   * {@code dq = g * s, ds += g * q}; {@code y = x / s} gives {@code dx = dy / s, ds += -dy * x / s^2}.
   */
  public static float[] backward(
      float[] x, float[] scale, long inner, float zeroPoint, float min, float max,
      float[] gradOut, boolean[] inRange, boolean steClamp, float[] gradX) {
    int channels = scale.length;
    int chunks = Parallel.chunks(x.length, 1);
    double[][] partial = new double[chunks][channels];
    Parallel.forRange(x.length, 1, (chunk, from, to) -> {
      double[] gradScale = partial[chunk];
      for (int i = from; i < to; i++) {
        int c = channels == 1 ? 0 : (int) ((i / inner) % channels);
        float s = scale[c];
        float g = gradOut[i];
        float r = roundHalfEven(x[i] / s + zeroPoint);
        float q = Math.max(min, Math.min(max, r));
        float gq = g * s;
        float gy = (steClamp || inRange[i]) ? gq : 0f;
        if (gradX != null) {
          gradX[i] = gy / s;
        }
        gradScale[c] += (double) (g * (q - zeroPoint)) + (double) ((-gy * x[i]) / (s * s));
      }
    });
    float[] result = new float[channels];
    for (int c = 0; c < channels; c++) {
      double sum = 0;
      for (double[] p : partial) {
        sum += p[c];
      }
      result[c] = (float) sum;
    }
    return result;
  }
}
