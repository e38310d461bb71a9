package dev.qnn4j.runtime.quant;

import dev.qnn4j.runtime.QuantTensor;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.autograd.Ops;
import dev.qnn4j.runtime.kernels.BinaryQuant;
import dev.qnn4j.runtime.kernels.FakeQuant;
import dev.qnn4j.runtime.kernels.Statistics;

/**
 * Fake-quantizes a weight tensor {@code [out, ...]} as Brevitas' {@code StatsFromParameterScaling}
 * with AbsMax statistics does: {@code scale = max(absmax(w) / threshold, 1e-10)} (per tensor, or
 * per output channel), recomputed at every call so gradients reach the weights through the
 * statistic too; round half to even with a straight-through gradient, clamp with straight-through
 * gradient (Brevitas' {@code TensorClampSte}: weight gradients pass unchanged). A constant scale
 * ({@link ScalingImpl#CONST}, bnn_pynq's {@code CommonWeightQuant}) is fixed: integers clamp with
 * the same straight-through gradient; at one bit the quantizer is binary, {@code sign(w) * scale}
 * with sign(0) = +1 and a straight-through sign.
 */
public final class WeightQuantizer {
  private final WeightQuantConfig config;
  private final IntRange range;
  private boolean enabled = true;

  /** The compiled step's scale gradient, reused from step to step. */
  private float[] stepScaleGrad = new float[0];

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
      return Tensor.scalar(constantScale());
    }
    Tensor stats = config.perChannel() ? Ops.absMaxPerChannel(weight) : Ops.absMax(weight);
    return ScaleFunctions.restrictAndClamp(
        stats, range.threshold(), config.restriction(), WeightQuantConfig.SCALING_MIN_VAL);
  }

  /** A {@link ScalingImpl#CONST} quantizer's scale, the same for every step and channel. */
  private float constantScale() {
    // A binary quantizer has no integer threshold: its scale is the constant itself.
    float threshold = config.binary() ? 1f : range.threshold();
    return ScaleFunctions.constant(config.scalingConst(), threshold, config.restriction());
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
    Tensor value =
        Ops.fakeQuant(weight, scale, 0f, (float) range.min(), (float) range.max(), true, 0);
    return new QuantTensor(value, scale, 0f, config.bitWidth(), true, 0);
  }

  // ---------------------------------------------------------------- compiled steps

  /**
   * For compiled steps: the scale of {@code w} (row-major, {@code channels} output channels) into
   * {@code scale} (1 value per tensor, else one per channel), its statistic into {@code stats}, and
   * the fake-quantized weight into {@code wq}, with the arithmetic of {@link #quantize}: {@code
   * max(absmax / threshold, 1e-10)} (power of two: {@code max(2^ceil(log2(absmax / threshold)),
   * 1e-10)}), then {@link FakeQuant#forward}. A constant scale ({@link ScalingImpl#CONST}) fills
   * {@code scale} with the constant and leaves {@code stats} alone; at one bit the weight becomes
   * {@code sign(w) * scale} ({@link BinaryQuant#sign}, as the tape's {@code Ops.binarySign}).
   * Statistics or constant scales.
   */
  public void quantizeInto(float[] w, int channels, float[] stats, float[] scale, float[] wq) {
    requireCompiledScale();
    if (config.scaling() == ScalingImpl.CONST) {
      java.util.Arrays.fill(scale, constantScale());
      if (config.binary()) {
        BinaryQuant.sign(w, scale[0], wq);
      } else {
        FakeQuant.forward(
            w, scale, inner(w, scale), 0f, (float) range.min(), (float) range.max(), wq);
      }
      return;
    }
    if (config.perChannel()) {
      Statistics.absMaxPerRow(w, channels, stats);
    } else {
      stats[0] = Statistics.absMax(w);
    }
    float threshold = range.threshold();
    boolean pow2 = config.restriction() == ScaleRestriction.POWER_OF_TWO;
    for (int c = 0; c < stats.length; c++) {
      // Ops.div (or the power-of-two chain) then Ops.clampMinSte, as restrictAndClamp computes
      // them.
      float restricted =
          pow2 ? ScaleFunctions.powerOfTwoScale(stats[c], threshold) : stats[c] / threshold;
      scale[c] = Math.max(restricted, WeightQuantConfig.SCALING_MIN_VAL);
    }
    FakeQuant.forward(w, scale, inner(w, scale), 0f, (float) range.min(), (float) range.max(), wq);
  }

  /**
   * For compiled steps: the weight gradient {@code gw} (overwritten) from the quantized weight's
   * gradient {@code gwq}: the straight-through part of {@link FakeQuant#backward} plus the part
   * through the scale (clamp straight through, division by the threshold, the statistic's
   * gradient), as the tape sums them.
   */
  public void backwardInto(float[] w, float[] stats, float[] scale, float[] gwq, float[] gw) {
    backward(w, stats, scale, gwq, null, gw);
  }

  /**
   * {@link #backwardInto(float[], float[], float[], float[], float[])} for a weight whose scale
   * also feeds a bias quantizer: {@code gScaleFromBias} (one value per scale entry) is added to the
   * scale's gradient before it reaches the statistic, as the tape sums the two.
   */
  public void backwardInto(
      float[] w, float[] stats, float[] scale, float[] gwq, float[] gScaleFromBias, float[] gw) {
    backward(w, stats, scale, gwq, gScaleFromBias, gw);
  }

  private void backward(
      float[] w, float[] stats, float[] scale, float[] gwq, float[] gScaleFromBias, float[] gw) {
    if (!enabled) {
      // Calibration computes forward only; its weights were not quantized by this step.
      throw new IllegalStateException(
          "a compiled step has no backward pass while weight quantization is off (calibration)");
    }
    if (config.binary()) {
      // The straight-through sign; its constant scale passes no gradient on.
      BinaryQuant.signBackward(gwq, scale[0], gw);
      return;
    }
    float[] gScale = scaleGradient(w, scale, gwq, gw);
    if (config.scaling() == ScalingImpl.CONST) {
      return; // a constant scale passes no gradient on, nor does a bias quantizer's use of it
    }
    for (int c = 0; c < gScale.length; c++) {
      // Without a bias quantizer the scale's own gradient, not a sum with zero (which would turn
      // -0 into +0), as on the tape.
      float g = gScaleFromBias == null ? gScale[c] : gScale[c] + gScaleFromBias[c];
      gScale[c] = throughRestriction(stats[c], g);
    }
    statisticBackward(w, stats, gScale, gw);
  }

  /**
   * The fake quantization's gradients: the weight's into {@code gw}, the scale's returned in a
   * buffer this quantizer reuses from step to step.
   */
  private float[] scaleGradient(float[] w, float[] scale, float[] gwq, float[] gw) {
    if (stepScaleGrad.length != scale.length) {
      stepScaleGrad = new float[scale.length];
    }
    FakeQuant.backward(
        w,
        scale,
        inner(w, scale),
        0f,
        (float) range.min(),
        (float) range.max(),
        gwq,
        true,
        gw,
        stepScaleGrad);
    return stepScaleGrad;
  }

  /**
   * The gradient reaching the statistic {@code stat} from its scale's gradient {@code g}: the clamp
   * passes it, then the division by the threshold or the power-of-two chain.
   */
  private float throughRestriction(float stat, float g) {
    float threshold = range.threshold();
    if (config.restriction() == ScaleRestriction.POWER_OF_TWO) {
      return ScaleFunctions.powerOfTwoScaleBackward(
          stat, ScaleFunctions.powerOfTwoScale(stat, threshold), g);
    }
    return g / threshold;
  }

  private void statisticBackward(float[] w, float[] stats, float[] gScale, float[] gw) {
    if (config.perChannel()) {
      Statistics.absMaxPerRowBackward(w, stats, gScale, gw);
    } else {
      Statistics.absMaxBackward(w, stats[0], gScale[0], gw);
    }
  }

  private static long inner(float[] w, float[] scale) {
    return scale.length == 1 ? 1 : w.length / scale.length;
  }

  private void requireCompiledScale() {
    boolean stats = config.scaling() == ScalingImpl.STATS;
    if (!stats && config.scaling() != ScalingImpl.CONST) {
      throw new IllegalStateException(
          "compiled steps support statistics-based or constant weight scales only, not "
              + config.scaling());
    }
  }
}
