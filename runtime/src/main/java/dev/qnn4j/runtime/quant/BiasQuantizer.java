package dev.qnn4j.runtime.quant;

import dev.qnn4j.runtime.QuantTensor;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.autograd.Ops;

/**
 * Fake-quantizes a bias with scale = input scale x weight scale, as Brevitas' {@code IntBias}
 * quantizers ({@code PrescaledRestrictIntQuant} with {@code TensorClamp}). Gradients reach the bias
 * (straight-through round) and the scale, and through it the quantizers that produced it.
 */
public final class BiasQuantizer {
  private final BiasQuantConfig config;
  private final IntRange range;
  private boolean enabled = true;

  public BiasQuantizer(BiasQuantConfig config) {
    this.config = config;
    this.range = config.range();
  }

  public BiasQuantConfig config() {
    return config;
  }

  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  public boolean enabled() {
    return enabled;
  }

  /** The scale a bias gets from its layer's quantized input and weight: 0-d or {@code [out]}. */
  public static Tensor scale(QuantTensor input, QuantTensor weight) {
    if (!input.perTensor()) {
      throw new IllegalArgumentException("bias quantization needs a per-tensor input scale");
    }
    return Ops.mul(weight.scale(), input.scale());
  }

  public QuantTensor quantize(Tensor bias, Tensor scale) {
    Tensor value =
        Ops.fakeQuant(bias, scale, 0f, (float) range.min(), (float) range.max(), false, 0);
    return new QuantTensor(value, scale, 0f, config.bitWidth(), true, 0);
  }
}
