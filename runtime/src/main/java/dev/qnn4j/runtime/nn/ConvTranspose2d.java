package dev.qnn4j.runtime.nn;

import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.autograd.Ops;

/**
 * A float 2-d transposed convolution (PyTorch's {@code nn.ConvTranspose2d}, square kernel, zero
 * padding mode): weight {@code [in, out/groups, k, k]}, output size {@code (in - 1) * stride - 2 *
 * padding + dilation * (k - 1) + outputPadding + 1}. {@link QuantConvTranspose2d} adds quantizers.
 */
public class ConvTranspose2d extends WeightLayer {
  private final int inChannels;
  private final int outChannels;
  private final int kernelSize;
  private final int stride;
  private final int padding;
  private final int outputPadding;
  private final int dilation;
  private final int groups;

  public ConvTranspose2d(
      String name,
      int inChannels,
      int outChannels,
      int kernelSize,
      int stride,
      int padding,
      int outputPadding,
      int dilation,
      int groups,
      boolean bias) {
    super(
        name,
        checkedShape(
            name,
            inChannels,
            outChannels,
            kernelSize,
            stride,
            padding,
            outputPadding,
            dilation,
            groups),
        bias ? outChannels : 0,
        outChannels / groups * kernelSize * kernelSize);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = kernelSize;
    this.stride = stride;
    this.padding = padding;
    this.outputPadding = outputPadding;
    this.dilation = dilation;
    this.groups = groups;
  }

  private static long[] checkedShape(
      String name,
      int in,
      int out,
      int k,
      int stride,
      int padding,
      int outputPadding,
      int dilation,
      int groups) {
    if (in < 1
        || out < 1
        || k < 1
        || stride < 1
        || dilation < 1
        || padding < 0
        || groups < 1
        || in % groups != 0
        || out % groups != 0) {
      throw new IllegalArgumentException(
          name
              + ": channels, kernel, stride, dilation and groups must be positive,"
              + " padding non-negative, and groups must divide both channel counts");
    }
    if (outputPadding < 0 || (outputPadding >= stride && outputPadding >= dilation)) {
      throw new IllegalArgumentException(
          name
              + ": output_padding "
              + outputPadding
              + " must be smaller than the stride or the dilation (PyTorch's rule)");
    }
    return new long[] {in, out / groups, k, k};
  }

  public int inChannels() {
    return inChannels;
  }

  public int outChannels() {
    return outChannels;
  }

  public int kernelSize() {
    return kernelSize;
  }

  public int stride() {
    return stride;
  }

  public int padding() {
    return padding;
  }

  public int outputPadding() {
    return outputPadding;
  }

  public int dilation() {
    return dilation;
  }

  public int groups() {
    return groups;
  }

  /** Output height or width for an input extent {@code in}. */
  public long outputSize(long in) {
    return (in - 1) * stride
        - 2L * padding
        + (long) dilation * (kernelSize - 1)
        + outputPadding
        + 1;
  }

  /**
   * Brevitas counts {@code prod(max(ceil(k / stride), 1)) * in_channels / groups} products per
   * output of a transposed convolution (measured: 4 -> 2 channels, k 2, stride 2 gives 10 bits at
   * 4x4 bits).
   */
  @Override
  protected long accumulatorPatch() {
    long perDim = Math.max((kernelSize + stride - 1) / stride, 1);
    return perDim * perDim * (inChannels / groups);
  }

  @Override
  protected int outputChannelAxis() {
    return 1;
  }

  @Override
  protected void checkInput(Tensor x) {
    long[] s = x.shape();
    if (s.length != 4 || s[1] != inChannels) {
      throw new LayerShapeException(
          name(), "[N, " + inChannels + ", H, W] (in_channels = " + inChannels + ")", s);
    }
    Shapes.checkNotEmpty(name(), x);
    if (outputSize(s[2]) < 1 || outputSize(s[3]) < 1) {
      throw new LayerShapeException(
          name(),
          "an input whose output size (in - 1) * "
              + stride
              + " - 2 * "
              + padding
              + " + "
              + dilation
              + " * ("
              + kernelSize
              + " - 1) + "
              + outputPadding
              + " + 1 is positive",
          s);
    }
  }

  @Override
  public Tensor compute(Tensor input, Tensor weight, Tensor bias) {
    int[] pair = {stride, stride};
    return Ops.convTranspose2d(
        input,
        weight,
        bias,
        pair,
        new int[] {padding, padding},
        new int[] {outputPadding, outputPadding},
        new int[] {dilation, dilation},
        groups);
  }

  @Override
  public String describe() {
    return getClass().getSimpleName()
        + "("
        + inChannels
        + ", "
        + outChannels
        + ", kernel_size=("
        + kernelSize
        + ", "
        + kernelSize
        + "), stride=("
        + stride
        + ", "
        + stride
        + ")"
        + (padding != 0 ? ", padding=(" + padding + ", " + padding + ")" : "")
        + (outputPadding != 0
            ? ", output_padding=(" + outputPadding + ", " + outputPadding + ")"
            : "")
        + (dilation != 1 ? ", dilation=(" + dilation + ", " + dilation + ")" : "")
        + (groups != 1 ? ", groups=" + groups : "")
        + (bias == null ? ", bias=False" : "")
        + quantDescription()
        + ")";
  }
}
