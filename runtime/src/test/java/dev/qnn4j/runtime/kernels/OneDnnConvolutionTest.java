package dev.qnn4j.runtime.kernels;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * oneDNN's convolutions against a double-precision reference computed here, on shapes its blocked
 * kernels take (16 and 32 output channels, padding, stride, dilation, one sample and odd chunks).
 */
class OneDnnConvolutionTest {

  /** {@code batch, inC, inH, inW, kernel, stride, pad, dilation, outC}. */
  private static final int[][] SHAPES = {
    {5, 6, 14, 14, 5, 1, 0, 1, 16}, // the LeNet's conv2, an odd chunk
    {1, 16, 9, 9, 3, 1, 1, 1, 32}, // one sample, padded
    {3, 8, 11, 12, 3, 2, 1, 1, 16}, // stride 2, non-square
    {2, 4, 10, 10, 3, 1, 2, 2, 16} // dilated
  };

  @Test
  void oneDnnLoadsOnThisPlatform() {
    // CI and the developers' machines are x86-64 Linux, where the native library ships: the
    // convolutions of 16 channels or more must take it there.
    assertThat(Convolution.ONE_DNN).isTrue();
    assertThat(Convolution.oneDnnApplies(16, 1)).isTrue();
    assertThat(Convolution.oneDnnApplies(6, 1)).isFalse();
    assertThat(Convolution.oneDnnApplies(32, 2)).isFalse();
  }

  @Test
  void forwardAndGradientsMatchTheReference() {
    for (int[] s : SHAPES) {
      ConvGeometry g =
          new ConvGeometry(s[0], s[1], s[2], s[3], s[4], s[4], s[5], s[5], s[6], s[6], s[7], s[7]);
      int outC = s[8];
      Random random = new Random(outC * 31L + s[1]);
      float[] x = gaussian(random, g.batch() * g.inChannels() * g.inHeight() * g.inWidth());
      float[] w = gaussian(random, outC * g.inChannels() * s[4] * s[4]);
      float[] b = gaussian(random, outC);
      float[] gy = gaussian(random, g.batch() * outC * g.outPixels());
      Reference ref = new Reference(g, outC, x, w, b, gy);

      float[] out = new float[gy.length];
      assertThat(OneDnnConvolution.forward(x, 0, one(g), g.batch(), outC, w, b, out, 0)).isTrue();
      float[] gx = new float[x.length];
      float[] gw = new float[w.length];
      assertThat(OneDnnConvolution.backward(gy, 0, x, 0, one(g), g.batch(), outC, w, gx, 0, gw))
          .isTrue();

      String shape = java.util.Arrays.toString(s);
      assertClose("forward " + shape, out, ref.out, ref.outScale);
      assertClose("input gradient " + shape, gx, ref.gx, ref.gxScale);
      assertClose("weight gradient " + shape, gw, ref.gw, ref.gwScale);

      // The same inputs give the same bits (the tape and the compiled step rely on it).
      float[] again = new float[out.length];
      OneDnnConvolution.forward(x, 0, one(g), g.batch(), outC, w, b, again, 0);
      assertThat(again).isEqualTo(out);
      float[] gwAgain = new float[w.length];
      OneDnnConvolution.backward(gy, 0, x, 0, one(g), g.batch(), outC, w, null, 0, gwAgain);
      assertThat(gwAgain).isEqualTo(gw);
    }
  }

  @Test
  void plansTakeTurnsOnTheThreadsSharedBuffers() {
    // A small shape, then a larger one (the shared buffers grow), then the small one again: its
    // memories must be pointed at the grown buffers, and give the same bits as the first time.
    ConvGeometry small = new ConvGeometry(2, 6, 14, 14, 5, 5, 1, 1, 0, 0, 1, 1);
    ConvGeometry large = new ConvGeometry(3, 16, 20, 20, 3, 3, 1, 1, 1, 1, 1, 1);
    Random random = new Random(11);
    float[] x = gaussian(random, 2 * 6 * 196);
    float[] w = gaussian(random, 16 * 150);
    float[] gy = gaussian(random, 2 * 16 * 100);
    float[] xLarge = gaussian(random, 3 * 16 * 400);
    float[] wLarge = gaussian(random, 32 * 16 * 9);
    float[] gyLarge = gaussian(random, 3 * 32 * 400);
    float[][] first = smallPass(small, x, w, gy);
    float[] out = new float[gyLarge.length];
    OneDnnConvolution.forward(xLarge, 0, one(large), large.batch(), 32, wLarge, null, out, 0);
    OneDnnConvolution.backward(
        gyLarge,
        0,
        xLarge,
        0,
        one(large),
        large.batch(),
        32,
        wLarge,
        new float[xLarge.length],
        0,
        new float[wLarge.length]);
    float[][] again = smallPass(small, x, w, gy);
    for (int i = 0; i < first.length; i++) {
      assertThat(again[i]).isEqualTo(first[i]);
    }
    Reference ref = new Reference(large, 32, xLarge, wLarge, new float[32], gyLarge);
    assertClose("the larger shape's forward", out, ref.out, ref.outScale);
  }

  /** Forward, input and weight gradients of {@code g} with 16 output channels, no bias. */
  private static float[][] smallPass(ConvGeometry g, float[] x, float[] w, float[] gy) {
    float[] out = new float[gy.length];
    float[] gx = new float[x.length];
    float[] gw = new float[w.length];
    assertThat(OneDnnConvolution.forward(x, 0, one(g), g.batch(), 16, w, null, out, 0)).isTrue();
    assertThat(OneDnnConvolution.backward(gy, 0, x, 0, one(g), g.batch(), 16, w, gx, 0, gw))
        .isTrue();
    return new float[][] {out, gx, gw};
  }

  @Test
  void samplesAtAnOffsetAndNoBias() {
    ConvGeometry all = new ConvGeometry(4, 6, 14, 14, 5, 5, 1, 1, 0, 0, 1, 1);
    ConvGeometry lastTwo = Convolution.withBatch(all, 2);
    Random random = new Random(7);
    float[] x = gaussian(random, 4 * 6 * 196);
    float[] w = gaussian(random, 16 * 150);
    float[] whole = new float[4 * 16 * 100];
    OneDnnConvolution.forward(x, 0, one(all), all.batch(), 16, w, null, whole, 0);
    float[] part = new float[4 * 16 * 100];
    OneDnnConvolution.forward(
        x, 2 * 6 * 196, one(lastTwo), lastTwo.batch(), 16, w, null, part, 2 * 1600);
    Reference ref = new Reference(all, 16, x, w, new float[16], new float[whole.length]);
    assertClose("forward without bias", whole, ref.out, ref.outScale);
    for (int i = 2 * 1600; i < whole.length; i++) {
      // Output values do not depend on how many samples share the call.
      assertWithMessage("output %s", i).that(part[i]).isEqualTo(whole[i]);
    }
  }

  @Test
  void refusesWhatItCannotComputeSoTheJavaKernelsDo() {
    // Stride 2 over 16 columns with a 3-wide kernel leaves the last column unread: PyTorch's
    // shape, which oneDNN's padding cannot express.
    ConvGeometry g = new ConvGeometry(1, 16, 16, 16, 3, 3, 2, 2, 0, 0, 1, 1);
    Random random = new Random(3);
    float[] x = gaussian(random, 16 * 256);
    float[] w = gaussian(random, 16 * 16 * 9);
    float[] out = new float[16 * g.outPixels()];
    assertThat(OneDnnConvolution.forward(x, 0, one(g), g.batch(), 16, w, null, out, 0)).isFalse();
    assertThat(
            OneDnnConvolution.backward(
                out, 0, x, 0, one(g), g.batch(), 16, w, null, 0, new float[w.length]))
        .isFalse();
    Convolution.forward(x, g, 16, 1, w, null, out);
    Reference ref = new Reference(g, 16, x, w, new float[16], new float[out.length]);
    assertClose("the Java kernels' forward", out, ref.out, ref.outScale);
  }

  /**
   * Within 1e-5 of the sum of the terms' magnitudes ({@code scale}): both sides sum up to 4,000
   * float products in different orders (oneDNN's blocking against a double sum), whose rounding
   * error is bounded by the terms' magnitudes, not by the result (which can cancel to near zero).
   */
  private static void assertClose(String what, float[] actual, double[] expected, double[] scale) {
    for (int i = 0; i < actual.length; i++) {
      double error = Math.abs(actual[i] - expected[i]);
      assertWithMessage("%s at %s: %s against %s", what, i, actual[i], expected[i])
          .that(error)
          .isAtMost(1e-5 * scale[i] + 1e-30);
    }
  }

  /** The per-sample geometry (batch 1) of {@code g}, as Convolution passes it. */
  private static ConvGeometry one(ConvGeometry g) {
    return Convolution.withBatch(g, 1);
  }

  private static float[] gaussian(Random random, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) random.nextGaussian();
    }
    return a;
  }

  /** The convolution and its gradients in double, with each result's sum of term magnitudes. */
  private static final class Reference {
    final double[] out;
    final double[] outScale;
    final double[] gx;
    final double[] gxScale;
    final double[] gw;
    final double[] gwScale;

    Reference(ConvGeometry g, int outC, float[] x, float[] w, float[] b, float[] gy) {
      int n = g.batch();
      int c = g.inChannels();
      int h = g.inHeight();
      int wd = g.inWidth();
      int k = g.kernelHeight();
      int oh = g.outHeight();
      int ow = g.outWidth();
      out = new double[n * outC * oh * ow];
      outScale = new double[out.length];
      gx = new double[x.length];
      gxScale = new double[x.length];
      gw = new double[w.length];
      gwScale = new double[w.length];
      for (int s = 0; s < n; s++) {
        for (int o = 0; o < outC; o++) {
          for (int y = 0; y < oh; y++) {
            for (int xo = 0; xo < ow; xo++) {
              int oi = ((s * outC + o) * oh + y) * ow + xo;
              out[oi] = b[o];
              outScale[oi] = Math.abs(b[o]);
              for (int ci = 0; ci < c; ci++) {
                for (int ky = 0; ky < k; ky++) {
                  for (int kx = 0; kx < k; kx++) {
                    int iy = y * g.strideH() - g.padH() + ky * g.dilationH();
                    int ix = xo * g.strideW() - g.padW() + kx * g.dilationW();
                    if (iy < 0 || iy >= h || ix < 0 || ix >= wd) {
                      continue;
                    }
                    int xi = ((s * c + ci) * h + iy) * wd + ix;
                    int wi = ((o * c + ci) * k + ky) * k + kx;
                    double term = (double) x[xi] * w[wi];
                    out[oi] += term;
                    outScale[oi] += Math.abs(term);
                    double gTerm = (double) gy[oi] * w[wi];
                    gx[xi] += gTerm;
                    gxScale[xi] += Math.abs(gTerm);
                    double wTerm = (double) gy[oi] * x[xi];
                    gw[wi] += wTerm;
                    gwScale[wi] += Math.abs(wTerm);
                  }
                }
              }
            }
          }
        }
      }
    }
  }
}
