package dev.qnn4j.runtime.nn;

import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.autograd.Ops;
import dev.qnn4j.runtime.quant.ActQuantConfig;
import dev.qnn4j.runtime.quant.BiasQuantConfig;
import dev.qnn4j.runtime.quant.WeightQuantConfig;

/**
 * A 2-d convolution with quantized weights (Brevitas' {@code QuantConv2d}): weight quantizer
 * required; bias, input and output quantizers optional (null = float bias / no quantization).
 */
public class QuantConv2d extends WeightLayer {
  private final Conv2dOptions options;

  public QuantConv2d(
      String name, Conv2dOptions options, WeightQuantConfig weightQuant, BiasQuantConfig biasQuant,
      ActQuantConfig inputQuant, ActQuantConfig outputQuant, boolean returnQuantTensor) {
    super(name, options.weightShape(), options.bias() ? options.outChannels() : 0, options.fanIn(), weightQuant,
        biasQuant, inputQuant, outputQuant, returnQuantTensor);
    this.options = options;
  }

  /** Brevitas' defaults: weight quantization only, at {@code bitWidth}. */
  public QuantConv2d(String name, Conv2dOptions options, int weightBitWidth) {
    this(name, options, WeightQuantConfig.perTensorFloat(weightBitWidth), null, null, null, false);
  }

  /** A builder naming the quantizers; {@code withoutBias()} there overrides {@code options.bias()}. */
  public static WeightLayerBuilder<QuantConv2d> builder(String name, Conv2dOptions options) {
    return new WeightLayerBuilder<>(name, (bias, weightQuant, biasQuant, inputQuant, outputQuant, returnQuantTensor)
        -> new QuantConv2d(name, bias ? options : options.withBias(false), weightQuant, biasQuant, inputQuant,
            outputQuant, returnQuantTensor));
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
  protected Tensor compute(Tensor input, Tensor weight, Tensor bias) {
    return Ops.conv2d(input, weight, bias, options.stride(), options.padding(), options.dilation(),
        options.groups());
  }

  @Override
  public String describe() {
    return getClass().getSimpleName() + "(" + options + quantDescription() + ")";
  }
}
