package dev.qnn4j.processor.model;

/**
 * The sizes a layer annotation declares, by kind of layer; what the shape checks and the generator
 * read.
 */
public sealed interface Geometry {
  /** Layers without sizes of their own (activations, the element-wise add). */
  Geometry NONE = new None();

  record None() implements Geometry {}

  /** {@code @Conv2d}, {@code @QuantConv2d}: a square kernel, PyTorch's meaning of each field. */
  record Conv(
      int inChannels,
      int outChannels,
      int kernelSize,
      int stride,
      int padding,
      int dilation,
      int groups,
      boolean bias)
      implements Geometry {
    /** Inputs summed per output: {@code inChannels / groups * kernelSize^2}. */
    public long fanIn() {
      return (long) (inChannels / Math.max(1, groups)) * kernelSize * kernelSize;
    }

    /** The same for a 1-d kernel: {@code inChannels / groups * kernelSize}. */
    public long fanIn1d() {
      return (long) (inChannels / Math.max(1, groups)) * kernelSize;
    }
  }

  /** {@code @QuantConvTranspose2d}: a square kernel, PyTorch's meaning of each field. */
  record ConvTranspose(
      int inChannels,
      int outChannels,
      int kernelSize,
      int stride,
      int padding,
      int outputPadding,
      int dilation,
      int groups,
      boolean bias)
      implements Geometry {
    /**
     * Products per output as Brevitas counts them: {@code max(ceil(k / stride), 1)^2 * inChannels /
     * groups}.
     */
    public long fanIn() {
      long perDim = Math.max((kernelSize + Math.max(1, stride) - 1) / Math.max(1, stride), 1);
      return perDim * perDim * (inChannels / Math.max(1, groups));
    }
  }

  /** {@code @Linear}, {@code @QuantLinear}. */
  record Dense(int inFeatures, int outFeatures, boolean bias) implements Geometry {}

  /** {@code @QuantMaxPool2d}; a stride of 0 means the kernel size, as in PyTorch. */
  record Pool(int kernelSize, int stride, int padding) implements Geometry {
    public int effectiveStride() {
      return stride == 0 ? kernelSize : stride;
    }
  }

  /** {@code @BatchNorm2d}, {@code @BatchNorm1d}; {@code @TensorNorm} has one feature. */
  record BatchNorm(int numFeatures, double eps, double momentum) implements Geometry {}

  /**
   * {@code @TruncAvgPool2d} (a kernel, stride 0 = kernel) and {@code @TruncAdaptiveAvgPool2d} (an
   * output size, kernel 0); {@code floor} for {@code TruncTo8bit}.
   */
  record Trunc(int kernelSize, int stride, int outputSize, int bitWidth, boolean floor)
      implements Geometry {
    public int effectiveStride() {
      return stride == 0 ? kernelSize : stride;
    }
  }

  /** {@code @AdaptiveAvgPool2d}. */
  record Adaptive(int outputSize) implements Geometry {}

  /** {@code @QuantUpsample}: a factor, or (factor 0) a size. */
  record Upsample(int scaleFactor, int height, int width) implements Geometry {}

  /** {@code @Dropout}: the probability of zeroing an element. */
  record Dropout(double p) implements Geometry {}
}
