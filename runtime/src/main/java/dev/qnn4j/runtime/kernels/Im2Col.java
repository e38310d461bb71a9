package dev.qnn4j.runtime.kernels;

/**
 * Unfolds convolution windows into a matrix so a convolution becomes one matrix product, and folds
 * gradients back. For channels {@code [c0, c0 + cs)} of an NCHW input, the column matrix has
 * {@code cs * kh * kw} rows (channel-major, then kernel row, then kernel column, matching the
 * weight layout {@code [out, in, kh, kw]}) and {@code batch * outH * outW} columns (sample-major).
 */
public final class Im2Col {
  private Im2Col() {}

  public static float[] unfold(float[] input, ConvGeometry g, int c0, int cs) {
    int oh = g.outHeight();
    int ow = g.outWidth();
    int p = oh * ow;
    int cols = g.batch() * p;
    int kh = g.kernelHeight();
    int kw = g.kernelWidth();
    float[] out = new float[cs * kh * kw * cols];
    int hw = g.inHeight() * g.inWidth();
    for (int c = 0; c < cs; c++) {
      for (int ki = 0; ki < kh; ki++) {
        for (int kj = 0; kj < kw; kj++) {
          int row = (c * kh + ki) * kw + kj;
          int rowBase = row * cols;
          for (int n = 0; n < g.batch(); n++) {
            int inBase = (n * g.inChannels() + c0 + c) * hw;
            int outBase = rowBase + n * p;
            for (int y = 0; y < oh; y++) {
              int iy = y * g.strideH() - g.padH() + ki * g.dilationH();
              int o = outBase + y * ow;
              if (iy < 0 || iy >= g.inHeight()) {
                continue; // stays zero: padding
              }
              int inRow = inBase + iy * g.inWidth();
              for (int x = 0; x < ow; x++) {
                int ix = x * g.strideW() - g.padW() + kj * g.dilationW();
                if (ix >= 0 && ix < g.inWidth()) {
                  out[o + x] = input[inRow + ix];
                }
              }
            }
          }
        }
      }
    }
    return out;
  }

  /** Adds the column-matrix gradient {@code cols} back into {@code gradInput} (the adjoint of unfold). */
  public static void fold(float[] cols, ConvGeometry g, int c0, int cs, float[] gradInput) {
    int oh = g.outHeight();
    int ow = g.outWidth();
    int p = oh * ow;
    int ncols = g.batch() * p;
    int kh = g.kernelHeight();
    int kw = g.kernelWidth();
    int hw = g.inHeight() * g.inWidth();
    for (int c = 0; c < cs; c++) {
      for (int ki = 0; ki < kh; ki++) {
        for (int kj = 0; kj < kw; kj++) {
          int rowBase = ((c * kh + ki) * kw + kj) * ncols;
          for (int n = 0; n < g.batch(); n++) {
            int inBase = (n * g.inChannels() + c0 + c) * hw;
            int colBase = rowBase + n * p;
            for (int y = 0; y < oh; y++) {
              int iy = y * g.strideH() - g.padH() + ki * g.dilationH();
              if (iy < 0 || iy >= g.inHeight()) {
                continue;
              }
              int inRow = inBase + iy * g.inWidth();
              int o = colBase + y * ow;
              for (int x = 0; x < ow; x++) {
                int ix = x * g.strideW() - g.padW() + kj * g.dilationW();
                if (ix >= 0 && ix < g.inWidth()) {
                  gradInput[inRow + ix] += cols[o + x];
                }
              }
            }
          }
        }
      }
    }
  }
}
