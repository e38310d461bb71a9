package dev.qnn4j.runtime.nn;

import dev.qnn4j.runtime.Parameter;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.quant.ActQuantConfig;
import dev.qnn4j.runtime.quant.BiasQuantConfig;
import dev.qnn4j.runtime.quant.WeightQuantConfig;
import java.util.List;

/**
 * A fully connected layer with quantized weights (Brevitas' {@code QuantLinear}): the float {@link
 * Linear} with a weight quantizer (required) and bias, input and output quantizers (optional).
 */
public class QuantLinear extends Linear implements QuantWeightLayer {
  private final WeightLayerQuantizers quantizers;

  public QuantLinear(
      String name,
      int inFeatures,
      int outFeatures,
      boolean bias,
      WeightQuantConfig weightQuant,
      BiasQuantConfig biasQuant,
      ActQuantConfig inputQuant,
      ActQuantConfig outputQuant,
      boolean returnQuantTensor) {
    super(name, inFeatures, outFeatures, bias);
    this.quantizers =
        new WeightLayerQuantizers(
            this, weightQuant, biasQuant, inputQuant, outputQuant, returnQuantTensor);
  }

  /** Brevitas' defaults: weight quantization only, at {@code bitWidth}. */
  public QuantLinear(String name, int inFeatures, int outFeatures, int weightBitWidth) {
    this(
        name,
        inFeatures,
        outFeatures,
        true,
        WeightQuantConfig.perTensorFloat(weightBitWidth),
        null,
        null,
        null,
        false);
  }

  /** A builder naming the quantizers, with a bias unless {@code withoutBias()}. */
  public static WeightLayerBuilder<QuantLinear> builder(
      String name, int inFeatures, int outFeatures) {
    return new WeightLayerBuilder<>(
        name,
        (bias, weightQuant, biasQuant, inputQuant, outputQuant, returnQuantTensor) ->
            new QuantLinear(
                name,
                inFeatures,
                outFeatures,
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
