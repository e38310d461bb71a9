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
    if (s[1] != o.inChannels()) {
      throw new LayerShapeException(layer, "[N, " + o.inChannels() + ", H, W] (in_channels = "
          + o.inChannels() + ")", s);
    }
    int[] out = o.outputSize(s[2], s[3]);
    if (out[0] < 1 || out[1] < 1) {
      throw new LayerShapeException(layer, "an input of at least the kernel's extent "
          + o.kernelHeight() + "x" + o.kernelWidth() + " after padding", s);
    }
  }

  public static void checkLinearInput(String layer, Tensor x, int inFeatures) {
    long[] s = x.shape();
    if (s.length != 2 || s[1] != inFeatures) {
      throw new LayerShapeException(layer, "[N, " + inFeatures + "] (in_features = " + inFeatures + ")", s);
    }
  }

  public static void checkRank(String layer, Tensor x, int rank, String layout) {
    if (x.rank() != rank) {
      throw new LayerShapeException(layer, "a " + rank + "-d input " + layout, x.shape());
    }
  }

  public static void checkSame(String layer, Tensor a, Tensor b) {
    if (!Arrays.equals(a.shape(), b.shape())) {
      throw new LayerShapeException(layer, "two inputs of the same shape, the first "
          + Arrays.toString(a.shape()), b.shape());
    }
  }
}
