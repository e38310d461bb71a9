package dev.qnn4j.runtime.quant;

import dev.qnn4j.runtime.QuantTensor;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.autograd.Ops;
import dev.qnn4j.runtime.kernels.FakeQuant;

/**
 * Fake-quantizes a bias with scale = input scale x weight scale, as Brevitas' {@code IntBias}
 * quantizers ({@code PrescaledRestrictIntQuant} with {@code TensorClamp}). Gradients reach the bias
 * (straight-through round) and the scale, and through it the quantizers that produced it.
 */
public final class BiasQuantizer {
  private final BiasQuantConfig config;
  private final IntRange range;
  private boolean enabled = true;
  // The compiled step's scale gradient, reused from step to step.
  private float[] stepScaleGrad = new float[0];

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

  // ---------------------------------------------------------------- compiled steps

  /**
   * For compiled steps: {@link #scale} and {@link #quantize} on plain arrays. The bias scale {@code
   * scale[c] = weightScale[c] * inputScale} (one value per tensor, or per output channel), then the
   * fake-quantized bias into {@code bq}, with the tape's arithmetic ({@code Ops.mul}, then {@link
   * FakeQuant#forward} over the signed full range).
   */
  public void quantizeInto(
      float[] bias, float[] weightScale, float inputScale, float[] scale, float[] bq) {
    for (int c = 0; c < weightScale.length; c++) {
      scale[c] = weightScale[c] * inputScale;
    }
    FakeQuant.forward(bias, scale, 1, 0f, (float) range.min(), (float) range.max(), bq);
  }

  /**
   * For compiled steps: the gradients of {@link #quantizeInto} for the quantized bias' gradient
   * {@code gbq}: the bias' into {@code gb} (overwritten; gradients stop where the integer clamps,
   * Brevitas' {@code TensorClamp}), the weight scale's into {@code gWeightScale} (overwritten) and
   * the input scale's, returned; the products and the sum over channels as {@code Ops.mul}'s
   * backward computes them.
   */
  public float backwardInto(
      float[] bias,
      float[] scale,
      float[] weightScale,
      float inputScale,
      float[] gbq,
      float[] gb,
      float[] gWeightScale) {
    if (stepScaleGrad.length != scale.length) {
      stepScaleGrad = new float[scale.length];
    }
    float[] gs = stepScaleGrad;
    FakeQuant.backward(
        bias, scale, 1, 0f, (float) range.min(), (float) range.max(), gbq, false, gb, gs);
    for (int c = 0; c < gs.length; c++) {
      gWeightScale[c] = gs[c] * inputScale;
    }
    if (gs.length == 1) {
      return gs[0] * weightScale[0];
    }
    // A per-tensor input scale broadcast over the channels: its gradient is summed in double.
    double sum = 0;
    for (int c = 0; c < gs.length; c++) {
      sum += gs[c] * weightScale[c];
    }
    return (float) sum;
  }
}
