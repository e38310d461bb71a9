package dev.qnn4j.runtime.kernels;

/**
 * Elementwise activations and their gradients on caller-owned arrays (the tape and compiled steps
 * share them).
 */
public final class Activations {
  private Activations() {}

  /** {@code out = max(x, 0)} over the first {@code length} values. */
  public static void relu(float[] x, float[] out, int length) {
    long profileStart = KernelProfile.begin();
    ReluTask t = RELU.get();
    t.x = x;
    t.out = out;
    try {
      Parallel.forRange(length, 1, t);
    } finally {
      t.x = null;
      t.out = null;
    }
    KernelProfile.end(profileStart, "relu", length);
  }

  /**
   * {@code gx = y > 0 ? g : 0} from the ReLU's output {@code y}, over the first {@code length}
   * values.
   */
  public static void reluBackward(float[] g, float[] y, float[] gx, int length) {
    long profileStart = KernelProfile.begin();
    ReluBackwardTask t = RELU_BACKWARD.get();
    t.g = g;
    t.y = y;
    t.gx = gx;
    try {
      Parallel.forRange(length, 1, t);
    } finally {
      t.g = null;
      t.y = null;
      t.gx = null;
    }
    KernelProfile.end(profileStart, "relu backward", length);
  }

  /** The arguments and body of {@link #relu}: one reusable object per thread, no allocation. */
  private static final class ReluTask implements Parallel.Chunk {
    float[] x;
    float[] out;

    @Override
    public void run(int chunk, int from, int to) {
      float[] x = this.x;
      float[] out = this.out;
      // Math.max keeps NaN (as PyTorch does) and compiles without a branch, which matters: on
      // activations about half positive, a branch per element mispredicts and was 50x slower.
      for (int i = from; i < to; i++) {
        out[i] = Math.max(x[i], 0f);
      }
    }
  }

  private static final class ReluBackwardTask implements Parallel.Chunk {
    float[] g;
    float[] y;
    float[] gx;

    @Override
    public void run(int chunk, int from, int to) {
      reluBackwardRange(g, y, gx, from, to);
    }
  }

  /** {@link #reluBackward} over {@code [from, to)} on the calling thread. */
  static void reluBackwardRange(float[] g, float[] y, float[] gx, int from, int to) {
    for (int i = from; i < to; i++) {
      gx[i] = passWherePositive(g[i], y[i]);
    }
  }

  private static final ThreadLocal<ReluTask> RELU = ThreadLocal.withInitial(ReluTask::new);
  private static final ThreadLocal<ReluBackwardTask> RELU_BACKWARD =
      ThreadLocal.withInitial(ReluBackwardTask::new);

  /**
   * {@code y > 0 ? g : 0} without a branch: as integers, the bits of a float y lie in (0,
   * 0x7f800000] exactly when y is above zero (NaN and negative values fall outside), which gives an
   * all-ones or all-zeros mask for g's bits.
   */
  public static float passWherePositive(float g, float y) {
    int bits = Float.floatToRawIntBits(y);
    int mask = (-bits >> 31) & ((bits - 0x7f800001) >> 31);
    return Float.intBitsToFloat(Float.floatToRawIntBits(g) & mask);
  }
}
