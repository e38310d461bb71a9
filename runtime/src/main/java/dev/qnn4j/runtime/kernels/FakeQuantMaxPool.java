package dev.qnn4j.runtime.kernels;

import java.util.Arrays;

/**
 * An activation's fake quantization and the 2x2 max pooling after it, one input plane at a time
 * while the plane is in cache, with the bits of {@link FakeQuant} then {@link Pooling} (and,
 * backward, {@link Activations#reluBackward} when a ReLU came first). The separate kernels each
 * stream the whole batch through memory; here every plane is quantized, pooled and (backward)
 * scattered, quantized back and masked before the next one is read.
 *
 * <p>The scale gradient is the same sum as {@link FakeQuant#backward}: the same core chunks, four
 * partial sums by index within each, every term in index order. Per-tensor scales, integer ranges
 * of the branch-free path, 2x2 windows at stride 2 over even heights and widths: see {@link
 * #applies}.
 */
public final class FakeQuantMaxPool {
  private FakeQuantMaxPool() {}

  /** Whether pooling {@code g} after quantizing to {@code [min, max]} takes these kernels. */
  public static boolean applies(ConvGeometry g, float min, float max) {
    return Pooling.isPlain2x2(g)
        && g.inHeight() % 2 == 0
        && g.inWidth() % 2 == 0
        && FakeQuant.isNarrow(min, max);
  }

  /**
   * Fake-quantizes {@code x} into {@code quantized} and max-pools that into {@code out}, the window
   * maxima's flat indices into {@code argmax}.
   */
  public static void forward(
      float[] x,
      float scale,
      float min,
      float max,
      ConvGeometry g,
      float[] quantized,
      int[] argmax,
      float[] out) {
    long profileStart = KernelProfile.begin();
    ForwardTask t = FORWARD.get();
    int planes = g.batch() * g.inChannels();
    t.x = x;
    t.g = g;
    t.scale = scale;
    t.min = min;
    t.max = max;
    t.quantized = quantized;
    t.argmax = argmax;
    t.out = out;
    try {
      Parallel.forRange(planes, g.inHeight() * g.inWidth(), t);
    } finally {
      t.x = null;
      t.g = null;
      t.quantized = null;
      t.argmax = null;
      t.out = null;
    }
    // Counted in input values, as the backward pass and the quantizer alone count.
    KernelProfile.end(
        profileStart, "fake-quant max_pool2d", (long) planes * g.inHeight() * g.inWidth());
  }

  private static final class ForwardTask implements Parallel.Chunk {
    float[] x;
    ConvGeometry g;
    float scale;
    float min;
    float max;
    float[] quantized;
    int[] argmax;
    float[] out;

    @Override
    public void run(int chunk, int from, int to) {
      int w = g.inWidth();
      int oh = g.outHeight();
      int ow = g.outWidth();
      int hw = g.inHeight() * w;
      for (int pl = from; pl < to; pl++) {
        FakeQuant.forwardNarrow(x, pl * hw, (pl + 1) * hw, scale, 0f, min, max, quantized);
        Pooling.max2x2(quantized, pl * hw, w, oh, ow, out, argmax, pl * oh * ow);
      }
    }
  }

  private static final ThreadLocal<ForwardTask> FORWARD = ThreadLocal.withInitial(ForwardTask::new);

  /**
   * The gradients of {@link #forward} for the pooled output's gradient {@code gPooled}: the input's
   * into {@code gx} (overwritten), passed through a ReLU whose output {@code x} was when {@code
   * throughRelu}; returns the scale's gradient. {@code gOut} and {@code gQuantIn} are scratch of
   * {@code x}'s size (with a ReLU, {@code gQuantIn} may not be {@code gx}).
   */
  public static float backward(
      float[] x,
      float scale,
      float min,
      float max,
      ConvGeometry g,
      int[] argmax,
      float[] gPooled,
      boolean throughRelu,
      float[] gOut,
      float[] gQuantIn,
      float[] gx) {
    long profileStart = KernelProfile.begin();
    int n = g.batch() * g.inChannels() * g.inHeight() * g.inWidth();
    int chunks = Parallel.chunks(n, 1);
    BackwardTask t = BACKWARD.get();
    if (t.partial.length < chunks) {
      t.partial = new double[chunks];
    }
    t.x = x;
    t.g = g;
    t.scale = scale;
    t.min = min;
    t.max = max;
    t.argmax = argmax;
    t.gPooled = gPooled;
    t.throughRelu = throughRelu;
    t.gOut = gOut;
    t.gQuantIn = throughRelu ? gQuantIn : gx;
    t.gx = gx;
    try {
      // The chunks of FakeQuant.backward over the same n elements, hence its partial sums.
      Parallel.forRange(n, 1, t);
    } finally {
      t.x = null;
      t.g = null;
      t.argmax = null;
      t.gPooled = null;
      t.gOut = null;
      t.gQuantIn = null;
      t.gx = null;
    }
    double sum = 0;
    for (int ch = 0; ch < chunks; ch++) {
      sum += t.partial[ch];
    }
    KernelProfile.end(profileStart, "fake-quant max_pool2d backward", n);
    return (float) sum;
  }

  private static final class BackwardTask implements Parallel.Chunk {
    float[] x;
    ConvGeometry g;
    float scale;
    float min;
    float max;
    int[] argmax;
    float[] gPooled;
    boolean throughRelu;
    float[] gOut;
    float[] gQuantIn;
    float[] gx;
    double[] partial = new double[0];

    @Override
    public void run(int chunk, int from, int to) {
      int w = g.inWidth();
      int hw = g.inHeight() * w;
      int pooledPlane = g.outHeight() * g.outWidth();
      float[] byQ = Workspace.floats(Workspace.Slot.SCALE_TERMS_Q, to);
      float[] byX = Workspace.floats(Workspace.Slot.SCALE_TERMS_X, to);
      FakeQuant.PairSum sum = FakeQuant.PAIR_SUM.get();
      sum.start(from, to);
      for (int pl = from / hw, last = (to - 1) / hw; pl <= last; pl++) {
        int start = Math.max(from, pl * hw);
        int end = Math.min(to, (pl + 1) * hw);
        // Pooling.maxBackward for this plane's windows, then FakeQuant's and the ReLU's backward.
        Arrays.fill(gOut, start, end, 0f);
        for (int o = pl * pooledPlane, oEnd = o + pooledPlane; o < oEnd; o++) {
          int i = argmax[o];
          if (i >= start && i < end) {
            gOut[i] += gPooled[o];
          }
        }
        FakeQuant.backwardNarrowTerms(
            x, start, end, scale, 0f, min, max, gOut, false, gQuantIn, byQ, byX);
        if (throughRelu) {
          Activations.reluBackwardRange(gQuantIn, x, gx, start, end);
        }
        sum.add(byQ, byX, start, end);
      }
      partial[chunk] = sum.total();
    }
  }

  private static final ThreadLocal<BackwardTask> BACKWARD =
      ThreadLocal.withInitial(BackwardTask::new);
}
