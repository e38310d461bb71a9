package dev.qnn4j.runtime.kernels;

import java.util.Arrays;

/**
 * Unfolds convolution windows into a matrix so a convolution becomes one matrix product, and folds
 * gradients back. For channels {@code [c0, c0 + cs)} of an NCHW input, the column matrix has {@code
 * cs * kh * kw} rows (channel-major, then kernel row, then kernel column, matching the weight
 * layout {@code [out, in, kh, kw]}) and {@code batch * outH * outW} columns (sample-major).
 */
public final class Im2Col {
  private Im2Col() {}

  /**
   * Writes the column matrix into the first {@code rows * cols} entries of {@code out}, padding
   * included.
   */
  public static void unfold(float[] input, ConvGeometry g, int c0, int cs, float[] out) {
    unfold(input, 0, g, c0, cs, out);
  }

  /**
   * As {@link #unfold(float[], ConvGeometry, int, int, float[])} for the {@code g.batch()} samples
   * that start at {@code inputOffset} in {@code input} (a chunk of a larger batch).
   */
  public static void unfold(
      float[] input, int inputOffset, ConvGeometry g, int c0, int cs, float[] out) {
    long cols = (long) g.batch() * g.outPixels();
    // Channels write disjoint rows: split them across cores.
    Parallel.forRange(
        cs,
        g.kernelHeight() * g.kernelWidth() * cols,
        (chunk, cFrom, cTo) -> unfoldChannels(input, inputOffset, g, c0, cs, out, cFrom, cTo));
  }

  /**
   * Rows of channels {@code [cFrom, cTo)} (of the {@code cs} from {@code c0}) of {@link
   * #unfold(float[], int, ConvGeometry, int, int, float[])}, on the calling thread: for a kernel
   * that already runs on one core per sample, where a parallel loop per call would only add a
   * hand-off (and an allocation).
   */
  static void unfoldChannels(
      float[] input,
      int inputOffset,
      ConvGeometry g,
      int c0,
      int cs,
      float[] out,
      int cFrom,
      int cTo) {
    int oh = g.outHeight();
    int ow = g.outWidth();
    int p = oh * ow;
    int cols = g.batch() * p;
    int kh = g.kernelHeight();
    int kw = g.kernelWidth();
    int hw = g.inHeight() * g.inWidth();
    for (int c = cFrom; c < cTo; c++) {
      for (int ki = 0; ki < kh; ki++) {
        for (int kj = 0; kj < kw; kj++) {
          int rowBase = ((c * kh + ki) * kw + kj) * cols;
          int shift = kj * g.dilationW() - g.padW();
          for (int n = 0; n < g.batch(); n++) {
            int inBase = inputOffset + (n * g.inChannels() + c0 + c) * hw;
            int outBase = rowBase + n * p;
            for (int y = 0; y < oh; y++) {
              int iy = y * g.strideH() - g.padH() + ki * g.dilationH();
              int o = outBase + y * ow;
              if (iy < 0 || iy >= g.inHeight()) {
                java.util.Arrays.fill(out, o, o + ow, 0f);
                continue;
              }
              int inRow = inBase + iy * g.inWidth();
              if (g.strideW() == 1 && shift >= 0 && ow + shift <= g.inWidth()) {
                // Unit stride inside the image: the row is one contiguous copy.
                System.arraycopy(input, inRow + shift, out, o, ow);
                continue;
              }
              for (int x = 0; x < ow; x++) {
                int ix = x * g.strideW() + shift;
                out[o + x] = ix >= 0 && ix < g.inWidth() ? input[inRow + ix] : 0f;
              }
            }
          }
        }
      }
    }
  }

  /**
   * Adds the column-matrix gradient {@code cols} back into {@code gradInput} (the adjoint of
   * unfold).
   */
  public static void fold(float[] cols, ConvGeometry g, int c0, int cs, float[] gradInput) {
    fold(cols, g, c0, cs, gradInput, 0);
  }

  /**
   * As {@link #fold(float[], ConvGeometry, int, int, float[])} into samples starting at {@code
   * inputOffset}.
   */
  public static void fold(
      float[] cols, ConvGeometry g, int c0, int cs, float[] gradInput, int inputOffset) {
    long ncols = (long) g.batch() * g.outPixels();
    // Each channel adds into its own input planes only, so channels can run in parallel.
    Parallel.forRange(
        cs,
        g.kernelHeight() * g.kernelWidth() * ncols,
        (chunk, cFrom, cTo) -> foldChannels(cols, g, c0, cs, gradInput, inputOffset, cFrom, cTo));
  }

  /** Channels {@code [cFrom, cTo)} of {@link #fold}, on the calling thread. */
  static void foldChannels(
      float[] cols,
      ConvGeometry g,
      int c0,
      int cs,
      float[] gradInput,
      int inputOffset,
      int cFrom,
      int cTo) {
    int oh = g.outHeight();
    int ow = g.outWidth();
    int p = oh * ow;
    int ncols = g.batch() * p;
    int kh = g.kernelHeight();
    int kw = g.kernelWidth();
    int hw = g.inHeight() * g.inWidth();
    for (int c = cFrom; c < cTo; c++) {
      for (int ki = 0; ki < kh; ki++) {
        for (int kj = 0; kj < kw; kj++) {
          int rowBase = ((c * kh + ki) * kw + kj) * ncols;
          int shift = kj * g.dilationW() - g.padW();
          for (int n = 0; n < g.batch(); n++) {
            int inBase = inputOffset + (n * g.inChannels() + c0 + c) * hw;
            int colBase = rowBase + n * p;
            for (int y = 0; y < oh; y++) {
              int iy = y * g.strideH() - g.padH() + ki * g.dilationH();
              if (iy < 0 || iy >= g.inHeight()) {
                continue;
              }
              int inRow = inBase + iy * g.inWidth();
              int o = colBase + y * ow;
              if (g.strideW() == 1 && shift >= 0 && ow + shift <= g.inWidth()) {
                int dst = inRow + shift;
                for (int x = 0; x < ow; x++) {
                  gradInput[dst + x] += cols[o + x];
                }
                continue;
              }
              for (int x = 0; x < ow; x++) {
                int ix = x * g.strideW() + shift;
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

  /**
   * The output plane {@code src[srcOff ...]} of {@code g} ({@code [outHeight, outWidth]}) as rows
   * of the input's width at {@code dst[dstOff ...]}, zero beyond the output's width: {@code length}
   * values, from {@code (outHeight - 1) * inWidth + outWidth} (the last row ends at the output's
   * width) up to {@code outHeight * inWidth}. The layout of {@link #foldFullWidth}'s columns.
   */
  static void widenPlane(
      float[] src, int srcOff, ConvGeometry g, float[] dst, int dstOff, int length) {
    int oh = g.outHeight();
    int ow = g.outWidth();
    int w = g.inWidth();
    for (int y = 0; y < oh; y++) {
      int row = dstOff + y * w;
      System.arraycopy(src, srcOff + y * ow, dst, row, ow);
      Arrays.fill(dst, row + ow, dstOff + Math.min((y + 1) * w, length), 0f);
    }
  }

  /**
   * Whether {@link #foldFullWidth} applies: unit stride and dilation, no padding. Then a window
   * position's contribution to an input plane is one contiguous run when the column rows are laid
   * out with the input's row length (see there).
   */
  public static boolean canFoldFullWidth(ConvGeometry g) {
    return g.strideH() == 1
        && g.strideW() == 1
        && g.dilationH() == 1
        && g.dilationW() == 1
        && g.padH() == 0
        && g.padW() == 0;
  }

  /**
   * {@link #fold} for one sample from column rows of {@code outHeight * inWidth} values: output row
   * y at {@code y * inWidth}, its last {@code inWidth - outWidth} values zero. Each of the {@code
   * cs * kh * kw} rows then adds to its input plane as one contiguous run instead of outHeight runs
   * of outWidth values, which were too short for the JIT to vectorize (3x slower for the LeNet).
   */
  public static void foldFullWidth(
      float[] cols, ConvGeometry g, int c0, int cs, float[] gradInput, int inputOffset) {
    int w = g.inWidth();
    int hw = g.inHeight() * w;
    int rowLength = g.outHeight() * w;
    int run = rowLength - (w - g.outWidth());
    int kh = g.kernelHeight();
    int kw = g.kernelWidth();
    // The JIT vectorizes a loop only when its arrays are indexed alike (measured, JDK 17: 5x), so
    // the row and its run of the gradient are staged at index 0 and the sum copied back.
    float[] row = Workspace.floats(Workspace.Slot.FOLD_ROW, run);
    float[] sum = Workspace.floats(Workspace.Slot.FOLD_RUN, run);
    for (int c = 0; c < cs; c++) {
      int plane = inputOffset + (c0 + c) * hw;
      for (int ki = 0; ki < kh; ki++) {
        for (int kj = 0; kj < kw; kj++) {
          int src = ((c * kh + ki) * kw + kj) * rowLength;
          int dst = plane + ki * w + kj;
          System.arraycopy(cols, src, row, 0, run);
          System.arraycopy(gradInput, dst, sum, 0, run);
          for (int t = 0; t < run; t++) {
            sum[t] += row[t];
          }
          System.arraycopy(sum, 0, gradInput, dst, run);
        }
      }
    }
  }
}
