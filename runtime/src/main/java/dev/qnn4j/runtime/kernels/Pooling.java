package dev.qnn4j.runtime.kernels;

/** Max and average pooling over NCHW data, with PyTorch's semantics (floor mode). */
public final class Pooling {
  private Pooling() {}

  /**
   * Max pooling; {@code argmax} receives, for every output, the flat input index of its maximum
   * (the first one on ties, NaN wins, as PyTorch). Padding positions never win.
   */
  public static float[] maxForward(float[] x, ConvGeometry g, int[] argmax) {
    int oh = g.outHeight();
    int ow = g.outWidth();
    int planes = g.batch() * g.inChannels();
    int hw = g.inHeight() * g.inWidth();
    float[] out = new float[planes * oh * ow];
    for (int pl = 0; pl < planes; pl++) {
      int base = pl * hw;
      for (int y = 0; y < oh; y++) {
        for (int xo = 0; xo < ow; xo++) {
          float best = Float.NEGATIVE_INFINITY;
          int bestIdx = -1;
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
              if (bestIdx < 0 || v > best || Float.isNaN(v)) {
                best = v;
                bestIdx = idx;
                if (Float.isNaN(v)) {
                  break;
                }
              }
            }
          }
          int o = (pl * oh + y) * ow + xo;
          out[o] = best;
          argmax[o] = bestIdx;
        }
      }
    }
    return out;
  }

  public static float[] maxBackward(float[] gradOut, int[] argmax, int inputLength) {
    float[] gx = new float[inputLength];
    for (int o = 0; o < gradOut.length; o++) {
      gx[argmax[o]] += gradOut[o];
    }
    return gx;
  }

  /** Average pooling counting padded positions in the divisor (PyTorch's count_include_pad=True). */
  public static float[] avgForward(float[] x, ConvGeometry g) {
    int oh = g.outHeight();
    int ow = g.outWidth();
    int planes = g.batch() * g.inChannels();
    int hw = g.inHeight() * g.inWidth();
    float divisor = g.kernelHeight() * g.kernelWidth();
    float[] out = new float[planes * oh * ow];
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
    return out;
  }

  public static float[] avgBackward(float[] gradOut, ConvGeometry g) {
    int oh = g.outHeight();
    int ow = g.outWidth();
    int planes = g.batch() * g.inChannels();
    int hw = g.inHeight() * g.inWidth();
    float divisor = g.kernelHeight() * g.kernelWidth();
    float[] gx = new float[planes * hw];
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
    return gx;
  }
}
