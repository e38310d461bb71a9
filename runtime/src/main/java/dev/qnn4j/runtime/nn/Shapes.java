package dev.qnn4j.runtime.nn;

import dev.qnn4j.runtime.Tensor;
import java.util.Arrays;

/**
 * Input checks that run before any kernel, so a shape mistake is a Java exception naming the layer,
 * what it expected and what it got, and never reaches native code.
 */
public final class Shapes {
  private Shapes() {}

  public static void checkConvInput(String layer, Tensor x, Conv2dOptions o) {
    long[] s = x.shape();
    if (s.length != 4) {
      throw new LayerShapeException(layer, "a 4-d input [N, " + o.inChannels() + ", H, W]", s);
    }
    checkNotEmpty(layer, x);
    if (s[1] != o.inChannels()) {
      throw new LayerShapeException(
          layer, "[N, " + o.inChannels() + ", H, W] (in_channels = " + o.inChannels() + ")", s);
    }
    int[] out = o.outputSize(s[2], s[3]);
    if (out[0] < 1 || out[1] < 1) {
      throw new LayerShapeException(
          layer,
          "an input of at least the kernel's extent "
              + o.kernelHeight()
              + "x"
              + o.kernelWidth()
              + " after padding",
          s);
    }
  }

  public static void checkLinearInput(String layer, Tensor x, int inFeatures) {
    long[] s = x.shape();
    if (s.length != 2 || s[1] != inFeatures) {
      throw new LayerShapeException(
          layer, "[N, " + inFeatures + "] (in_features = " + inFeatures + ")", s);
    }
    checkNotEmpty(layer, x);
  }

  /** An empty batch (or any zero dimension) never reaches a kernel or ND4J. */
  public static void checkNotEmpty(String layer, Tensor x) {
    if (x.numel() == 0) {
      throw new LayerShapeException(layer, "at least one element (no dimension 0)", x.shape());
    }
  }

  /** A pooling window of {@code kernel} (stride, padding) must fit the NCHW input. */
  public static void checkPoolInput(String op, Tensor x, int kernel, int stride, int padding) {
    long[] s = x.shape();
    if (s.length != 4) {
      throw new LayerShapeException(op, "a 4-d input [N, C, H, W]", s);
    }
    checkNotEmpty(op, x);
    if (kernel < 1 || stride < 1 || padding < 0 || 2 * padding > kernel) {
      throw new IllegalArgumentException(
          op
              + ": kernel "
              + kernel
              + ", stride "
              + stride
              + " and padding "
              + padding
              + " are not a valid pooling window (kernel and stride >= 1, padding <= kernel / 2)");
    }
    long outH = Math.floorDiv(s[2] + 2L * padding - kernel, stride) + 1;
    long outW = Math.floorDiv(s[3] + 2L * padding - kernel, stride) + 1;
    if (outH < 1 || outW < 1) {
      throw new LayerShapeException(
          op,
          "[N, C, H, W] with H and W at least "
              + (kernel - 2 * padding)
              + " for a "
              + kernel
              + "x"
              + kernel
              + " window",
          s);
    }
  }

  public static void checkRank(String layer, Tensor x, int rank, String layout) {
    if (x.rank() != rank) {
      throw new LayerShapeException(layer, "a " + rank + "-d input " + layout, x.shape());
    }
    checkNotEmpty(layer, x);
  }

  public static void checkSame(String layer, Tensor a, Tensor b) {
    if (!Arrays.equals(a.shape(), b.shape())) {
      throw new LayerShapeException(
          layer,
          "two inputs of the same shape, the first " + Arrays.toString(a.shape()),
          b.shape());
    }
  }
}
