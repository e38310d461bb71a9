package dev.qnn4j.runtime.kernels;

import java.util.Arrays;

/**
 * Convolution of one sample without an im2col matrix, for unit stride, no padding, no dilation and
 * one group (the LeNet's first layer, the CNV models' 3x3 layers). Output planes are computed as
 * "wide" rows of the input's width: output row y lives at {@code y * inWidth}, so the contribution
 * of one kernel tap to a whole plane is one contiguous run of the input plane, shifted by the tap's
 * offset, and the last {@code inWidth - outWidth} values of each row are discarded.
 *
 * <p>The JIT vectorizes a loop only when every array in it is indexed alike and there are few of
 * them, so the taps of one kernel row are first staged as shifted copies, and two output channels
 * share each pass over them (measured: three channels per pass, or a whole kernel window per pass,
 * were no longer vectorized and ran 3-6x slower).
 *
 * <p>Every output still sums its terms one at a time in the im2col order (input channel, kernel
 * row, kernel column), starting from zero, so the forward pass and the input gradient equal the
 * long-row products over im2col columns ({@link Gemm#multiplyLongRows}) bit for bit; {@code
 * KernelPathsTest} checks both against that path, the LeNet's conv2 included.
 */
final class DirectConvolution {
  private DirectConvolution() {}

  /**
   * Whether {@link #forwardSample} replaces the im2col product for the per-sample geometry {@code
   * one}: where that product ran in the Java long-row kernel (the same bits), and for up to {@link
   * #SHORT_ROW_CHANNELS} output channels where OpenBLAS ran it (the sums then take the im2col order
   * instead of OpenBLAS').
   */
  static boolean forwardApplies(ConvGeometry one, int outC, int groups) {
    return fits(one, groups)
        && (Gemm.takesLongRows(outC, one.outPixels()) || outC <= SHORT_ROW_CHANNELS);
  }

  /**
   * At most this many output channels take the direct kernels where OpenBLAS' product over im2col
   * columns is short-rowed. Measured per sample, direct against im2col and OpenBLAS, forward: 6 ->
   * 8 channels (14x14, 5x5) 8 against 20 us, 6 -> 16 (the LeNet's conv2) 15 against 23, 16 -> 16
   * (3x3) 23 against 29, but 16 -> 32 81 against 75 and 64 -> 64 373 against 260; input gradient
   * (against the product and the full-width fold): 6 -> 8 12 against 20, 6 -> 16 20 against 23, 32
   * -> 16 (3x3, 16x16) 51 against 64, but 16 -> 32 101 against 81.
   */
  static final int SHORT_ROW_CHANNELS = 16;

  /** As {@link #forwardApplies} for {@link #inputGradientSample} and the full-width fold. */
  static boolean inputGradientApplies(ConvGeometry one, int outC, int groups) {
    int k = one.inChannels() * one.kernelHeight() * one.kernelWidth();
    return fits(one, groups)
        && (Gemm.takesLongRows(k, one.outHeight() * one.inWidth()) || outC <= SHORT_ROW_CHANNELS);
  }

  private static boolean fits(ConvGeometry one, int groups) {
    return groups == 1 && Im2Col.canFoldFullWidth(one) && one.outHeight() > 0 && one.outWidth() > 0;
  }

  /**
   * {@code out[outOff ...] = conv(x[xOff ...], w) + b} for one sample of geometry {@code g} (batch
   * 1), {@code w [outC, c, kh, kw]}, optional {@code b} (null for none).
   */
  static void forwardSample(
      float[] x,
      int xOff,
      ConvGeometry g,
      int outC,
      float[] w,
      float[] b,
      float[] out,
      int outOff) {
    int channels = g.inChannels();
    int width = g.inWidth();
    int kh = g.kernelHeight();
    int kw = g.kernelWidth();
    int plane = g.inHeight() * width;
    int oh = g.outHeight();
    int ow = g.outWidth();
    int len = (oh - 1) * width + ow;
    int k = channels * kh * kw;
    float[][] acc = Workspace.rows(Workspace.Slot.DIRECT_ACCUMULATORS, outC, len);
    float[][] taps = Workspace.rows(Workspace.Slot.DIRECT_TAPS, kw, len);
    for (int o = 0; o < outC; o++) {
      Arrays.fill(acc[o], 0, len, 0f);
    }
    for (int c = 0; c < channels; c++) {
      for (int ky = 0; ky < kh; ky++) {
        int src = xOff + c * plane + ky * width;
        for (int kx = 0; kx < kw; kx++) {
          System.arraycopy(x, src + kx, taps[kx], 0, len);
        }
        int tap0 = (c * kh + ky) * kw;
        if (kw == 5) {
          accumulateFiveTaps(acc, taps, w, outC, k, tap0, len);
        } else if (kw == 3) {
          accumulateThreeTaps(acc, taps, w, outC, k, tap0, len);
        } else {
          accumulateTaps(acc, taps, w, outC, k, tap0, kw, len);
        }
      }
    }
    for (int o = 0; o < outC; o++) {
      float[] a = acc[o];
      int dst = outOff + o * oh * ow;
      if (b == null) {
        for (int y = 0; y < oh; y++) {
          System.arraycopy(a, y * width, out, dst + y * ow, ow);
        }
      } else {
        float bias = b[o];
        for (int y = 0; y < oh; y++) {
          int from = y * width;
          int to = dst + y * ow;
          for (int i = 0; i < ow; i++) {
            out[to + i] = a[from + i] + bias;
          }
        }
      }
    }
  }

  // The JIT vectorized these loops only with the channel loop around them in the same method: a
  // method that is just the inner loop ran 6x slower (measured, JDK 17).

  /** {@code acc[o] += taps . w[o, tap0 ...]} for every output channel, five taps per kernel row. */
  private static void accumulateFiveTaps(
      float[][] acc, float[][] taps, float[] w, int outC, int k, int tap0, int len) {
    float[] t0 = taps[0];
    float[] t1 = taps[1];
    float[] t2 = taps[2];
    float[] t3 = taps[3];
    float[] t4 = taps[4];
    int o = 0;
    for (; o + 2 <= outC; o += 2) {
      float[] a0 = acc[o];
      float[] a1 = acc[o + 1];
      int i = o * k + tap0;
      int n = i + k;
      float u0 = w[i];
      float u1 = w[i + 1];
      float u2 = w[i + 2];
      float u3 = w[i + 3];
      float u4 = w[i + 4];
      float v0 = w[n];
      float v1 = w[n + 1];
      float v2 = w[n + 2];
      float v3 = w[n + 3];
      float v4 = w[n + 4];
      for (int j = 0; j < len; j++) {
        float x0 = t0[j];
        float x1 = t1[j];
        float x2 = t2[j];
        float x3 = t3[j];
        float x4 = t4[j];
        a0[j] = ((((a0[j] + u0 * x0) + u1 * x1) + u2 * x2) + u3 * x3) + u4 * x4;
        a1[j] = ((((a1[j] + v0 * x0) + v1 * x1) + v2 * x2) + v3 * x3) + v4 * x4;
      }
    }
    if (o < outC) {
      accumulateTaps(acc, taps, w, o, o + 1, k, tap0, 5, len);
    }
  }

  /** As {@link #accumulateFiveTaps} for kernel rows of three. */
  private static void accumulateThreeTaps(
      float[][] acc, float[][] taps, float[] w, int outC, int k, int tap0, int len) {
    float[] t0 = taps[0];
    float[] t1 = taps[1];
    float[] t2 = taps[2];
    int o = 0;
    for (; o + 2 <= outC; o += 2) {
      float[] a0 = acc[o];
      float[] a1 = acc[o + 1];
      int i = o * k + tap0;
      int n = i + k;
      float u0 = w[i];
      float u1 = w[i + 1];
      float u2 = w[i + 2];
      float v0 = w[n];
      float v1 = w[n + 1];
      float v2 = w[n + 2];
      for (int j = 0; j < len; j++) {
        float x0 = t0[j];
        float x1 = t1[j];
        float x2 = t2[j];
        a0[j] = ((a0[j] + u0 * x0) + u1 * x1) + u2 * x2;
        a1[j] = ((a1[j] + v0 * x0) + v1 * x1) + v2 * x2;
      }
    }
    if (o < outC) {
      accumulateTaps(acc, taps, w, o, o + 1, k, tap0, 3, len);
    }
  }

  /** Any kernel width, one tap per pass, output channels {@code [0, outC)}. */
  private static void accumulateTaps(
      float[][] acc, float[][] taps, float[] w, int outC, int k, int tap0, int kw, int len) {
    accumulateTaps(acc, taps, w, 0, outC, k, tap0, kw, len);
  }

  /** One tap per pass for output channels {@code [from, to)}. */
  private static void accumulateTaps(
      float[][] acc,
      float[][] taps,
      float[] w,
      int from,
      int to,
      int k,
      int tap0,
      int kw,
      int len) {
    for (int o = from; o < to; o++) {
      float[] a = acc[o];
      for (int kx = 0; kx < kw; kx++) {
        float[] t = taps[kx];
        float u = w[o * k + tap0 + kx];
        for (int j = 0; j < len; j++) {
          a[j] += u * t[j];
        }
      }
    }
  }

  /**
   * The input gradient of {@link #forwardSample} for output gradient {@code gy[gyOff ...]}, added
   * into the sample's planes of {@code gx} from {@code gxOff} (which the caller zeroes). Each
   * kernel tap's term, summed over the output channels in order, is added to its run of the input
   * plane in the im2col order, as {@link Im2Col#foldFullWidth} adds the rows of the long-row
   * product.
   */
  static void inputGradientSample(
      float[] gy, int gyOff, ConvGeometry g, int outC, float[] w, float[] gx, int gxOff) {
    int channels = g.inChannels();
    int plane = g.inHeight() * g.inWidth();
    int width = g.inWidth();
    int kh = g.kernelHeight();
    int kw = g.kernelWidth();
    int oh = g.outHeight();
    int ow = g.outWidth();
    int len = (oh - 1) * width + ow;
    int k = channels * kh * kw;
    float[][] wide = Workspace.rows(Workspace.Slot.DIRECT_ACCUMULATORS, outC, len);
    float[] term = Workspace.floats(Workspace.Slot.DIRECT_TERM, len);
    for (int o = 0; o < outC; o++) {
      Im2Col.widenPlane(gy, gyOff + o * oh * ow, g, wide[o], 0, len);
    }
    float[] run = Workspace.floats(Workspace.Slot.DIRECT_RUN, len);
    for (int kk = 0; kk < k; kk++) {
      int c = kk / (kh * kw);
      int ky = kk / kw % kh;
      int kx = kk % kw;
      int dst = gxOff + c * plane + ky * width + kx;
      // The tap's run of gx is staged so that every array in the loops is indexed alike.
      System.arraycopy(gx, dst, run, 0, len);
      tapTerm(term, run, wide, w, outC, k, kk, len);
      System.arraycopy(run, 0, gx, dst, len);
    }
  }

  /**
   * {@code run += sum over o of w[o, kk] * g[o]}: the sum in channel order, four channels per pass,
   * then added to {@code run} in the last pass. The sum starts from its first product rather than
   * from zero: the two differ only in the sign of a zero sum, which adding to a gradient that
   * starts at +0 cannot tell apart.
   */
  private static void tapTerm(
      float[] term, float[] run, float[][] g, float[] w, int outC, int k, int kk, int len) {
    if (outC <= 2) {
      float[] g0 = g[0];
      float w0 = w[kk];
      if (outC == 2) {
        float[] g1 = g[1];
        float w1 = w[k + kk];
        for (int j = 0; j < len; j++) {
          run[j] += w0 * g0[j] + w1 * g1[j];
        }
      } else {
        for (int j = 0; j < len; j++) {
          run[j] += w0 * g0[j];
        }
      }
      return;
    }
    for (int o = 0; o < outC; o += 4) {
      boolean first = o == 0;
      int r = Math.min(4, outC - o);
      boolean last = o + r == outC;
      float[] g0 = g[o];
      float w0 = w[o * k + kk];
      if (r == 4) {
        float[] g1 = g[o + 1];
        float[] g2 = g[o + 2];
        float[] g3 = g[o + 3];
        float w1 = w[(o + 1) * k + kk];
        float w2 = w[(o + 2) * k + kk];
        float w3 = w[(o + 3) * k + kk];
        if (first) {
          for (int j = 0; j < len; j++) {
            term[j] = ((w0 * g0[j] + w1 * g1[j]) + w2 * g2[j]) + w3 * g3[j];
          }
        } else if (last) {
          for (int j = 0; j < len; j++) {
            run[j] += (((term[j] + w0 * g0[j]) + w1 * g1[j]) + w2 * g2[j]) + w3 * g3[j];
          }
        } else {
          for (int j = 0; j < len; j++) {
            term[j] = (((term[j] + w0 * g0[j]) + w1 * g1[j]) + w2 * g2[j]) + w3 * g3[j];
          }
        }
        if (first && last) {
          for (int j = 0; j < len; j++) {
            run[j] += term[j];
          }
        }
      } else if (r == 3) {
        float[] g1 = g[o + 1];
        float[] g2 = g[o + 2];
        float w1 = w[(o + 1) * k + kk];
        float w2 = w[(o + 2) * k + kk];
        if (first) {
          for (int j = 0; j < len; j++) {
            run[j] += (w0 * g0[j] + w1 * g1[j]) + w2 * g2[j];
          }
        } else {
          for (int j = 0; j < len; j++) {
            run[j] += ((term[j] + w0 * g0[j]) + w1 * g1[j]) + w2 * g2[j];
          }
        }
      } else if (r == 2) {
        float[] g1 = g[o + 1];
        float w1 = w[(o + 1) * k + kk];
        for (int j = 0; j < len; j++) {
          run[j] += (term[j] + w0 * g0[j]) + w1 * g1[j];
        }
      } else {
        for (int j = 0; j < len; j++) {
          run[j] += term[j] + w0 * g0[j];
        }
      }
    }
  }
}
