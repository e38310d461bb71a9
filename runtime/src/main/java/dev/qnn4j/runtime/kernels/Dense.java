package dev.qnn4j.runtime.kernels;

/**
 * A fully connected layer {@code y = x W^T + b} on caller-owned arrays, for {@code x [n, in]},
 * {@code w [out, in]}, optional {@code b [out]}. Shared by the tape's {@code Ops.linear} and the
 * compiled training steps, so both compute the same bits.
 */
public final class Dense {
  private Dense() {}

  /** {@code y [n, out]} (overwritten); {@code b} null for no bias. */
  public static void forward(float[] x, int n, int in, int out, float[] w, float[] b, float[] y) {
    long profileStart = KernelProfile.begin();
    Gemm.multiply(false, true, n, out, in, x, w, y);
    if (b != null) {
      for (int i = 0; i < n; i++) {
        for (int o = 0; o < out; o++) {
          y[i * out + o] += b[o];
        }
      }
    }
    KernelProfile.end(profileStart, "linear", (long) n * out);
  }

  /**
   * The gradients for output gradient {@code gy [n, out]}, each overwritten: {@code gx} (null when
   * the input needs none), {@code gw}, {@code gb} (null without bias; each sum in double, in
   * order).
   */
  public static void backward(
      float[] gy,
      float[] x,
      int n,
      int in,
      int out,
      float[] w,
      float[] gx,
      float[] gw,
      float[] gb) {
    long profileStart = KernelProfile.begin();
    BackwardTask t = BACKWARD.get();
    t.gy = gy;
    t.x = x;
    t.n = n;
    t.in = in;
    t.out = out;
    t.w = w;
    t.gx = gx;
    t.gw = gw;
    t.gb = gb;
    try {
      // The input and the weight gradient are independent products: one core each, when they
      // are large enough (about a million multiply-adds) to pay for waking the other core.
      Parallel.forRange(gx != null ? 2 : 1, (long) n * in * out / 64, t);
    } finally {
      t.gy = null;
      t.x = null;
      t.w = null;
      t.gx = null;
      t.gw = null;
      t.gb = null;
    }
    KernelProfile.end(profileStart, "linear backward", (long) n * out);
  }

  /** The arguments and body of one {@link #backward}: item 0 the weight gradient, 1 the input's. */
  private static final class BackwardTask implements Parallel.Chunk {
    float[] gy;
    float[] x;
    int n;
    int in;
    int out;
    float[] w;
    float[] gx;
    float[] gw;
    float[] gb;

    @Override
    public void run(int chunk, int from, int to) {
      for (int item = from; item < to; item++) {
        if (item == 1) {
          Gemm.multiply(false, false, n, in, out, gy, w, gx);
          continue;
        }
        Gemm.multiply(true, false, out, in, n, gy, x, gw);
        if (gb != null) {
          for (int o = 0; o < out; o++) {
            double s = 0;
            for (int i = 0; i < n; i++) {
              s += gy[i * out + o];
            }
            gb[o] = (float) s;
          }
        }
      }
    }
  }

  private static final ThreadLocal<BackwardTask> BACKWARD =
      ThreadLocal.withInitial(BackwardTask::new);
}
