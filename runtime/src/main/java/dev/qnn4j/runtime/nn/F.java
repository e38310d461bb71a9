package dev.qnn4j.runtime.nn;

import dev.qnn4j.runtime.QuantTensor;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.autograd.Ops;
import dev.qnn4j.runtime.nn.TraceEvent.Op;

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
    return maxPool2d(x, kernelSize, kernelSize, 0);
  }

  public static Tensor maxPool2d(Tensor x, int kernelSize, int stride, int padding) {
    return Tracer.op(
        Op.MAX_POOL,
        maxPoolValue(x, kernelSize, stride, padding),
        new long[] {kernelSize, stride, padding},
        x);
  }

  public static QuantTensor maxPool2d(QuantTensor x, int kernelSize, int stride, int padding) {
    return Tracer.op(
        Op.MAX_POOL,
        x.withValue(maxPoolValue(x, kernelSize, stride, padding)),
        new long[] {kernelSize, stride, padding},
        x);
  }

  /** Average pooling with a square window, stride = window, no padding. Not scale-preserving. */
  public static Tensor avgPool2d(Tensor x, int kernelSize) {
    return avgPool2d(x, kernelSize, kernelSize, 0);
  }

  public static Tensor avgPool2d(Tensor x, int kernelSize, int stride, int padding) {
    Shapes.checkPoolInput("avgPool2d", x, kernelSize, stride, padding);
    Tensor out =
        Ops.avgPool2d(
            x,
            new int[] {kernelSize, kernelSize},
            new int[] {stride, stride},
            new int[] {padding, padding});
    return Tracer.op(Op.AVG_POOL, out, new long[] {kernelSize, stride, padding}, x);
  }

  public static Tensor relu(Tensor x) {
    return Tracer.op(Op.RELU, Ops.relu(x), new long[0], x);
  }

  /**
   * {@code x * scale + shift} elementwise (float32, no fused multiply-add): an input mapping inside
   * {@code forward}, e.g. {@code affine(x, 2, -1)} maps images in [0, 1] to [-1, 1] as the bnn_pynq
   * models' {@code 2.0 * x - 1} does. Exported as ONNX {@code Mul} then {@code Add}.
   */
  public static Tensor affine(Tensor x, float scale, float shift) {
    if (!Float.isFinite(scale) || !Float.isFinite(shift)) {
      throw new IllegalArgumentException(
          "affine needs a finite scale and shift, got " + scale + " and " + shift);
    }
    return Tracer.op(
        Op.AFFINE,
        Ops.affine(x, scale, shift),
        new long[] {Float.floatToIntBits(scale), Float.floatToIntBits(shift)},
        x);
  }

  /** The scale and shift of an {@link Op#AFFINE} step's {@code ints}. */
  public static float[] affineParameters(long[] ints) {
    return new float[] {Float.intBitsToFloat((int) ints[0]), Float.intBitsToFloat((int) ints[1])};
  }

  /** {@code x.reshape(x.shape[0], -1)}. */
  public static Tensor flatten(Tensor x) {
    checkFlattenable(x);
    return Tracer.op(Op.FLATTEN, Ops.flatten(x), new long[0], x);
  }

  public static QuantTensor flatten(QuantTensor x) {
    checkFlattenable(x);
    if (!x.perTensor()) {
      throw new IllegalArgumentException(
          "flatten of a per-channel QuantTensor loses its channel axis");
    }
    return Tracer.op(Op.FLATTEN, x.withValue(Ops.flatten(x)), new long[0], x);
  }

  public static Tensor reshape(Tensor x, long... shape) {
    return Tracer.op(Op.RESHAPE, Ops.reshape(x, shape), shape, x);
  }

  /** Elementwise sum of two tensors of the same shape (a residual connection). */
  public static Tensor add(Tensor a, Tensor b) {
    if (!java.util.Arrays.equals(a.shape(), b.shape())) {
      throw new LayerShapeException(
          "add", "two tensors of shape " + java.util.Arrays.toString(a.shape()), b.shape());
    }
    return Tracer.op(Op.ADD, Ops.add(a, b), new long[0], a, b);
  }

  /**
   * Nearest-neighbour upsampling of NCHW {@code x} by an integer factor (PyTorch's {@code
   * interpolate(scale_factor=f, mode='nearest')}, Brevitas' {@code QuantUpsamplingNearest2d}).
   */
  public static Tensor upsampleNearest(Tensor x, int scaleFactor) {
    checkUpsample(x, scaleFactor);
    return upsampleNearest(x, (int) x.size(2) * scaleFactor, (int) x.size(3) * scaleFactor);
  }

  /**
   * As {@link #upsampleNearest(Tensor, int)}; the QuantTensor keeps its scale, zero point and bit
   * width.
   */
  public static QuantTensor upsampleNearest(QuantTensor x, int scaleFactor) {
    checkUpsample(x, scaleFactor);
    return upsampleNearest(x, (int) x.size(2) * scaleFactor, (int) x.size(3) * scaleFactor);
  }

  /** Nearest-neighbour resizing to {@code height x width} (PyTorch's {@code size=(h, w)}). */
  public static Tensor upsampleNearest(Tensor x, int height, int width) {
    checkUpsample(x, Math.min(height, width));
    return Tracer.op(
        Op.UPSAMPLE_NEAREST, Ops.upsampleNearest(x, height, width), new long[] {height, width}, x);
  }

  public static QuantTensor upsampleNearest(QuantTensor x, int height, int width) {
    checkUpsample(x, Math.min(height, width));
    return Tracer.op(
        Op.UPSAMPLE_NEAREST,
        x.withValue(Ops.upsampleNearest(x, height, width)),
        new long[] {height, width},
        x);
  }

  /**
   * Concatenation of float tensors along the channels (dimension 1), as {@code torch.cat(xs, 1)}.
   */
  public static Tensor cat(Tensor... parts) {
    if (parts.length == 0) {
      throw new IllegalArgumentException("cat of no tensors");
    }
    try {
      return Tracer.op(Op.CAT, Ops.cat(java.util.List.of(parts)), new long[0], parts);
    } catch (IllegalArgumentException e) {
      throw new LayerShapeException(
          "cat",
          "tensors equal in every dimension but 1, the first "
              + java.util.Arrays.toString(parts[0].shape()),
          parts[parts.length - 1].shape());
    }
  }

  private static void checkUpsample(Tensor x, int size) {
    if (x.rank() != 4) {
      throw new LayerShapeException("upsampleNearest", "a 4-d input [N, C, H, W]", x.shape());
    }
    Shapes.checkNotEmpty("upsampleNearest", x);
    if (size < 1) {
      throw new IllegalArgumentException(
          "upsampleNearest: scale factor and size must be at least 1, got " + size);
    }
  }

  private static Tensor maxPoolValue(Tensor x, int kernelSize, int stride, int padding) {
    Shapes.checkPoolInput("maxPool2d", x, kernelSize, stride, padding);
    return Ops.maxPool2d(
        x,
        new int[] {kernelSize, kernelSize},
        new int[] {stride, stride},
        new int[] {padding, padding});
  }

  private static void checkFlattenable(Tensor x) {
    if (x.rank() < 1) {
      throw new LayerShapeException(
          "flatten", "an input with a batch dimension [N, ...]", x.shape());
    }
  }
}
