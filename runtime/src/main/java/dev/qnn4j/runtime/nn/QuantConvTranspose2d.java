package dev.qnn4j.runtime.nn;

import dev.qnn4j.runtime.Parameter;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.quant.ActQuantConfig;
import dev.qnn4j.runtime.quant.BiasQuantConfig;
import dev.qnn4j.runtime.quant.WeightQuantConfig;
import java.util.List;

/**
 * A 2-d transposed convolution with quantized weights (Brevitas' {@code QuantConvTranspose2d}): the
 * float {@link ConvTranspose2d} with a weight quantizer (required) and bias, input and output
 * quantizers (optional, null = float bias / no quantization).
 */
public class QuantConvTranspose2d extends ConvTranspose2d implements QuantWeightLayer {
  private final WeightLayerQuantizers quantizers;

  public QuantConvTranspose2d(
      String name,
      int inChannels,
      int outChannels,
      int kernelSize,
      int stride,
      int padding,
      int outputPadding,
      int dilation,
      int groups,
      boolean bias,
      WeightQuantConfig weightQuant,
      BiasQuantConfig biasQuant,
      ActQuantConfig inputQuant,
      ActQuantConfig outputQuant,
      boolean returnQuantTensor) {
    super(
        name,
        inChannels,
        outChannels,
        kernelSize,
        stride,
        padding,
        outputPadding,
        dilation,
        groups,
        bias);
    if (weightQuant != null && weightQuant.perChannel()) {
      // Brevitas scales a transposed convolution's weight along its axis 1 (output channels);
      // qnn4j's
      // weight quantizer scales along axis 0, so per-channel would scale the wrong axis.
      throw new IllegalArgumentException(
          name
              + ": per-channel weight scales are not supported for"
              + " QuantConvTranspose2d; use a per-tensor weight quantizer");
    }
    this.quantizers =
        new WeightLayerQuantizers(
            this, weightQuant, biasQuant, inputQuant, outputQuant, returnQuantTensor);
  }

  /** A builder naming the quantizers, with a bias unless {@code withoutBias()}. */
  public static WeightLayerBuilder<QuantConvTranspose2d> builder(
      String name,
      int inChannels,
      int outChannels,
      int kernelSize,
      int stride,
      int padding,
      int outputPadding,
      int dilation,
      int groups) {
    return new WeightLayerBuilder<>(
        name,
        (bias, weightQuant, biasQuant, inputQuant, outputQuant, returnQuantTensor) ->
            new QuantConvTranspose2d(
                name,
                inChannels,
                outChannels,
                kernelSize,
                stride,
                padding,
                outputPadding,
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
