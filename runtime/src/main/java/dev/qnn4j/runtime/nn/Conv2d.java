package dev.qnn4j.runtime.nn;

import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.autograd.Ops;

/** A float 2-d convolution (PyTorch's {@code nn.Conv2d}); {@link QuantConv2d} adds quantizers. */
public class Conv2d extends WeightLayer {
  private final Conv2dOptions options;

  public Conv2d(String name, Conv2dOptions options) {
    super(name, options.weightShape(), options.bias() ? options.outChannels() : 0, options.fanIn());
    this.options = options;
  }

  public Conv2dOptions options() {
    return options;
  }

  @Override
  protected int outputChannelAxis() {
    return 1;
  }

  @Override
  protected void checkInput(Tensor x) {
    Shapes.checkConvInput(name(), x, options);
  }

  @Override
  public Tensor compute(Tensor input, Tensor weight, Tensor bias) {
    return Ops.conv2d(
        input,
        weight,
        bias,
        options.stride(),
        options.padding(),
        options.dilation(),
        options.groups());
  }

  @Override
  public String describe() {
    return getClass().getSimpleName() + "(" + options + quantDescription() + ")";
  }
}
