package dev.qnn4j.runtime.kernels;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The fast paths of the kernels (Java long-row products, branch-free 2x2 max pooling, full-width
 * col2im) against plain reference loops, including the shapes and values where they switch path.
 */
class KernelPathsTest {
  private final Random rng = new Random(42);

  @Test
  void productsMatchAPlainTripleLoopOnBothPaths() {
    int[][] shapes = {
      {6, 784, 75}, {75, 896, 6}, {5, 600, 3}, // Java long-row kernel, m not a multiple of 4
      {16, 100, 150}, {150, 140, 16}, {3, 7, 2}, // OpenBLAS
    };
    for (int[] s : shapes) {
      for (boolean transposeA : new boolean[] {false, true}) {
        for (boolean transposeB : new boolean[] {false, true}) {
          int m = s[0];
          int n = s[1];
          int k = s[2];
          float[] a = random(m * k);
          float[] b = random(k * n);
          float[] c = new float[m * n];
          Gemm.multiply(transposeA, transposeB, m, n, k, a, b, c);
          float[] expected = reference(transposeA, transposeB, m, n, k, a, b);
          for (int i = 0; i < c.length; i++) {
            assertWithMessage("%sx%sx%s tA=%s tB=%s at %s", m, n, k, transposeA, transposeB, i)
                .that((double) c[i])
                .isWithin(1e-4 * (1 + Math.abs(expected[i])))
                .of(expected[i]);
          }
        }
      }
    }
  }

  @Test
  void rowProductsOfRunsMatchAPlainLoop() {
    // {m, n, r, step}: rows of a are overlapping runs of one array, step values apart, after an
    // offset, as a unit-stride convolution's wide im2col rows are.
    int[][] shapes = {{75, 784, 6, 1}, {10, 600, 3, 7}, {4, 7, 1, 9}};
    for (int[] s : shapes) {
      int m = s[0];
      int n = s[1];
      int r = s[2];
      int base = 5;
      int[] starts = new int[m];
      for (int i = 0; i < m; i++) {
        starts[i] = i * s[3];
      }
      float[] src = random(base + starts[m - 1] + n);
      float[] b = random(r * n);
      float[] c = new float[r * m];
      Gemm.rowProductsOfRuns(m, n, r, src, base, starts, b, c);
      for (int o = 0; o < r; o++) {
        for (int i = 0; i < m; i++) {
          double expected = 0;
          for (int j = 0; j < n; j++) {
            expected += (double) src[base + starts[i] + j] * b[o * n + j];
          }
          assertWithMessage("%sx%s against %s rows, at (%s, %s)", m, n, r, o, i)
              .that((double) c[o * m + i])
              .isWithin(1e-4 * (1 + Math.abs(expected)))
              .of(expected);
        }
      }
    }
  }

  @Test
  void maxPool2x2MatchesTheGeneralPathIncludingTiesSignedZerosNaNAndInfinities() {
    float[] special = {
      0f, -0f, 1f, 1f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -1f
    };
    int planes = 3;
    int side = 8;
    float[] x = new float[planes * side * side];
    for (int i = 0; i < x.length; i++) {
      x[i] = rng.nextInt(3) == 0 ? special[rng.nextInt(special.length)] : rng.nextInt(5) - 2;
    }
    ConvGeometry plain = new ConvGeometry(1, planes, side, side, 2, 2, 2, 2, 0, 0, 1, 1);
    int outs = planes * 4 * 4;
    int[] argmax = new int[outs];
    float[] out = Pooling.maxForward(x, plain, argmax);
    for (int o = 0; o < outs; o++) {
      int plane = o / 16;
      int oy = (o % 16) / 4;
      int ox = o % 4;
      int best = -1;
      float v = 0f;
      for (int dy = 0; dy < 2 && !(best >= 0 && v != v); dy++) {
        for (int dx = 0; dx < 2; dx++) {
          int idx = plane * side * side + (2 * oy + dy) * side + 2 * ox + dx;
          float c = x[idx];
          if (best < 0 || c > v || c != c) {
            best = idx;
            v = c;
            if (c != c) {
              break;
            }
          }
        }
      }
      assertWithMessage("output %s", o).that(argmax[o]).isEqualTo(best);
      assertWithMessage("output %s", o)
          .that(Float.floatToIntBits(out[o]))
          .isEqualTo(Float.floatToIntBits(v));
    }
  }

  @Test
  void fullWidthFoldEqualsTheRowByRowFold() {
    ConvGeometry g = new ConvGeometry(1, 3, 9, 11, 3, 4, 1, 1, 0, 0, 1, 1);
    int oh = g.outHeight();
    int ow = g.outWidth();
    int rows = 3 * 3 * 4;
    float[] cols = random(rows * oh * ow);
    float[] wide = new float[rows * oh * g.inWidth()];
    for (int r = 0; r < rows * oh; r++) {
      System.arraycopy(cols, r * ow, wide, r * g.inWidth(), ow);
    }
    float[] expected = new float[3 * 9 * 11];
    float[] actual = new float[3 * 9 * 11];
    Im2Col.fold(cols, g, 0, 3, expected, 0);
    assertThat(Im2Col.canFoldFullWidth(g)).isTrue();
    Im2Col.foldFullWidth(wide, g, 0, 3, actual, 0);
    assertThat(actual).usingTolerance(0).containsExactly(expected).inOrder();
    assertThat(Im2Col.canFoldFullWidth(new ConvGeometry(1, 3, 9, 11, 3, 4, 1, 1, 1, 0, 1, 1)))
        .isFalse();
  }

  @Test
  void directConvolutionEqualsTheIm2colLongRowProductBitForBit() {
    // {channels, height, width, kernel h, kernel w, output channels}: five-, three- and
    // four-wide kernel rows; odd and even output channel counts; non-square planes.
    int[][] shapes = {
      {3, 32, 32, 5, 5, 6},
      {2, 24, 30, 3, 3, 5},
      {1, 26, 27, 4, 4, 3},
      {3, 30, 28, 1, 1, 1},
      {2, 28, 28, 3, 5, 4},
      {6, 14, 14, 5, 5, 16}
    };
    for (int[] s : shapes) {
      ConvGeometry one = new ConvGeometry(1, s[0], s[1], s[2], s[3], s[4], 1, 1, 0, 0, 1, 1);
      int outC = s[5];
      int k = s[0] * s[3] * s[4];
      int p = one.outPixels();
      int wideP = one.outHeight() * one.inWidth();
      assertThat(DirectConvolution.forwardApplies(one, outC, 1)).isTrue();
      assertThat(DirectConvolution.inputGradientApplies(one, outC, 1)).isTrue();
      float[] x = withZeros(s[0] * s[1] * s[2]);
      float[] w = withZeros(outC * k);
      float[] b = random(outC);
      float[] gy = withZeros(outC * p);

      float[] cols = new float[k * p];
      Im2Col.unfold(x, one, 0, s[0], cols);
      float[] product = new float[outC * p];
      Gemm.multiplyLongRows(false, outC, p, k, w, cols, product);
      float[] expected = new float[outC * p];
      for (int i = 0; i < expected.length; i++) {
        expected[i] = product[i] + b[i / p];
      }
      float[] actual = new float[outC * p];
      DirectConvolution.forwardSample(x, 0, one, outC, w, b, actual, 0);
      assertWithMessage("forward %s", java.util.Arrays.toString(s))
          .that(bits(actual))
          .isEqualTo(bits(expected));

      float[] wide = new float[outC * wideP];
      for (int r = 0; r < outC * one.outHeight(); r++) {
        System.arraycopy(gy, r * one.outWidth(), wide, r * one.inWidth(), one.outWidth());
      }
      float[] gcols = new float[k * wideP];
      Gemm.multiplyLongRows(true, k, wideP, outC, w, wide, gcols);
      float[] expectedGx = new float[x.length];
      Im2Col.foldFullWidth(gcols, one, 0, s[0], expectedGx, 0);
      float[] actualGx = new float[x.length];
      DirectConvolution.inputGradientSample(gy, 0, one, outC, w, actualGx, 0);
      assertWithMessage("input gradient %s", java.util.Arrays.toString(s))
          .that(bits(actualGx))
          .isEqualTo(bits(expectedGx));
    }
    // Short rows take the direct kernels up to 16 output channels (the LeNet's conv2 is among
    // the shapes above), OpenBLAS' product beyond.
    ConvGeometry conv2 = new ConvGeometry(1, 6, 14, 14, 5, 5, 1, 1, 0, 0, 1, 1);
    assertThat(DirectConvolution.forwardApplies(conv2, 32, 1)).isFalse();
    assertThat(DirectConvolution.inputGradientApplies(conv2, 32, 1)).isFalse();
    ConvGeometry padded = new ConvGeometry(1, 3, 32, 32, 5, 5, 1, 1, 2, 2, 1, 1);
    assertThat(DirectConvolution.forwardApplies(padded, 6, 1)).isFalse();
  }

  @Test
  void convolutionGradientsOnTheDirectShapesMatchPlainLoops() {
    // The LeNet's conv1 (direct kernels, thin weight gradient) for three samples.
    int n = 3;
    int c = 3;
    int side = 32;
    int outC = 6;
    ConvGeometry g = new ConvGeometry(n, c, side, side, 5, 5, 1, 1, 0, 0, 1, 1);
    int oh = g.outHeight();
    float[] x = random(n * c * side * side);
    float[] w = random(outC * c * 25);
    float[] gy = random(n * outC * oh * oh);
    float[] gx = new float[x.length];
    float[] gw = new float[w.length];
    float[] gb = new float[outC];
    float[][] partials = new float[Convolution.partials(g, outC, 1)][w.length];
    Convolution.backward(gy, x, g, outC, 1, w, gx, gw, gb, partials);
    double[] expectedGx = new double[x.length];
    double[] expectedGw = new double[w.length];
    double[] expectedGb = new double[outC];
    for (int s = 0; s < n; s++) {
      for (int o = 0; o < outC; o++) {
        for (int y = 0; y < oh; y++) {
          for (int xo = 0; xo < oh; xo++) {
            double gradient = gy[((s * outC + o) * oh + y) * oh + xo];
            expectedGb[o] += gradient;
            for (int ci = 0; ci < c; ci++) {
              for (int ky = 0; ky < 5; ky++) {
                for (int kx = 0; kx < 5; kx++) {
                  int xi = ((s * c + ci) * side + y + ky) * side + xo + kx;
                  int wi = ((o * c + ci) * 5 + ky) * 5 + kx;
                  expectedGw[wi] += gradient * x[xi];
                  expectedGx[xi] += gradient * w[wi];
                }
              }
            }
          }
        }
      }
    }
    assertClose("input gradient", expectedGx, gx);
    assertClose("weight gradient", expectedGw, gw);
    assertClose("bias gradient", expectedGb, gb);
  }

  private static void assertClose(String what, double[] expected, float[] actual) {
    for (int i = 0; i < expected.length; i++) {
      assertWithMessage("%s at %s", what, i)
          .that((double) actual[i])
          .isWithin(1e-4 * (1 + Math.abs(expected[i])))
          .of(expected[i]);
    }
  }

  /** Random values with a quarter of exact (signed) zeros, where sums' signs of zero can differ. */
  private float[] withZeros(int n) {
    float[] a = random(n);
    for (int i = 0; i < n; i++) {
      int pick = rng.nextInt(8);
      if (pick == 0) {
        a[i] = 0f;
      } else if (pick == 1) {
        a[i] = -0f;
      }
    }
    return a;
  }

  /** Every value's raw bits: compared as ints, signed zeros and NaN payloads count. */
  static int[] bits(float[] a) {
    int[] out = new int[a.length];
    for (int i = 0; i < a.length; i++) {
      out[i] = Float.floatToRawIntBits(a[i]);
    }
    return out;
  }

  private float[] random(int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) rng.nextGaussian();
    }
    return a;
  }

  private static float[] reference(
      boolean ta, boolean tb, int m, int n, int k, float[] a, float[] b) {
    float[] c = new float[m * n];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double sum = 0;
        for (int p = 0; p < k; p++) {
          sum += (double) (ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
        }
        c[i * n + j] = (float) sum;
      }
    }
    return c;
  }
}
