package dev.qnn4j.runtime.kernels;

import java.util.Arrays;

/**
 * 2-d convolution of NCHW data on caller-owned arrays. One group of at least 16 output channels
 * runs on oneDNN ({@link #oneDnnApplies}: each core's share of the batch in one call); otherwise,
 * per sample and group, im2col plus one matrix product. For the shapes {@code DirectConvolution}
 * takes (unit stride, no padding, one group, few output channels: the LeNet's first layer), the
 * forward pass and the input gradient use its kernels without a column matrix, and the weight
 * gradient of at most eight output channels is one matrix-vector product per channel over the
 * input's runs. The tape's {@code Ops.conv2d} and the compiled training steps both call these, so
 * the two paths share every operation and its order. Samples are split across cores; a per-sample
 * column matrix stays in cache and is rebuilt in the backward pass rather than kept. Weight
 * gradients are summed per core and combined in a fixed order, so results do not depend on timing.
 */
public final class Convolution {
  private Convolution() {}

  /**
   * {@code out [n, outC, oh, ow] = conv(x, w) + b} for {@code g} (batch n), {@code w [outC,
   * c/groups, kh, kw]}, optional {@code b [outC]} (null for none).
   */
  public static void forward(
      float[] x, ConvGeometry g, int outC, int groups, float[] w, float[] b, float[] out) {
    long profileStart = KernelProfile.begin();
    ForwardTask t = FORWARD.get();
    t.set(g, outC, groups);
    t.x = x;
    t.w = w;
    t.b = b;
    t.out = out;
    try {
      Parallel.forRange(g.batch(), (long) outC * t.k * t.p, t);
    } finally {
      t.x = null;
      t.w = null;
      t.b = null;
      t.out = null;
    }
    KernelProfile.end(profileStart, "conv2d", (long) g.batch() * outC * g.outPixels());
  }

  /**
   * What the loops of a convolution share: its geometry and sizes. The per-sample geometries of the
   * last few geometry objects are kept (a compiled step passes the same objects every step, one per
   * layer), so a step makes none.
   */
  private abstract static class ConvTask implements Parallel.Chunk {
    private static final int CACHED = 8;
    private final ConvGeometry[] geometries = new ConvGeometry[CACHED];
    private final ConvGeometry[] singles = new ConvGeometry[CACHED];
    private int nextSlot;
    ConvGeometry one;
    int outC;
    int groups;
    int cg;
    int og;
    int p;
    int k;
    int sampleSize;

    void set(ConvGeometry g, int outC, int groups) {
      one = null;
      for (int i = 0; i < CACHED; i++) {
        if (geometries[i] == g) {
          one = singles[i];
          break;
        }
      }
      if (one == null) {
        one = withBatch(g, 1);
        geometries[nextSlot] = g;
        singles[nextSlot] = one;
        nextSlot = (nextSlot + 1) % CACHED;
      }
      this.outC = outC;
      this.groups = groups;
      cg = g.inChannels() / groups;
      og = outC / groups;
      p = g.outPixels();
      k = cg * g.kernelHeight() * g.kernelWidth();
      sampleSize = g.inChannels() * g.inHeight() * g.inWidth();
    }
  }

  /** The arguments and body of one {@link #forward}, one reusable object per thread. */
  private static final class ForwardTask extends ConvTask {
    float[] x;
    float[] w;
    float[] b;
    float[] out;

    @Override
    public void run(int chunk, int from, int to) {
      if (oneDnnApplies(outC, groups)
          && OneDnnConvolution.forward(
              x, from * sampleSize, one, to - from, outC, w, b, out, from * outC * p)) {
        return;
      }
      if (DirectConvolution.forwardApplies(one, outC, groups)) {
        for (int s = from; s < to; s++) {
          DirectConvolution.forwardSample(x, s * sampleSize, one, outC, w, b, out, s * outC * p);
        }
        return;
      }
      float[] cols = Workspace.floats(Workspace.Slot.COLUMNS, k * p);
      for (int s = from; s < to; s++) {
        for (int gi = 0; gi < groups; gi++) {
          Im2Col.unfoldChannels(x, s * sampleSize, one, gi * cg, cg, cols, 0, cg);
          // The product lands directly in the sample's output planes [og, p].
          float[] prod = Workspace.floats(Workspace.Slot.PRODUCT, og * p);
          Gemm.multiply(false, false, og, p, k, groupWeights(w, gi, og * k, groups), cols, prod);
          for (int o = 0; o < og; o++) {
            int oc = gi * og + o;
            int dst = (s * outC + oc) * p;
            if (b == null) {
              System.arraycopy(prod, o * p, out, dst, p);
            } else {
              float bias = b[oc];
              for (int j = 0; j < p; j++) {
                out[dst + j] = prod[o * p + j] + bias;
              }
            }
          }
        }
      }
    }
  }

  private static final ThreadLocal<ForwardTask> FORWARD = ThreadLocal.withInitial(ForwardTask::new);

  private static final ThreadLocal<BiasGradientTask> BIAS_GRADIENT =
      ThreadLocal.withInitial(BiasGradientTask::new);

  private static final ThreadLocal<BackwardTask> BACKWARD =
      ThreadLocal.withInitial(BackwardTask::new);

  /** How many per-core weight-gradient partials {@link #backward} needs for geometry {@code g}. */
  public static int partials(ConvGeometry g, int outC, int groups) {
    int k = g.inChannels() / groups * g.kernelHeight() * g.kernelWidth();
    return Parallel.chunks(g.batch(), (long) outC * k * g.outPixels());
  }

  /**
   * The gradients of {@link #forward} for output gradient {@code gy}: {@code gx} (null when the
   * input needs none; overwritten), {@code gw} (overwritten), {@code gb} (null without bias;
   * overwritten). {@code partialGw} holds {@link #partials} arrays of w's length, used as scratch.
   */
  public static void backward(
      float[] gy,
      float[] x,
      ConvGeometry g,
      int outC,
      int groups,
      float[] w,
      float[] gx,
      float[] gw,
      float[] gb,
      float[][] partialGw) {
    long profileStart = KernelProfile.begin();
    int n = g.batch();
    int p = g.outPixels();
    if (gb != null) {
      BiasGradientTask t = BIAS_GRADIENT.get();
      t.gy = gy;
      t.gb = gb;
      t.n = n;
      t.outC = outC;
      t.p = p;
      try {
        Parallel.forRange(outC, (long) n * p, t);
      } finally {
        t.gy = null;
        t.gb = null;
      }
    }
    int chunks = partials(g, outC, groups);
    for (int ch = 0; ch < chunks; ch++) {
      Arrays.fill(partialGw[ch], 0f);
    }
    BackwardTask t = BACKWARD.get();
    t.set(g, outC, groups);
    t.setRunStarts();
    t.gy = gy;
    t.x = x;
    t.w = w;
    t.gx = gx;
    t.partialGw = partialGw;
    try {
      Parallel.forRange(n, (long) outC * t.k * p, t);
    } finally {
      t.gy = null;
      t.x = null;
      t.w = null;
      t.gx = null;
      t.partialGw = null;
    }
    System.arraycopy(partialGw[0], 0, gw, 0, gw.length);
    for (int ch = 1; ch < chunks; ch++) {
      float[] part = partialGw[ch];
      for (int j = 0; j < gw.length; j++) {
        gw[j] += part[j];
      }
    }
    KernelProfile.end(profileStart, "conv2d backward", (long) g.batch() * outC * g.outPixels());
  }

  /**
   * The bias gradient: channels in parallel; each channel's sum keeps its order, so the bits do not
   * depend on cores.
   */
  private static final class BiasGradientTask implements Parallel.Chunk {
    float[] gy;
    float[] gb;
    int n;
    int outC;
    int p;

    @Override
    public void run(int chunk, int from, int to) {
      int oc = from;
      // Four channels per pass: four independent chains of additions run side by side, each in
      // its own order, where one chain at a time waited on every addition's latency.
      for (; oc + 4 <= to; oc += 4) {
        double sum0 = 0;
        double sum1 = 0;
        double sum2 = 0;
        double sum3 = 0;
        for (int s = 0; s < n; s++) {
          int src = (s * outC + oc) * p;
          for (int j = 0; j < p; j++) {
            sum0 += gy[src + j];
            sum1 += gy[src + p + j];
            sum2 += gy[src + 2 * p + j];
            sum3 += gy[src + 3 * p + j];
          }
        }
        gb[oc] = (float) sum0;
        gb[oc + 1] = (float) sum1;
        gb[oc + 2] = (float) sum2;
        gb[oc + 3] = (float) sum3;
      }
      // Two or three channels left (a core's share of six): side by side too.
      if (oc + 2 <= to) {
        boolean three = oc + 3 <= to;
        double sum0 = 0;
        double sum1 = 0;
        double sum2 = 0;
        for (int s = 0; s < n; s++) {
          int src = (s * outC + oc) * p;
          int third = three ? src + 2 * p : src;
          for (int j = 0; j < p; j++) {
            sum0 += gy[src + j];
            sum1 += gy[src + p + j];
            sum2 += gy[third + j];
          }
        }
        gb[oc] = (float) sum0;
        gb[oc + 1] = (float) sum1;
        if (three) {
          gb[oc + 2] = (float) sum2;
        }
        oc += three ? 3 : 2;
      }
      for (; oc < to; oc++) {
        double sum = 0;
        for (int s = 0; s < n; s++) {
          int src = (s * outC + oc) * p;
          for (int j = 0; j < p; j++) {
            sum += gy[src + j];
          }
        }
        gb[oc] = (float) sum;
      }
    }
  }

  /** The weight and input gradients, samples split over the cores (see {@link #backward}). */
  private static final class BackwardTask extends ConvTask {
    float[] gy;
    float[] x;
    float[] w;
    float[] gx;
    float[][] partialGw;

    /**
     * Where each im2col row's run starts in a sample, for the wide im2col matrix of the thin weight
     * gradient: {@code c * plane + ky * inWidth + kx}.
     */
    private int[] runStarts = new int[0];

    /** Few output channels on the direct kernels' shapes: see {@link #THIN_WEIGHT_CHANNELS}. */
    boolean thinWeights() {
      return og <= THIN_WEIGHT_CHANNELS && DirectConvolution.forwardApplies(one, outC, groups);
    }

    /** {@link #runStarts} for the geometry {@link #set} took, when the thin gradient reads them. */
    void setRunStarts() {
      if (!thinWeights()) {
        return;
      }
      if (runStarts.length < k) {
        runStarts = new int[k];
      }
      int kh = one.kernelHeight();
      int kw = one.kernelWidth();
      int plane = one.inHeight() * one.inWidth();
      for (int row = 0; row < k; row++) {
        runStarts[row] = row / (kh * kw) * plane + (row / kw % kh) * one.inWidth() + row % kw;
      }
    }

    @Override
    public void run(int chunk, int from, int to) {
      if (oneDnnApplies(outC, groups)
          && OneDnnConvolution.backward(
              gy,
              from * outC * p,
              x,
              from * sampleSize,
              one,
              to - from,
              outC,
              w,
              gx,
              from * sampleSize,
              partialGw[chunk])) {
        return;
      }
      int oh = one.outHeight();
      int ow = one.outWidth();
      int inW = one.inWidth();
      int wideP = oh * inW;
      boolean direct = DirectConvolution.inputGradientApplies(one, outC, groups);
      boolean fullWidth = !direct && Im2Col.canFoldFullWidth(one);
      float[] cols = Workspace.floats(Workspace.Slot.COLUMNS, k * p);
      float[] gcols =
          direct
              ? null
              : Workspace.floats(Workspace.Slot.GRADIENT_ROWS, k * (fullWidth ? wideP : p));
      float[] part = partialGw[chunk];
      boolean thinWeights = thinWeights();
      if (gx != null) {
        // Each core clears its own samples' input gradient (the caller alone took 40-80 us).
        Arrays.fill(gx, from * sampleSize, to * sampleSize, 0f);
      }
      for (int s = from; s < to; s++) {
        for (int gi = 0; gi < groups; gi++) {
          // The sample's output gradient for this group is already the [og, p] matrix the
          // product needs.
          float[] gg = Workspace.floats(Workspace.Slot.OUTPUT_GRADIENT, og * p);
          System.arraycopy(gy, (s * outC + gi * og) * p, gg, 0, og * p);
          int base = gi * og * k;
          if (thinWeights) {
            // Few output channels: one matrix-vector product per channel ([og, k]), over the wide
            // im2col matrix (rows of the input's width, runs of the input copied as they are) and
            // the output gradient widened with zeros to match.
            int len = (oh - 1) * inW + ow;
            float[] wideRows = Workspace.floats(Workspace.Slot.WIDE_ROWS_GRADIENT, og * len);
            for (int o = 0; o < og; o++) {
              Im2Col.widenPlane(gg, o * p, one, wideRows, o * len, len);
            }
            float[] gw = Workspace.floats(Workspace.Slot.PRODUCT, og * k);
            Gemm.rowProductsOfRuns(k, len, og, x, s * sampleSize, runStarts, wideRows, gw);
            for (int j = 0; j < og * k; j++) {
              part[base + j] += gw[j];
            }
          } else {
            Im2Col.unfoldChannels(x, s * sampleSize, one, gi * cg, cg, cols, 0, cg);
            // The transposed product cols x gg^T ([k, og]) is the faster shape for OpenBLAS.
            float[] gwt = Workspace.floats(Workspace.Slot.PRODUCT, k * og);
            Gemm.multiply(false, true, k, og, p, cols, gg, gwt);
            for (int o = 0; o < og; o++) {
              for (int j = 0; j < k; j++) {
                part[base + o * k + j] += gwt[j * og + o];
              }
            }
          }
          if (gx != null && direct) {
            DirectConvolution.inputGradientSample(
                gy, s * outC * p, one, outC, w, gx, s * sampleSize);
          } else if (gx != null && fullWidth) {
            // Rows widened to the input's width, zero beyond the output's: see
            // Im2Col.foldFullWidth.
            float[] wide = Workspace.floats(Workspace.Slot.WIDE_OUTPUT_GRADIENT, og * wideP);
            for (int o = 0; o < og; o++) {
              Im2Col.widenPlane(gg, o * p, one, wide, o * wideP, wideP);
            }
            Gemm.multiply(
                true, false, k, wideP, og, groupWeights(w, gi, og * k, groups), wide, gcols);
            Im2Col.foldFullWidth(gcols, one, gi * cg, cg, gx, s * sampleSize);
          } else if (gx != null) {
            Gemm.multiply(true, false, k, p, og, groupWeights(w, gi, og * k, groups), gg, gcols);
            Im2Col.foldChannels(gcols, one, gi * cg, cg, gx, s * sampleSize, 0, cg);
          }
        }
      }
    }
  }

  /**
   * Whether oneDNN computes a convolution of {@code outC} output channels in {@code groups}: one
   * group of at least {@link #ONE_DNN_CHANNELS} when oneDNN is there (see {@link #ONE_DNN}).
   */
  static boolean oneDnnApplies(int outC, int groups) {
    return ONE_DNN && groups == 1 && outC >= ONE_DNN_CHANNELS;
  }

  /**
   * oneDNN's kernels hold sixteen output channels per vector register; with fewer they were no
   * faster than the Java kernels (the LeNet's conv1, 6 channels: forward the same, input gradient
   * three times slower).
   */
  static final int ONE_DNN_CHANNELS = 16;

  /**
   * Whether oneDNN's native library loaded (x86-64 Linux builds ship it) and is not turned off with
   * {@code -Dqnn4j.onednn=false}; without it every convolution takes the Java and OpenBLAS kernels.
   */
  static final boolean ONE_DNN = loadOneDnn();

  private static boolean loadOneDnn() {
    if (!Boolean.parseBoolean(System.getProperty("qnn4j.onednn", "true"))) {
      return false;
    }
    try {
      Class.forName("org.bytedeco.dnnl.global.dnnl");
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  /**
   * At most this many output channels take the weight gradient as matrix-vector products ({@code
   * Gemm.rowProducts}) on the direct kernels' shapes. Measured on 784 positions: 6 or 8 channels
   * 22-26 us against OpenBLAS' matrix product's 34-43 us; 12 still faster, 64 twice as slow.
   */
  private static final int THIN_WEIGHT_CHANNELS = 8;

  public static ConvGeometry withBatch(ConvGeometry g, int batch) {
    return new ConvGeometry(
        batch,
        g.inChannels(),
        g.inHeight(),
        g.inWidth(),
        g.kernelHeight(),
        g.kernelWidth(),
        g.strideH(),
        g.strideW(),
        g.padH(),
        g.padW(),
        g.dilationH(),
        g.dilationW());
  }

  /**
   * The {@code [og, k]} weight rows of group {@code gi} (the whole array when there is one group).
   */
  private static float[] groupWeights(float[] w, int gi, int size, int groups) {
    return groups == 1 ? w : Arrays.copyOfRange(w, gi * size, (gi + 1) * size);
  }
}
