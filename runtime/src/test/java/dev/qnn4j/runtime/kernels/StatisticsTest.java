package dev.qnn4j.runtime.kernels;

import static com.google.common.truth.Truth.assertThat;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StatisticsTest {

  @Test
  void percentileRankFollowsBrevitasRounding() {
    // k = floor(0.01 * q * n + 0.5): for 99.999 on 75264 elements the 75263rd smallest.
    assertThat(Statistics.percentileRank(99.999, 75264)).isEqualTo(75263);
    assertThat(Statistics.percentileRank(99.999, 32)).isEqualTo(32);
    assertThat(Statistics.percentileRank(50, 10)).isEqualTo(5);
    assertThat(Statistics.percentileRank(0.0001, 10)).isEqualTo(1);
  }

  @Test
  void thePercentileOfDataWithNanIsNanOnBothPaths() {
    // A diverging training run feeds NaN activations to the quantizers' statistics: NaN, like
    // absMax.
    for (int n : new int[] {10, 5000}) {
      float[] x = new float[n];
      Arrays.fill(x, 1f);
      x[n / 2] = Float.NaN;
      x[n - 1] = Float.NaN;
      assertThat(Statistics.kthSmallestAbsIndex(x, Statistics.percentileRank(99.999, n)))
          .isEqualTo(n / 2);
      assertThat(Statistics.kthSmallestAbsIndex(x, 1)).isEqualTo(n / 2);
    }
  }

  @Test
  void kthSmallestAbsAgreesWithSortingOnBothPaths() {
    Random rng = new Random(3);
    for (int n : new int[] {1, 2, 7, 100, 5000}) {
      float[] x = new float[n];
      for (int i = 0; i < n; i++) {
        x[i] = (float) rng.nextGaussian();
        if (i % 11 == 0 && i > 0) {
          x[i] = -x[i - 1]; // ties in |x|
        }
      }
      float[] sorted = new float[n];
      for (int i = 0; i < n; i++) {
        sorted[i] = Math.abs(x[i]);
      }
      Arrays.sort(sorted);
      for (int k : new int[] {1, n / 2 + 1, Math.max(1, n - 70), Math.max(1, n - 3), n}) {
        int idx = Statistics.kthSmallestAbsIndex(x, k);
        assertThat(Math.abs(x[idx])).isEqualTo(sorted[k - 1]);
        // The lowest index holding that value, as the gradient goes to one element.
        for (int j = 0; j < idx; j++) {
          assertThat(Math.abs(x[j])).isNotEqualTo(sorted[k - 1]);
        }
      }
    }
  }

  @Test
  void fakeQuantRoundsHalfToEvenAndClamps() {
    float[] x = {0.5f, 1.5f, 2.5f, -0.5f, -2.5f, 100f, -100f, Float.NaN, Float.POSITIVE_INFINITY};
    float[] out = new float[x.length];
    FakeQuant.forward(x, new float[] {1f}, 1, 0f, -8f, 7f, out);
    // torch gives -0 for -0.5; the branch-free kernel gives +0, an equal value (see FakeQuant).
    assertThat(out[3] == 0f).isTrue();
    out[3] = 0f;
    assertThat(out)
        .usingExactEquality()
        .containsExactly(0f, 2f, 2f, 0f, -2f, 7f, -8f, Float.NaN, 7f)
        .inOrder();
  }

  @Test
  void fakeQuantGradientStopsOutsideTheRangeUnlessSteClamp() {
    float[] x = {0.5f, 6.6f, 7.4f, 7.6f, -8.4f, -8.6f, 100f};
    float[] g = {1f, 1f, 1f, 1f, 1f, 1f, 1f};
    float[] gx = new float[x.length];
    FakeQuant.backward(x, new float[] {1f}, 1, 0f, -8f, 7f, g, false, gx);
    assertThat(gx).usingExactEquality().containsExactly(1f, 1f, 1f, 0f, 1f, 0f, 0f).inOrder();
    FakeQuant.backward(x, new float[] {1f}, 1, 0f, -8f, 7f, g, true, gx);
    assertThat(gx).usingExactEquality().containsExactly(1f, 1f, 1f, 1f, 1f, 1f, 1f).inOrder();
  }
}
