package dev.qnn4j.runtime.kernels;

import java.util.Arrays;

/**
 * 2-d convolution of NCHW data on caller-owned arrays: per sample and group, im2col plus one matrix
 * product. The tape's {@code Ops.conv2d} and the compiled training steps both call these, so the
 * two paths share every operation and its order. Samples are split across cores; a per-sample
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
    int n = g.batch();
    int cg = g.inChannels() / groups;
    int og = outC / groups;
    int p = g.outPixels();
    int k = cg * g.kernelHeight() * g.kernelWidth();
    int sampleSize = g.inChannels() * g.inHeight() * g.inWidth();
    ConvGeometry one = withBatch(g, 1);
    Parallel.forRange(
        n,
        (long) outC * k * p,
        (chunk, from, to) -> {
          float[] cols = Workspace.floats(Workspace.Slot.COLUMNS, k * p);
          for (int s = from; s < to; s++) {
            for (int gi = 0; gi < groups; gi++) {
              Im2Col.unfold(x, s * sampleSize, one, gi * cg, cg, cols);
              // The product lands directly in the sample's output planes [og, p].
              float[] prod = Workspace.floats(Workspace.Slot.PRODUCT, og * p);
              Gemm.multiply(
                  false, false, og, p, k, groupWeights(w, gi, og * k, groups), cols, prod);
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
        });
  }

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
    int n = g.batch();
    int cg = g.inChannels() / groups;
    int og = outC / groups;
    int p = g.outPixels();
    int oh = g.outHeight();
    int ow = g.outWidth();
    int k = cg * g.kernelHeight() * g.kernelWidth();
    int sampleSize = g.inChannels() * g.inHeight() * g.inWidth();
    ConvGeometry one = withBatch(g, 1);
    if (gb != null) {
      // Channels in parallel; each channel's sum keeps its order, so the bits do not depend on
      // cores.
      Parallel.forRange(
          outC,
          (long) n * p,
          (chunk, from, to) -> {
            for (int oc = from; oc < to; oc++) {
              double sum = 0;
              for (int s = 0; s < n; s++) {
                int src = (s * outC + oc) * p;
                for (int j = 0; j < p; j++) {
                  sum += gy[src + j];
                }
              }
              gb[oc] = (float) sum;
            }
          });
    }
    int chunks = partials(g, outC, groups);
    for (int ch = 0; ch < chunks; ch++) {
      Arrays.fill(partialGw[ch], 0f);
    }
    if (gx != null) {
      Arrays.fill(gx, 0f);
    }
    boolean fullWidth = Im2Col.canFoldFullWidth(one);
    int inW = g.inWidth();
    int wideP = oh * inW;
    Parallel.forRange(
        n,
        (long) outC * k * p,
        (chunk, from, to) -> {
          float[] cols = Workspace.floats(Workspace.Slot.COLUMNS, k * p);
          float[] gcols =
              Workspace.floats(Workspace.Slot.GRADIENT_ROWS, k * (fullWidth ? wideP : p));
          float[] part = partialGw[chunk];
          for (int s = from; s < to; s++) {
            for (int gi = 0; gi < groups; gi++) {
              // The sample's output gradient for this group is already the [og, p] matrix the
              // product needs.
              float[] gg = Workspace.floats(Workspace.Slot.OUTPUT_GRADIENT, og * p);
              System.arraycopy(gy, (s * outC + gi * og) * p, gg, 0, og * p);
              Im2Col.unfold(x, s * sampleSize, one, gi * cg, cg, cols);
              // The transposed product cols x gg^T ([k, og]) is the faster shape for OpenBLAS here.
              float[] gwt = Workspace.floats(Workspace.Slot.PRODUCT, k * og);
              Gemm.multiply(false, true, k, og, p, cols, gg, gwt);
              int base = gi * og * k;
              for (int o = 0; o < og; o++) {
                for (int j = 0; j < k; j++) {
                  part[base + o * k + j] += gwt[j * og + o];
                }
              }
              if (gx != null && fullWidth) {
                // Rows widened to the input's width, zero beyond the output's: see
                // Im2Col.foldFullWidth.
                float[] wide = Workspace.floats(Workspace.Slot.WIDE_OUTPUT_GRADIENT, og * wideP);
                for (int r = 0; r < og * oh; r++) {
                  System.arraycopy(gg, r * ow, wide, r * inW, ow);
                  Arrays.fill(wide, r * inW + ow, (r + 1) * inW, 0f);
                }
                Gemm.multiply(
                    true, false, k, wideP, og, groupWeights(w, gi, og * k, groups), wide, gcols);
                Im2Col.foldFullWidth(gcols, one, gi * cg, cg, gx, s * sampleSize);
              } else if (gx != null) {
                Gemm.multiply(
                    true, false, k, p, og, groupWeights(w, gi, og * k, groups), gg, gcols);
                Im2Col.fold(gcols, one, gi * cg, cg, gx, s * sampleSize);
              }
            }
          }
        });
    System.arraycopy(partialGw[0], 0, gw, 0, gw.length);
    for (int ch = 1; ch < chunks; ch++) {
      float[] part = partialGw[ch];
      for (int j = 0; j < gw.length; j++) {
        gw[j] += part[j];
      }
    }
  }

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
