package dev.qnn4j.runtime.nn;

import dev.qnn4j.runtime.Parameter;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.quant.ActQuantConfig;
import dev.qnn4j.runtime.quant.BiasQuantConfig;
import dev.qnn4j.runtime.quant.WeightQuantConfig;
import java.util.List;

/**
 * A 1-d convolution with quantized weights (Brevitas' {@code QuantConv1d}): the float {@link
 * Conv1d} with a weight quantizer (required) and bias, input and output quantizers (optional, null
 * = float bias / no quantization).
 */
public class QuantConv1d extends Conv1d implements QuantWeightLayer {
  private final WeightLayerQuantizers quantizers;

  public QuantConv1d(
      String name,
      int inChannels,
      int outChannels,
      int kernelSize,
      int stride,
      int padding,
      int dilation,
      int groups,
      boolean bias,
      WeightQuantConfig weightQuant,
      BiasQuantConfig biasQuant,
      ActQuantConfig inputQuant,
      ActQuantConfig outputQuant,
      boolean returnQuantTensor) {
    super(name, inChannels, outChannels, kernelSize, stride, padding, dilation, groups, bias);
    this.quantizers =
        new WeightLayerQuantizers(
            this, weightQuant, biasQuant, inputQuant, outputQuant, returnQuantTensor);
  }

  /** A builder naming the quantizers, with a bias unless {@code withoutBias()}. */
  public static WeightLayerBuilder<QuantConv1d> builder(
      String name,
      int inChannels,
      int outChannels,
      int kernelSize,
      int stride,
      int padding,
      int dilation,
      int groups) {
    return new WeightLayerBuilder<>(
        name,
        (bias, weightQuant, biasQuant, inputQuant, outputQuant, returnQuantTensor) ->
            new QuantConv1d(
                name,
                inChannels,
                outChannels,
                kernelSize,
                stride,
                padding,
                dilation,
                groups,
                bias,
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
