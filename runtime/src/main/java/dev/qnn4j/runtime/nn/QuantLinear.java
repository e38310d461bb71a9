package dev.qnn4j.runtime.nn;

import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.autograd.Ops;
import dev.qnn4j.runtime.quant.ActQuantConfig;
import dev.qnn4j.runtime.quant.BiasQuantConfig;
import dev.qnn4j.runtime.quant.WeightQuantConfig;

/** A fully connected layer {@code y = x W^T + b} with quantized weights (Brevitas' {@code QuantLinear}). */
public class QuantLinear extends WeightLayer {
  private final int inFeatures;
  private final int outFeatures;
  private final boolean hasBias;

  public QuantLinear(
      String name, int inFeatures, int outFeatures, boolean bias, WeightQuantConfig weightQuant,
      BiasQuantConfig biasQuant, ActQuantConfig inputQuant, ActQuantConfig outputQuant,
      boolean returnQuantTensor) {
    super(name, new long[] {outFeatures, inFeatures}, bias ? outFeatures : 0, inFeatures, weightQuant, biasQuant,
        inputQuant, outputQuant, returnQuantTensor);
    if (inFeatures < 1 || outFeatures < 1) {
      throw new IllegalArgumentException(name + ": features must be positive");
    }
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.hasBias = bias;
  }

  /** Brevitas' defaults: weight quantization only, at {@code bitWidth}. */
  public QuantLinear(String name, int inFeatures, int outFeatures, int weightBitWidth) {
    this(name, inFeatures, outFeatures, true, WeightQuantConfig.perTensorFloat(weightBitWidth), null, null,
        null, false);
  }

  /** A builder naming the quantizers, with a bias unless {@code withoutBias()}. */
  public static WeightLayerBuilder<QuantLinear> builder(String name, int inFeatures, int outFeatures) {
    return new WeightLayerBuilder<>(name, (bias, weightQuant, biasQuant, inputQuant, outputQuant, returnQuantTensor)
        -> new QuantLinear(name, inFeatures, outFeatures, bias, weightQuant, biasQuant, inputQuant, outputQuant,
            returnQuantTensor));
  }

  public int inFeatures() {
    return inFeatures;
  }

  public int outFeatures() {
    return outFeatures;
  }

  @Override
  protected int outputChannelAxis() {
    return 1;
  }

  @Override
  protected void checkInput(Tensor x) {
    Shapes.checkLinearInput(name(), x, inFeatures);
  }

  @Override
  protected Tensor compute(Tensor input, Tensor weight, Tensor bias) {
    return Ops.linear(input, weight, bias);
  }

  @Override
  public String describe() {
    return getClass().getSimpleName() + "(in_features=" + inFeatures + ", out_features=" + outFeatures
        + ", bias=" + (hasBias ? "True" : "False") + quantDescription() + ")";
  }
}
