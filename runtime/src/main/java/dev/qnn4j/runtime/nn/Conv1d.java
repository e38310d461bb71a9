package dev.qnn4j.runtime.nn;

import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.autograd.Ops;

/**
 * A float 1-d convolution (PyTorch's {@code nn.Conv1d}) on {@code [N, C, L]}, weight {@code [out,
 * in/groups, k]}; {@link QuantConv1d} adds quantizers. It runs as a 2-d convolution of height 1
 * (same arithmetic, same summation order).
 */
public class Conv1d extends WeightLayer {
  private final Conv2dOptions options;

  /**
   * {@code options}: a 2-d geometry of kernel height 1, stride/dilation 1 and padding 0 along H.
   */
  public Conv1d(
      String name,
      int inChannels,
      int outChannels,
      int kernelSize,
      int stride,
      int padding,
      int dilation,
      int groups,
      boolean bias) {
    this(
        name,
        new Conv2dOptions(
            inChannels,
            outChannels,
            1,
            kernelSize,
            1,
            stride,
            0,
            padding,
            1,
            dilation,
            groups,
            bias));
  }

  private Conv1d(String name, Conv2dOptions o) {
    super(
        name,
        new long[] {o.outChannels(), o.inChannels() / o.groups(), o.kernelWidth()},
        o.bias() ? o.outChannels() : 0,
        o.fanIn());
    this.options = o;
  }

  /** The geometry as the equivalent 2-d convolution of kernel height 1. */
  public Conv2dOptions asConv2d() {
    return options;
  }

  public int kernelSize() {
    return options.kernelWidth();
  }

  /** Output length for input length {@code l}. */
  public int outputLength(long l) {
    return options.outputSize(1, l)[1];
  }

  @Override
  protected int outputChannelAxis() {
    return 1;
  }

  @Override
  protected void checkInput(Tensor x) {
    long[] s = x.shape();
    if (s.length != 3 || s[1] != options.inChannels()) {
      throw new LayerShapeException(
          name(),
          "[N, " + options.inChannels() + ", L] (in_channels = " + options.inChannels() + ")",
          s);
    }
    Shapes.checkNotEmpty(name(), x);
    if (outputLength(s[2]) < 1) {
      throw new LayerShapeException(
          name(), "an input of at least the kernel's extent " + kernelSize() + " after padding", s);
    }
  }

  @Override
  public Tensor compute(Tensor input, Tensor weight, Tensor bias) {
    long[] s = input.shape();
    Tensor x4 = Ops.reshape(input, s[0], s[1], 1, s[2]);
    long[] ws = weight.shape();
    Tensor w4 = Ops.reshape(weight, ws[0], ws[1], 1, ws[2]);
    Tensor y =
        Ops.conv2d(
            x4,
            w4,
            bias,
            options.stride(),
            options.padding(),
            options.dilation(),
            options.groups());
    long[] ys = y.shape();
    return Ops.reshape(y, ys[0], ys[1], ys[3]);
  }

  @Override
  public String describe() {
    Conv2dOptions o = options;
    return getClass().getSimpleName()
        + "("
        + o.inChannels()
        + ", "
        + o.outChannels()
        + ", kernel_size=("
        + o.kernelWidth()
        + ",), stride=("
        + o.strideW()
        + ",)"
        + (o.padW() != 0 ? ", padding=(" + o.padW() + ",)" : "")
        + (o.dilationW() != 1 ? ", dilation=(" + o.dilationW() + ",)" : "")
        + (o.groups() != 1 ? ", groups=" + o.groups() : "")
        + (o.bias() ? "" : ", bias=False")
        + quantDescription()
        + ")";
  }
}
