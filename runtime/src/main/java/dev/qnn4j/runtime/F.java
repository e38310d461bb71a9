package dev.qnn4j.runtime;

import dev.qnn4j.runtime.autograd.Ops;
import dev.qnn4j.runtime.nn.LayerShapeException;

/**
 * Functional operations for use in a model's {@code forward}. Operations that do not change how
 * values are quantized (max-pooling, flattening) pass a {@link QuantTensor} through with its
 * metadata, as Brevitas does; the overloads taking a QuantTensor return one.
 */
public final class F {
  private F() {}

  /** Max pooling with a square window, stride = window, no padding. */
  public static Tensor maxPool2d(Tensor x, int kernelSize) {
    return maxPool2d(x, kernelSize, kernelSize, 0);
  }

  public static QuantTensor maxPool2d(QuantTensor x, int kernelSize) {
    return x.withValue(maxPool2d((Tensor) x, kernelSize));
  }

  public static Tensor maxPool2d(Tensor x, int kernelSize, int stride, int padding) {
    checkNchw("maxPool2d", x);
    return Ops.maxPool2d(x, new int[] {kernelSize, kernelSize}, new int[] {stride, stride},
        new int[] {padding, padding});
  }

  public static QuantTensor maxPool2d(QuantTensor x, int kernelSize, int stride, int padding) {
    return x.withValue(maxPool2d((Tensor) x, kernelSize, stride, padding));
  }

  /** Average pooling with a square window, stride = window, no padding. Not scale-preserving. */
  public static Tensor avgPool2d(Tensor x, int kernelSize) {
    return avgPool2d(x, kernelSize, kernelSize, 0);
  }

  public static Tensor avgPool2d(Tensor x, int kernelSize, int stride, int padding) {
    checkNchw("avgPool2d", x);
    return Ops.avgPool2d(x, new int[] {kernelSize, kernelSize}, new int[] {stride, stride},
        new int[] {padding, padding});
  }

  public static Tensor relu(Tensor x) {
    return Ops.relu(x);
  }

  /** {@code x.reshape(x.shape[0], -1)}. */
  public static Tensor flatten(Tensor x) {
    return Ops.flatten(x);
  }

  public static QuantTensor flatten(QuantTensor x) {
    if (!x.perTensor()) {
      throw new IllegalArgumentException("flatten of a per-channel QuantTensor loses its channel axis");
    }
    return x.withValue(Ops.flatten(x));
  }

  public static Tensor reshape(Tensor x, long... shape) {
    return Ops.reshape(x, shape);
  }

  /** Elementwise sum of two tensors of the same shape (a residual connection). */
  public static Tensor add(Tensor a, Tensor b) {
    if (!java.util.Arrays.equals(a.shape(), b.shape())) {
      throw new LayerShapeException("add", "two tensors of shape " + java.util.Arrays.toString(a.shape()), b.shape());
    }
    return Ops.add(a, b);
  }

  private static void checkNchw(String op, Tensor x) {
    if (x.rank() != 4) {
      throw new LayerShapeException(op, "a 4-d input [N, C, H, W]", x.shape());
    }
  }
}
