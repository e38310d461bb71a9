package dev.qnn4j.runtime.kernels;

/**
 * The 2-d transposed convolution (PyTorch's {@code conv_transpose2d}) on row-major arrays: input
 * {@code [N, Cin, H, W]}, weight {@code [Cin, Cout/groups, kh, kw]}, output {@code [N, Cout, Ho,
 * Wo]} with {@code Ho = (H - 1) * stride - 2 * padding + dilation * (kh - 1) + outputPadding + 1}.
 * Like torch's CPU kernel, each column value (the sum over input channels) is formed first, then
 * scattered into the output (col2im), then the bias is added.
 */
public final class ConvTranspose {
  private ConvTranspose() {}

  /** The geometry; {@code [0]} height, {@code [1]} width where a pair is given. */
  public record Geometry(
      int n,
      int inC,
      int h,
      int w,
      int outC,
      int kh,
      int kw,
      int[] stride,
      int[] padding,
      int[] outputPadding,
      int[] dilation,
      int groups) {
    public int outHeight() {
      return (h - 1) * stride[0] - 2 * padding[0] + dilation[0] * (kh - 1) + outputPadding[0] + 1;
    }

    public int outWidth() {
      return (w - 1) * stride[1] - 2 * padding[1] + dilation[1] * (kw - 1) + outputPadding[1] + 1;
    }
  }

  public static float[] forward(float[] x, float[] w, float[] bias, Geometry g) {
    int oh = g.outHeight();
    int ow = g.outWidth();
    int cinG = g.inC() / g.groups();
    int coutG = g.outC() / g.groups();
    float[] out = new float[g.n() * g.outC() * oh * ow];
    int hw = g.h() * g.w();
    for (int s = 0; s < g.n(); s++) {
      for (int grp = 0; grp < g.groups(); grp++) {
        for (int oc = 0; oc < coutG; oc++) {
          int outBase = (s * g.outC() + grp * coutG + oc) * oh * ow;
          for (int ky = 0; ky < g.kh(); ky++) {
            for (int kx = 0; kx < g.kw(); kx++) {
              for (int iy = 0; iy < g.h(); iy++) {
                int oy = iy * g.stride()[0] - g.padding()[0] + ky * g.dilation()[0];
                if (oy < 0 || oy >= oh) {
                  continue;
                }
                for (int ix = 0; ix < g.w(); ix++) {
                  int ox = ix * g.stride()[1] - g.padding()[1] + kx * g.dilation()[1];
                  if (ox < 0 || ox >= ow) {
                    continue;
                  }
                  float col = 0f;
                  for (int icl = 0; icl < cinG; icl++) {
                    int ic = grp * cinG + icl;
                    col +=
                        x[(s * g.inC() + ic) * hw + iy * g.w() + ix]
                            * w[((ic * coutG + oc) * g.kh() + ky) * g.kw() + kx];
                  }
                  out[outBase + oy * ow + ox] += col;
                }
              }
            }
          }
          if (bias != null) {
            float b = bias[grp * coutG + oc];
            for (int i = 0; i < oh * ow; i++) {
              out[outBase + i] += b;
            }
          }
        }
      }
    }
    return out;
  }

  /** Gradients {@code {input, weight, bias}} (bias null when {@code hasBias} is false). */
  public static float[][] backward(
      float[] gOut, float[] x, float[] w, boolean hasBias, Geometry g) {
    int oh = g.outHeight();
    int ow = g.outWidth();
    int cinG = g.inC() / g.groups();
    int coutG = g.outC() / g.groups();
    int hw = g.h() * g.w();
    float[] gx = new float[x.length];
    float[] gw = new float[w.length];
    float[] gb = hasBias ? new float[g.outC()] : null;
    for (int s = 0; s < g.n(); s++) {
      for (int ic = 0; ic < g.inC(); ic++) {
        int grp = ic / cinG;
        for (int iy = 0; iy < g.h(); iy++) {
          for (int ix = 0; ix < g.w(); ix++) {
            int xi = (s * g.inC() + ic) * hw + iy * g.w() + ix;
            float xv = x[xi];
            float acc = 0f;
            for (int oc = 0; oc < coutG; oc++) {
              int outBase = (s * g.outC() + grp * coutG + oc) * oh * ow;
              for (int ky = 0; ky < g.kh(); ky++) {
                int oy = iy * g.stride()[0] - g.padding()[0] + ky * g.dilation()[0];
                if (oy < 0 || oy >= oh) {
                  continue;
                }
                for (int kx = 0; kx < g.kw(); kx++) {
                  int ox = ix * g.stride()[1] - g.padding()[1] + kx * g.dilation()[1];
                  if (ox < 0 || ox >= ow) {
                    continue;
                  }
                  float go = gOut[outBase + oy * ow + ox];
                  int wi = ((ic * coutG + oc) * g.kh() + ky) * g.kw() + kx;
                  acc += go * w[wi];
                  gw[wi] += go * xv;
                }
              }
            }
            gx[xi] = acc;
          }
        }
      }
    }
    if (gb != null) {
      for (int s = 0; s < g.n(); s++) {
        for (int c = 0; c < g.outC(); c++) {
          float sum = 0f;
          int base = (s * g.outC() + c) * oh * ow;
          for (int i = 0; i < oh * ow; i++) {
            sum += gOut[base + i];
          }
          gb[c] += sum;
        }
      }
    }
    return new float[][] {gx, gw, gb};
  }
}
