package dev.qnn4j.runtime.quant;

import dev.qnn4j.runtime.QuantTensor;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.autograd.Ops;

/**
 * Fake-quantizes a weight tensor {@code [out, ...]} as Brevitas' {@code StatsFromParameterScaling}
 * with AbsMax statistics does: {@code scale = max(absmax(w) / threshold, 1e-10)} (per tensor, or
 * per output channel), recomputed at every call so gradients reach the weights through the
 * statistic too; round half to even with a straight-through gradient, clamp with
 * straight-through gradient (Brevitas' {@code TensorClampSte}: weight gradients pass unchanged).
 * A constant scale ({@link ScalingImpl#CONST}, bnn_pynq's {@code CommonWeightQuant}) is fixed:
 * integers clamp with the same straight-through gradient; at one bit the quantizer is binary,
 * {@code sign(w) * scale} with sign(0) = +1 and a straight-through sign.
 */
public final class WeightQuantizer {
  private final WeightQuantConfig config;
  private final IntRange range;
  private boolean enabled = true;

  public WeightQuantizer(WeightQuantConfig config) {
    this.config = config;
    this.range = config.range();
  }

  public WeightQuantConfig config() {
    return config;
  }

  /** Calibration turns weight quantization off, as Brevitas' {@code calibration_mode}. */
  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  public boolean enabled() {
    return enabled;
  }

  /** The scale for {@code weight}: 0-d per tensor, {@code [out]} per channel. */
  public Tensor scale(Tensor weight) {
    if (config.scaling() == ScalingImpl.CONST) {
      // A binary quantizer has no integer threshold: its scale is the constant itself.
      float threshold = config.binary() ? 1f : range.threshold();
      return Tensor.scalar(ScaleFunctions.constant(config.scalingConst(), threshold, config.restriction()));
    }
    Tensor stats = config.perChannel() ? Ops.absMaxPerChannel(weight) : Ops.absMax(weight);
    return ScaleFunctions.restrictAndClamp(stats, range.threshold(), config.restriction(),
        WeightQuantConfig.SCALING_MIN_VAL);
  }

  /** The fake-quantized weight, or the weight itself while quantization is disabled. */
  public Tensor apply(Tensor weight) {
    if (!enabled) {
      return weight;
    }
    return quantize(weight);
  }

  /** The fake-quantized weight with its scale, regardless of the enabled flag. */
  public QuantTensor quantize(Tensor weight) {
    Tensor scale = scale(weight);
    if (config.binary()) {
      return new QuantTensor(Ops.binarySign(weight, scale), scale, 0f, 1, true, 0);
    }
    Tensor value = Ops.fakeQuant(weight, scale, 0f, (float) range.min(), (float) range.max(), true, 0);
    return new QuantTensor(value, scale, 0f, config.bitWidth(), true, 0);
  }
}
