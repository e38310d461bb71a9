package dev.qnn4j.runtime.kernels;

/**
 * Integer fake quantization in one pass, as Brevitas' {@code IntQuant} computes it: {@code y = x /
 * s + z; q = clamp(round(y), min, max); out = (q - z) * s}, rounding half to even ({@code
 * torch.round}). The scale is per tensor, or per channel with channel {@code c = (i / inner) %
 * channels} for element {@code i}.
 *
 * <p>Integer ranges up to 2^21 wide (every weight and activation bit width up to 21) take a
 * branch-free path: on data that straddles the clamp bounds, a branch per element mispredicts about
 * half the time and made these kernels ten times slower. It clamps y to {@code [min - 1, max + 1]}
 * first, which changes no result (anything beyond still rounds outside {@code [min, max]}) and
 * keeps |y| below 2^22, where adding and subtracting 1.5 * 2^23 rounds exactly like {@code
 * torch.round}. On purpose, a zero keeps no sign there: torch gives -0 for inputs in (-0.5, 0),
 * which compares equal. Wider ranges (Int32 biases) take the exact element-by-element path.
 */
public final class FakeQuant {
  private FakeQuant() {}

  /**
   * The widest integer range of the branch-free path: |y| then stays below 2^22 (see the class
   * notes).
   */
  private static final float FAST_PATH_LIMIT = 2097152f;

  /**
   * Writes the dequantized values {@code (clamp(round(x / s + z), min, max) - z) * s} to {@code
   * out}.
   */
  public static void forward(
      float[] x, float[] scale, long inner, float zeroPoint, float min, float max, float[] out) {
    long profileStart = KernelProfile.begin();
    ForwardTask t = FORWARD.get();
    t.set(x, scale, inner, zeroPoint, min, max);
    t.out = out;
    try {
      Parallel.forRange(x.length, 1, t);
    } finally {
      t.clear();
      t.out = null;
    }
    KernelProfile.end(profileStart, "fake-quant", x.length);
  }

  /**
   * The arguments and body of one {@link #forward}: one reusable object per thread, so a call
   * allocates nothing (a capturing lambda per call would).
   */
  private static final class ForwardTask extends BlockTask {
    float[] out;

    @Override
    void block(int chunk, int from, int to, int c) {
      float s = scale[c];
      if (fast) {
        forwardNarrow(x, from, to, s, zeroPoint, min, max, out);
        return;
      }
      for (int i = from; i < to; i++) {
        float q = Math.max(min, Math.min(max, roundHalfEven(x[i] / s + zeroPoint)));
        // A NaN input stays NaN, as in torch (Math.min/max would also propagate it).
        out[i] = (q - zeroPoint) * s;
      }
    }
  }

  private static final ThreadLocal<ForwardTask> FORWARD = ThreadLocal.withInitial(ForwardTask::new);

  static void forwardNarrow(
      float[] x, int from, int to, float s, float z, float min, float max, float[] out) {
    float lo = min - 1f;
    float hi = max + 1f;
    for (int i = from; i < to; i++) {
      float y = Math.min(Math.max(x[i] / s + z, lo), hi);
      float q = Math.min(Math.max((y + ROUNDING_SHIFTER) - ROUNDING_SHIFTER, min), max);
      out[i] = (q - z) * s;
    }
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
  public static float[] toInt(
      float[] x, float[] scale, long inner, float zeroPoint, float min, float max) {
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
   * otherwise only where the rounded value lies within [min, max] (Brevitas' {@code TensorClamp},
   * used for activations and biases). Writes the input gradient to {@code gradX} (when not null)
   * and returns the scale gradient, one value per scale entry, following PyTorch's chain: {@code
   * out = q * s} gives {@code dq = g * s, ds += g * q}; {@code y = x / s} gives {@code dx = dy / s,
   * ds += -dy * x / s^2}. The scale gradient is summed in double, per core in index order.
   */
  public static float[] backward(
      float[] x,
      float[] scale,
      long inner,
      float zeroPoint,
      float min,
      float max,
      float[] gradOut,
      boolean steClamp,
      float[] gradX) {
    float[] result = new float[scale.length];
    backward(x, scale, inner, zeroPoint, min, max, gradOut, steClamp, gradX, result);
    return result;
  }

  /**
   * {@link #backward(float[], float[], long, float, float, float, float[], boolean, float[])} with
   * the scale gradient written to {@code gradScale} (one value per scale entry; overwritten), for
   * callers that reuse their arrays.
   */
  public static void backward(
      float[] x,
      float[] scale,
      long inner,
      float zeroPoint,
      float min,
      float max,
      float[] gradOut,
      boolean steClamp,
      float[] gradX,
      float[] gradScale) {
    long profileStart = KernelProfile.begin();
    int channels = scale.length;
    int chunks = Parallel.chunks(x.length, 1);
    BackwardTask t = BACKWARD.get();
    if (t.partial.length < chunks * channels) {
      t.partial = new double[chunks * channels];
    }
    java.util.Arrays.fill(t.partial, 0, chunks * channels, 0d);
    t.set(x, scale, inner, zeroPoint, min, max);
    t.gradOut = gradOut;
    t.steClamp = steClamp;
    t.gradX = gradX;
    try {
      Parallel.forRange(x.length, 1, t);
    } finally {
      t.clear();
      t.gradOut = null;
      t.gradX = null;
    }
    double[] partial = t.partial;
    for (int c = 0; c < channels; c++) {
      double sum = 0;
      for (int ch = 0; ch < chunks; ch++) {
        sum += partial[ch * channels + c];
      }
      gradScale[c] = (float) sum;
    }
    KernelProfile.end(profileStart, "fake-quant backward", x.length);
  }

  /** The arguments, per-core scale-gradient partials and body of one {@link #backward}. */
  private static final class BackwardTask extends BlockTask {
    float[] gradOut;
    float[] gradX;
    boolean steClamp;

    /** Partial scale gradients, {@code [chunk, channel]}. */
    double[] partial = new double[0];

    @Override
    void block(int chunk, int from, int to, int c) {
      float s = scale[c];
      partial[chunk * scale.length + c] +=
          fast
              ? backwardNarrow(x, from, to, s, zeroPoint, min, max, gradOut, steClamp, gradX)
              : backwardWide(x, from, to, s, zeroPoint, min, max, gradOut, steClamp, gradX);
    }
  }

  private static final ThreadLocal<BackwardTask> BACKWARD =
      ThreadLocal.withInitial(BackwardTask::new);

  private static double backwardNarrow(
      float[] x,
      int from,
      int to,
      float s,
      float z,
      float min,
      float max,
      float[] gradOut,
      boolean steClamp,
      float[] gradX) {
    // Two passes: an element-wise one the JIT vectorizes (the scale-gradient terms go to scratch
    // arrays), then the double sum, whose dependency chain would stall the first.
    float[] byQ = Workspace.floats(Workspace.Slot.SCALE_TERMS_Q, to);
    float[] byX = Workspace.floats(Workspace.Slot.SCALE_TERMS_X, to);
    float[] gx = gradX != null ? gradX : Workspace.floats(Workspace.Slot.GRADIENT_SCRATCH, to);
    backwardNarrowTerms(x, from, to, s, z, min, max, gradOut, steClamp, gx, byQ, byX);
    PairSum sum = PAIR_SUM.get();
    sum.start(from, to);
    sum.add(byQ, byX, from, to);
    return sum.total();
  }

  /**
   * The element-wise part of the narrow backward pass over {@code [from, to)}: the input gradient
   * into {@code gx} and the two scale-gradient terms of each element into {@code byQ} and {@code
   * byX}. The JIT vectorizes only when every array is indexed alike and the loop has no branch,
   * hence arrays indexed like x and one loop per clamp kind.
   */
  static void backwardNarrowTerms(
      float[] x,
      int from,
      int to,
      float s,
      float z,
      float min,
      float max,
      float[] gradOut,
      boolean steClamp,
      float[] gx,
      float[] byQ,
      float[] byX) {
    float lo = min - 1f;
    float hi = max + 1f;
    float sSquared = s * s;
    if (steClamp) {
      for (int i = from; i < to; i++) {
        float y = Math.min(Math.max(x[i] / s + z, lo), hi);
        float q = Math.min(Math.max((y + ROUNDING_SHIFTER) - ROUNDING_SHIFTER, min), max);
        float g = gradOut[i];
        float gy = g * s;
        gx[i] = gy / s;
        byQ[i] = g * (q - z);
        byX[i] = (-gy * x[i]) / sSquared;
      }
    } else {
      for (int i = from; i < to; i++) {
        float y = Math.min(Math.max(x[i] / s + z, lo), hi);
        float r = (y + ROUNDING_SHIFTER) - ROUNDING_SHIFTER;
        float q = Math.min(Math.max(r, min), max);
        float g = gradOut[i];
        // r and q are integers that differ by 0 inside the range and by 1 outside it (y was
        // clamped to one step beyond): this passes g * s or zeroes it without a branch.
        float gy = (g * s) * (1f - Math.abs(q - r));
        gx[i] = gy / s;
        byQ[i] = g * (q - z);
        byX[i] = (-gy * x[i]) / sSquared;
      }
    }
  }

  /**
   * {@code sum(a[i] + b[i])} over a range {@code [from, to)} in double, with four independent
   * partial sums: element i goes to sum {@code (i - from) % 4}, the last {@code (to - from) % 4}
   * elements to the first. The range may be added in consecutive pieces (a fused kernel adds one
   * plane at a time) with the same result. One per thread: the cores sum their chunks at once.
   */
  static final class PairSum {
    private double s0;
    private double s1;
    private double s2;
    private double s3;
    private int from;
    private int tail;

    void start(int from, int to) {
      s0 = 0;
      s1 = 0;
      s2 = 0;
      s3 = 0;
      this.from = from;
      this.tail = from + ((to - from) & ~3);
    }

    /** Adds elements {@code [start, end)}: the next piece of the range, in order. */
    void add(float[] a, float[] b, int start, int end) {
      int i = start;
      for (; i < end && i < tail && ((i - from) & 3) != 0; i++) {
        addOne(i, (double) a[i] + (double) b[i]);
      }
      double t0 = s0;
      double t1 = s1;
      double t2 = s2;
      double t3 = s3;
      for (int stop = Math.min(end, tail); i + 4 <= stop; i += 4) {
        t0 += (double) a[i] + (double) b[i];
        t1 += (double) a[i + 1] + (double) b[i + 1];
        t2 += (double) a[i + 2] + (double) b[i + 2];
        t3 += (double) a[i + 3] + (double) b[i + 3];
      }
      s0 = t0;
      s1 = t1;
      s2 = t2;
      s3 = t3;
      for (; i < end; i++) {
        addOne(i, (double) a[i] + (double) b[i]);
      }
    }

    private void addOne(int i, double term) {
      switch (i >= tail ? 0 : (i - from) & 3) {
        case 0 -> s0 += term;
        case 1 -> s1 += term;
        case 2 -> s2 += term;
        default -> s3 += term;
      }
    }

    double total() {
      return (s0 + s1) + (s2 + s3);
    }
  }

  static final ThreadLocal<PairSum> PAIR_SUM = ThreadLocal.withInitial(PairSum::new);

  private static double backwardWide(
      float[] x,
      int from,
      int to,
      float s,
      float z,
      float min,
      float max,
      float[] gradOut,
      boolean steClamp,
      float[] gradX) {
    double gradScale = 0;
    for (int i = from; i < to; i++) {
      float r = roundHalfEven(x[i] / s + z);
      float q = Math.max(min, Math.min(max, r));
      float g = gradOut[i];
      float gq = g * s;
      boolean inRange = !(r > max) && !(r < min);
      float gy = (steClamp || inRange) ? gq : 0f;
      if (gradX != null) {
        gradX[i] = gy / s;
      }
      gradScale += (double) (g * (q - z)) + (double) ((-gy * x[i]) / (s * s));
    }
    return gradScale;
  }

  static boolean isNarrow(float min, float max) {
    return min >= -FAST_PATH_LIMIT && max <= FAST_PATH_LIMIT;
  }

  /**
   * A loop over {@code [0, n)} split over the cores, then each chunk into runs of elements that
   * share channel {@code c = (i / inner) % channels}.
   */
  private abstract static class BlockTask implements Parallel.Chunk {
    float[] x;
    float[] scale;
    long inner;
    float zeroPoint;
    float min;
    float max;
    boolean fast;

    /** The quantizer's arguments, shared by the forward and the backward pass. */
    void set(float[] x, float[] scale, long inner, float zeroPoint, float min, float max) {
      this.x = x;
      this.scale = scale;
      this.inner = inner;
      this.zeroPoint = zeroPoint;
      this.min = min;
      this.max = max;
      this.fast = isNarrow(min, max);
    }

    /** Lets go of the arrays (a thread's task must not keep a finished call's data alive). */
    void clear() {
      x = null;
      scale = null;
    }

    /** The elements {@code [from, to)} of channel {@code c}, in core chunk {@code chunk}. */
    abstract void block(int chunk, int from, int to, int c);

    final int channels() {
      return scale.length;
    }

    @Override
    public final void run(int chunk, int from, int to) {
      int channels = channels();
      if (channels == 1) {
        block(chunk, from, to, 0);
        return;
      }
      int i = from;
      while (i < to) {
        long block = i / inner;
        int end = (int) Math.min(to, (block + 1) * inner);
        block(chunk, i, end, (int) (block % channels));
        i = end;
      }
    }
  }
}
