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
