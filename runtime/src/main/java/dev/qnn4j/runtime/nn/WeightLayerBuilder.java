package dev.qnn4j.runtime.nn;

import dev.qnn4j.runtime.quant.ActQuantConfig;
import dev.qnn4j.runtime.quant.BiasQuantConfig;
import dev.qnn4j.runtime.quant.WeightQuantConfig;

/**
 * Builds a layer with quantized weights ({@link QuantConv2d#builder}, {@link QuantLinear#builder})
 * by naming its quantizers, as Brevitas' keyword arguments do: the weight quantizer is required; a
 * bias, input or output quantizer only when set (otherwise a float bias, no quantization); a bias
 * unless {@link #withoutBias}; a plain {@code Tensor} output unless {@link #returnQuantTensor}.
 *
 * @param <L> the layer built
 */
public final class WeightLayerBuilder<L extends WeightLayer> {
  /** Makes the layer once its configuration is complete. */
  @FunctionalInterface
  interface Factory<L> {
    L create(
        boolean bias,
        WeightQuantConfig weightQuant,
        BiasQuantConfig biasQuant,
        ActQuantConfig inputQuant,
        ActQuantConfig outputQuant,
        boolean returnQuantTensor);
  }

  private final String name;
  private final Factory<L> factory;
  private boolean bias = true;
  private WeightQuantConfig weightQuant;
  private BiasQuantConfig biasQuant;
  private ActQuantConfig inputQuant;
  private ActQuantConfig outputQuant;
  private boolean returnQuantTensor;

  WeightLayerBuilder(String name, Factory<L> factory) {
    this.name = name;
    this.factory = factory;
  }

  public WeightLayerBuilder<L> weightQuant(WeightQuantConfig config) {
    this.weightQuant = config;
    return this;
  }

  public WeightLayerBuilder<L> biasQuant(BiasQuantConfig config) {
    this.biasQuant = config;
    return this;
  }

  public WeightLayerBuilder<L> inputQuant(ActQuantConfig config) {
    this.inputQuant = config;
    return this;
  }

  public WeightLayerBuilder<L> outputQuant(ActQuantConfig config) {
    this.outputQuant = config;
    return this;
  }

  /** The layer has no bias (PyTorch's {@code bias=False}). */
  public WeightLayerBuilder<L> withoutBias() {
    this.bias = false;
    return this;
  }

  /** The layer returns a {@code QuantTensor} (Brevitas' {@code return_quant_tensor=True}). */
  public WeightLayerBuilder<L> returnQuantTensor() {
    this.returnQuantTensor = true;
    return this;
  }

  public L build() {
    if (weightQuant == null) {
      throw new IllegalStateException(
          name + ": a layer with quantized weights needs a weight quantizer");
    }
    return factory.create(bias, weightQuant, biasQuant, inputQuant, outputQuant, returnQuantTensor);
  }
}
