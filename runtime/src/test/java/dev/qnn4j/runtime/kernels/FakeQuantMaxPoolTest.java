package dev.qnn4j.runtime.kernels;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static dev.qnn4j.runtime.kernels.KernelPathsTest.bits;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The plane-by-plane quantize-and-pool kernels against the separate ones they replace, bit for bit:
 * the quantized and pooled values, the maxima's indices, every input gradient and the scale's
 * gradient.
 */
class FakeQuantMaxPoolTest {

  /**
   * Shapes: the LeNet's two pools at batch 64, and ones whose core chunks split a plane and leave
   * the partial sums a tail (1001 planes of 36 values: each chunk 18,018 values).
   */
  private static final int[][] SHAPES = {
    {64, 6, 28, 28}, {64, 16, 10, 10}, {143, 7, 6, 6}, {9, 5, 28, 30}, {1, 1, 2, 2}
  };

  @Test
  void unsignedAfterReluMatchesTheSeparateKernels() {
    for (int[] shape : SHAPES) {
      for (int seed = 1; seed <= 3; seed++) {
        float[] x = reluOutput(shape, seed);
        compare(shape, x, 0f, 15f, 0.05f * seed, true, seed);
      }
    }
  }

  @Test
  void signedWithoutReluMatchesTheSeparateKernels() {
    for (int[] shape : SHAPES) {
      float[] x = gaussian(shape, 7);
      compare(shape, x, -8f, 7f, 0.3f, false, 7);
    }
  }

  @Test
  void infiniteAndNaNInputsGiveTheSameBitsToo() {
    int[] shape = {4, 3, 8, 8};
    for (float bad : new float[] {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN}) {
      for (int at : new int[] {0, 37, 101}) {
        float[] x = reluOutput(shape, 3);
        x[at] = bad;
        compare(shape, x, 0f, 15f, 0.1f, true, at);
      }
    }
  }

  @Test
  void appliesOnlyToPlainEvenWindowsAndNarrowRanges() {
    assertThat(FakeQuantMaxPool.applies(pool(new int[] {2, 3, 8, 8}), 0f, 15f)).isTrue();
    assertThat(FakeQuantMaxPool.applies(pool(new int[] {2, 3, 7, 8}), 0f, 15f)).isFalse();
    assertThat(FakeQuantMaxPool.applies(pool(new int[] {2, 3, 8, 8}), -2147483648f, 2147483647f))
        .isFalse();
    ConvGeometry threeByThree = new ConvGeometry(2, 3, 8, 8, 3, 3, 2, 2, 0, 0, 1, 1);
    assertThat(FakeQuantMaxPool.applies(threeByThree, 0f, 15f)).isFalse();
  }

  private static void compare(
      int[] shape, float[] x, float min, float max, float scale, boolean relu, int seed) {
    String what = java.util.Arrays.toString(shape) + " seed " + seed + (relu ? " relu" : "");
    ConvGeometry g = pool(shape);
    int outputs = outputs(shape);
    float[] s = {scale};

    float[] quantized = new float[x.length];
    FakeQuant.forward(x, s, 1, 0f, min, max, quantized);
    float[] expected = new float[outputs];
    int[] expectedArgmax = new int[outputs];
    Pooling.maxForward(quantized, g, expectedArgmax, expected);

    float[] pooled = new float[outputs];
    int[] argmax = new int[outputs];
    float[] quantizedToo = new float[x.length];
    FakeQuantMaxPool.forward(x, scale, min, max, g, quantizedToo, argmax, pooled);
    assertWithMessage(what).that(bits(quantizedToo)).isEqualTo(bits(quantized));
    assertWithMessage(what).that(bits(pooled)).isEqualTo(bits(expected));
    assertWithMessage(what).that(argmax).isEqualTo(expectedArgmax);

    float[] gPooled = gaussian(new int[] {outputs}, seed + 100);
    gPooled[0] = -0f;
    float[] gOut = new float[x.length];
    Pooling.maxBackward(gPooled, expectedArgmax, outputs, gOut);
    float[] gQuantIn = new float[x.length];
    float[] gScale = new float[1];
    FakeQuant.backward(x, s, 1, 0f, min, max, gOut, false, gQuantIn, gScale);
    float[] expectedGx = gQuantIn;
    if (relu) {
      expectedGx = new float[x.length];
      Activations.reluBackward(gQuantIn, x, expectedGx, x.length);
    }

    float[] gx = new float[x.length];
    java.util.Arrays.fill(gx, 42f);
    float scaleGrad =
        FakeQuantMaxPool.backward(
            x,
            scale,
            min,
            max,
            g,
            argmax,
            gPooled,
            relu,
            new float[x.length],
            relu ? new float[x.length] : null,
            gx);
    assertWithMessage(what).that(bits(gx)).isEqualTo(bits(expectedGx));
    assertWithMessage(what)
        .that(Float.floatToRawIntBits(scaleGrad))
        .isEqualTo(Float.floatToRawIntBits(gScale[0]));
  }

  private static ConvGeometry pool(int[] shape) {
    return new ConvGeometry(shape[0], shape[1], shape[2], shape[3], 2, 2, 2, 2, 0, 0, 1, 1);
  }

  private static int outputs(int[] shape) {
    return shape[0] * shape[1] * (shape[2] / 2) * (shape[3] / 2);
  }

  /** A ReLU's output: about half zeros, some exact ties and values beyond the clamp. */
  private static float[] reluOutput(int[] shape, int seed) {
    float[] x = gaussian(shape, seed);
    for (int i = 0; i < x.length; i++) {
      x[i] = i % 17 == 0 ? 0.5f : Math.max(x[i] * 0.4f, 0f);
    }
    return x;
  }

  private static float[] gaussian(int[] shape, int seed) {
    int n = 1;
    for (int d : shape) {
      n *= d;
    }
    Random rng = new Random(seed);
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) rng.nextGaussian();
    }
    return x;
  }
}
