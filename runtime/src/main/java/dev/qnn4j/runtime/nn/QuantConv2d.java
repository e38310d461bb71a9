package dev.qnn4j.runtime.nn;

import dev.qnn4j.runtime.Parameter;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.quant.ActQuantConfig;
import dev.qnn4j.runtime.quant.BiasQuantConfig;
import dev.qnn4j.runtime.quant.WeightQuantConfig;
import java.util.List;

/**
 * A 2-d convolution with quantized weights (Brevitas' {@code QuantConv2d}): the float {@link
 * Conv2d} with a weight quantizer (required) and bias, input and output quantizers (optional, null
 * = float bias / no quantization).
 */
public class QuantConv2d extends Conv2d implements QuantWeightLayer {
  private final WeightLayerQuantizers quantizers;

  public QuantConv2d(
      String name,
      Conv2dOptions options,
      WeightQuantConfig weightQuant,
      BiasQuantConfig biasQuant,
      ActQuantConfig inputQuant,
      ActQuantConfig outputQuant,
      boolean returnQuantTensor) {
    super(name, options);
    this.quantizers =
        new WeightLayerQuantizers(
            this, weightQuant, biasQuant, inputQuant, outputQuant, returnQuantTensor);
  }

  /** Brevitas' defaults: weight quantization only, at {@code bitWidth}. */
  public QuantConv2d(String name, Conv2dOptions options, int weightBitWidth) {
    this(name, options, WeightQuantConfig.perTensorFloat(weightBitWidth), null, null, null, false);
  }

  /**
   * A builder naming the quantizers; {@code withoutBias()} there overrides {@code options.bias()}.
   */
  public static WeightLayerBuilder<QuantConv2d> builder(String name, Conv2dOptions options) {
    return new WeightLayerBuilder<>(
        name,
        (bias, weightQuant, biasQuant, inputQuant, outputQuant, returnQuantTensor) ->
            new QuantConv2d(
                name,
                bias ? options : options.withBias(false),
                weightQuant,
                biasQuant,
                inputQuant,
                outputQuant,
                returnQuantTensor));
  }

  @Override
  public WeightLayerQuantizers quantizers() {
    return quantizers;
  }

  @Override
  public List<Parameter> parameters() {
    return quantizers.parameters(super.parameters());
  }

  @Override
  public void zeroGrad() {
    super.zeroGrad();
    quantizers.zeroGrad();
  }

  @Override
  public void setCalibration(boolean on) {
    quantizers.setCalibration(on);
  }

  @Override
  protected Tensor forwardUntraced(Tensor x) {
    return quantizers.forward(x);
  }

  @Override
  protected String quantDescription() {
    return quantizers.describe();
  }
}
