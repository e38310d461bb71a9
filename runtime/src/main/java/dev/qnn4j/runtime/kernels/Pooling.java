package dev.qnn4j.runtime.kernels;

/** Max and average pooling over NCHW data, with PyTorch's semantics (floor mode). */
public final class Pooling {
  private Pooling() {}

  /**
   * Max pooling; {@code argmax} receives, for every output, the flat input index of its maximum
   * (the first one on ties, NaN wins, as PyTorch). Padding positions never win.
   */
  public static float[] maxForward(float[] x, ConvGeometry g, int[] argmax) {
    float[] out = new float[g.batch() * g.inChannels() * g.outPixels()];
    maxForward(x, g, argmax, out);
    return out;
  }

  /** As {@link #maxForward(float[], ConvGeometry, int[])} into {@code out} (overwritten). */
  public static void maxForward(float[] x, ConvGeometry g, int[] argmax, float[] out) {
    long profileStart = KernelProfile.begin();
    MaxTask t = MAX.get();
    t.x = x;
    t.g = g;
    t.argmax = argmax;
    t.out = out;
    t.plain2x2 = isPlain2x2(g);
    try {
      Parallel.forRange(g.batch() * g.inChannels(), g.inHeight() * g.inWidth(), t);
    } finally {
      t.x = null;
      t.g = null;
      t.argmax = null;
      t.out = null;
    }
    KernelProfile.end(
        profileStart, "max_pool2d", (long) g.batch() * g.inChannels() * g.outPixels());
  }

  /** The arguments and body of {@link #maxForward}: one reusable object per thread. */
  private static final class MaxTask implements Parallel.Chunk {
    float[] x;
    ConvGeometry g;
    int[] argmax;
    float[] out;
    boolean plain2x2;

    @Override
    public void run(int chunk, int from, int to) {
      int oh = g.outHeight();
      int ow = g.outWidth();
      int hw = g.inHeight() * g.inWidth();
      for (int pl = from; pl < to; pl++) {
        if (plain2x2) {
          max2x2(x, pl * hw, g.inWidth(), oh, ow, out, argmax, pl * oh * ow);
        } else {
          maxPlane(x, pl * hw, g, out, argmax, pl * oh * ow);
        }
      }
    }
  }

  private static final ThreadLocal<MaxTask> MAX = ThreadLocal.withInitial(MaxTask::new);

  /**
   * The common LeNet case, 2x2 windows at stride 2 without padding, with no bounds checks and no
   * data-dependent branch (max-pooling a ReLU's output, a branch per comparison mispredicts often
   * enough to make this four times slower).
   */
  static void max2x2(float[] x, int base, int w, int oh, int ow, float[] out, int[] argmax, int o) {
    for (int y = 0; y < oh; y++) {
      int i0 = base + 2 * y * w;
      int i2 = i0 + w;
      for (int xo = 0; xo < ow; xo++, i0 += 2, i2 += 2, o++) {
        max2x2Window(x[i0], x[i0 + 1], x[i2], x[i2 + 1], i0, i2, out, argmax, o);
      }
    }
  }

  /** Whether {@code g} is a 2x2 window at stride 2 without padding or dilation. */
  static boolean isPlain2x2(ConvGeometry g) {
    return g.kernelHeight() == 2
        && g.kernelWidth() == 2
        && g.strideH() == 2
        && g.strideW() == 2
        && g.padH() == 0
        && g.padW() == 0
        && g.dilationH() == 1
        && g.dilationW() == 1;
  }

  /**
   * The window {@code a b / c d} whose rows start at input indices {@code i0} and {@code i2}: its
   * maximum to {@code out[o]}, that one's index to {@code argmax[o]}. Which of two values wins is
   * read from the sign bit of their difference; a NaN difference (NaN or infinities in the window)
   * takes the exact path.
   */
  private static void max2x2Window(
      float a, float b, float c, float d, int i0, int i2, float[] out, int[] argmax, int o) {
    float top = Math.max(a, b);
    float bottom = Math.max(c, d);
    // "+ 0f" turns a -0 difference (-0 against +0, a tie) into +0, so ties keep the first.
    float dTop = (a - b) + 0f;
    float dBottom = (c - d) + 0f;
    float dRows = (top - bottom) + 0f;
    if (dTop + dBottom + dRows != dTop + dBottom + dRows) {
      maxWindow2x2(a, b, c, d, i0, i2, out, argmax, o);
    } else {
      int bTop = Float.floatToRawIntBits(dTop) >>> 31;
      int bBottom = Float.floatToRawIntBits(dBottom) >>> 31;
      int bRows = Float.floatToRawIntBits(dRows) >>> 31;
      out[o] = Math.max(top, bottom);
      argmax[o] = i0 + bTop + bRows * (i2 - i0 + bBottom - bTop);
    }
  }

  /** One 2x2 window in row-major order: the first maximum wins, and a NaN wins as in PyTorch. */
  private static void maxWindow2x2(
      float a, float b, float c, float d, int i0, int i2, float[] out, int[] argmax, int o) {
    float[] values = {a, b, c, d};
    int[] order = {i0, i0 + 1, i2, i2 + 1};
    int best = 0;
    float v = a;
    for (int k = 1; k < 4 && !(v != v); k++) {
      float candidate = values[k];
      if (candidate > v || candidate != candidate) {
        best = k;
        v = candidate;
      }
    }
    out[o] = v;
    argmax[o] = order[best];
  }

  private static void maxPlane(
      float[] x, int base, ConvGeometry g, float[] out, int[] argmax, int o0) {
    int oh = g.outHeight();
    int ow = g.outWidth();
    for (int y = 0; y < oh; y++) {
      for (int xo = 0; xo < ow; xo++) {
        float best = Float.NEGATIVE_INFINITY;
        int bestIdx = -1;
        search:
        for (int ki = 0; ki < g.kernelHeight(); ki++) {
          int iy = y * g.strideH() - g.padH() + ki * g.dilationH();
          if (iy < 0 || iy >= g.inHeight()) {
            continue;
          }
          for (int kj = 0; kj < g.kernelWidth(); kj++) {
            int ix = xo * g.strideW() - g.padW() + kj * g.dilationW();
            if (ix < 0 || ix >= g.inWidth()) {
              continue;
            }
            int idx = base + iy * g.inWidth() + ix;
            float v = x[idx];
            if (bestIdx < 0 || v > best || v != v) {
              best = v;
              bestIdx = idx;
              if (v != v) {
                break search;
              }
            }
          }
        }
        int o = o0 + y * ow + xo;
        out[o] = best;
        argmax[o] = bestIdx;
      }
    }
  }

  public static float[] maxBackward(float[] gradOut, int[] argmax, int inputLength) {
    float[] gx = new float[inputLength];
    maxBackward(gradOut, argmax, gradOut.length, gx);
    return gx;
  }

  /**
   * The input gradient of max pooling into {@code gx} (overwritten) from {@code outputs} output
   * gradients.
   */
  public static void maxBackward(float[] gradOut, int[] argmax, int outputs, float[] gx) {
    long profileStart = KernelProfile.begin();
    java.util.Arrays.fill(gx, 0f);
    for (int o = 0; o < outputs; o++) {
      gx[argmax[o]] += gradOut[o];
    }
    KernelProfile.end(profileStart, "max_pool2d backward", outputs);
  }

  /**
   * Average pooling counting padded positions in the divisor (PyTorch's count_include_pad=True).
   */
  public static float[] avgForward(float[] x, ConvGeometry g) {
    float[] out = new float[g.batch() * g.inChannels() * g.outHeight() * g.outWidth()];
    avgForward(x, g, out);
    return out;
  }

  /** As {@link #avgForward(float[], ConvGeometry)}, into {@code out} (overwritten). */
  public static void avgForward(float[] x, ConvGeometry g, float[] out) {
    int oh = g.outHeight();
    int ow = g.outWidth();
    int planes = g.batch() * g.inChannels();
    int hw = g.inHeight() * g.inWidth();
    float divisor = g.kernelHeight() * g.kernelWidth();
    for (int pl = 0; pl < planes; pl++) {
      int base = pl * hw;
      for (int y = 0; y < oh; y++) {
        for (int xo = 0; xo < ow; xo++) {
          float sum = 0f;
          for (int ki = 0; ki < g.kernelHeight(); ki++) {
            int iy = y * g.strideH() - g.padH() + ki;
            if (iy < 0 || iy >= g.inHeight()) {
              continue;
            }
            for (int kj = 0; kj < g.kernelWidth(); kj++) {
              int ix = xo * g.strideW() - g.padW() + kj;
              if (ix >= 0 && ix < g.inWidth()) {
                sum += x[base + iy * g.inWidth() + ix];
              }
            }
          }
          out[(pl * oh + y) * ow + xo] = sum / divisor;
        }
      }
    }
  }

  public static float[] avgBackward(float[] gradOut, ConvGeometry g) {
    float[] gx = new float[g.batch() * g.inChannels() * g.inHeight() * g.inWidth()];
    avgBackward(gradOut, g, gx);
    return gx;
  }

  /** The input gradient of average pooling into {@code gx} (overwritten). */
  public static void avgBackward(float[] gradOut, ConvGeometry g, float[] gx) {
    int oh = g.outHeight();
    int ow = g.outWidth();
    int planes = g.batch() * g.inChannels();
    int hw = g.inHeight() * g.inWidth();
    float divisor = g.kernelHeight() * g.kernelWidth();
    java.util.Arrays.fill(gx, 0, planes * hw, 0f);
    for (int pl = 0; pl < planes; pl++) {
      int base = pl * hw;
      for (int y = 0; y < oh; y++) {
        for (int xo = 0; xo < ow; xo++) {
          float share = gradOut[(pl * oh + y) * ow + xo] / divisor;
          for (int ki = 0; ki < g.kernelHeight(); ki++) {
            int iy = y * g.strideH() - g.padH() + ki;
            if (iy < 0 || iy >= g.inHeight()) {
              continue;
            }
            for (int kj = 0; kj < g.kernelWidth(); kj++) {
              int ix = xo * g.strideW() - g.padW() + kj;
              if (ix >= 0 && ix < g.inWidth()) {
                gx[base + iy * g.inWidth() + ix] += share;
              }
            }
          }
        }
      }
    }
  }
}
