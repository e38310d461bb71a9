package dev.qnn4j.runtime.quant;

import dev.qnn4j.runtime.Parameter;
import dev.qnn4j.runtime.QuantTensor;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.autograd.Ops;
import dev.qnn4j.runtime.kernels.Activations;
import dev.qnn4j.runtime.kernels.BinaryQuant;
import dev.qnn4j.runtime.kernels.ConvGeometry;
import dev.qnn4j.runtime.kernels.FakeQuant;
import dev.qnn4j.runtime.kernels.FakeQuantMaxPool;
import dev.qnn4j.runtime.kernels.Pooling;
import dev.qnn4j.runtime.kernels.Statistics;

/**
 * An activation quantizer with a scale learned from runtime statistics, as Brevitas' {@code
 * ParameterFromRuntimeStatsScaling} (with {@code IntQuant} and {@code TensorClamp}).
 *
 * <ul>
 *   <li>Training, first {@code collectStatsSteps} calls: the scale is the batch's percentile
 *       statistic divided by the threshold, with gradients through the statistic; a running
 *       statistic (the first value, then an exponential average with momentum 0.1, or a true
 *       average during calibration) is kept in {@link #buffer()}.
 *   <li>The next training call copies the running statistic into the learned parameter {@link
 *       #value()}; from then on the scale is {@code |value| / threshold} and {@code value} learns.
 *   <li>Evaluation uses the running statistic until the parameter was initialised, then the
 *       parameter.
 * </ul>
 *
 * During calibration ({@link #setObserverOnly}) statistics are collected but the input passes
 * through unquantized, as in Brevitas' {@code calibration_mode}.
 *
 * <p>A {@link ScalingImpl#CONST} scale is {@code R(max(|min|,|max|)) / R(threshold)} in training
 * and evaluation alike (Brevitas' {@code ConstScaling}); a {@link ScalingImpl#PARAMETER} scale is
 * that with the value learned from the first step (Brevitas' {@code ParameterScaling}: power-of-two
 * scales store {@code log2} of the value and round it with a straight-through gradient). One-bit
 * constant quantizers are binary: clamp to {@code [-scale, scale]} with a masking gradient, then
 * {@code sign * scale} (Brevitas' {@code ClampedBinaryQuant}).
 */
public final class ActQuantizer {
  private final ActQuantConfig config;
  private final IntRange range;
  private final Parameter value;
  private long collectStatsSteps;
  private long counter;
  private float buffer = 1f;
  private boolean trueAverage;
  private boolean observerOnly;

  public ActQuantizer(String parameterName, ActQuantConfig config) {
    this.config = config;
    this.range = config.range();
    this.collectStatsSteps = config.collectStatsSteps();
    this.value = new Parameter(parameterName, new float[] {initialValue(config)});
  }

  private static float initialValue(ActQuantConfig config) {
    if (config.scaling() != ScalingImpl.PARAMETER) {
      return 1f;
    }
    float v = config.rangeMagnitude();
    return config.restriction() == ScaleRestriction.POWER_OF_TWO
        ? (float) (Math.log(v) / Math.log(2))
        : v;
  }

  /** The learned parameters: none for a constant scale, else {@link #value()}. */
  /** Clears the gradient of the learned scale (a constant scale has none). */
  public void zeroGrad() {
    value.zeroGrad();
  }

  public java.util.List<Parameter> parameters() {
    return config.scaling() == ScalingImpl.CONST ? java.util.List.of() : java.util.List.of(value);
  }

  public ActQuantConfig config() {
    return config;
  }

  public IntRange range() {
    return range;
  }

  /** The learned scale parameter (before division by the threshold), Brevitas' {@code value}. */
  public Parameter value() {
    return value;
  }

  public float buffer() {
    return buffer;
  }

  public long counter() {
    return counter;
  }

  public long collectStatsSteps() {
    return collectStatsSteps;
  }

  /** Whether the scale comes from the learned parameter rather than the running statistic. */
  public boolean parameterInitialized() {
    return config.scaling() == ScalingImpl.PARAMETER || counter > collectStatsSteps;
  }

  /** Restores state saved by a checkpoint. */
  public void restoreState(long counter, long collectStatsSteps, float buffer, float value) {
    this.counter = counter;
    this.collectStatsSteps = collectStatsSteps;
    this.buffer = buffer;
    this.value.set(new float[] {value});
  }

  /**
   * Enters calibration: unbounded statistics steps, a true average, no quantization of the output.
   */
  public void beginCalibration() {
    // Brevitas uses sys.maxsize; one below Long.MAX_VALUE leaves room for the step that switches
    // to the learned parameter after calibration (PTQ followed by QAT) without overflowing.
    collectStatsSteps = Long.MAX_VALUE - 1;
    trueAverage = true;
    observerOnly = true;
  }

  /**
   * Leaves calibration: the averaged statistic becomes the eval-mode scale, and the next training
   * step (PTQ followed by QAT) initialises the learned parameter from it.
   */
  public void endCalibration() {
    counter = Math.max(collectStatsSteps, counter);
    observerOnly = false;
  }

  public void setObserverOnly(boolean observerOnly) {
    this.observerOnly = observerOnly;
  }

  /**
   * Quantizes {@code x} (already passed through the activation function). The result's value is
   * {@code x} itself while observing only.
   */
  public QuantTensor forward(Tensor x, boolean training) {
    Tensor scale =
        config.scaling() != ScalingImpl.STATS
            ? rangeScale()
            : training ? trainingScale(x) : evalScale();
    if (config.binary()) {
      Tensor out = observerOnly ? x : Ops.binarySign(Ops.clampMasked(x, scale.item()), scale);
      return new QuantTensor(out, scale, 0f, 1, true);
    }
    Tensor out =
        observerOnly
            ? x
            : Ops.fakeQuant(x, scale, 0f, (float) range.min(), (float) range.max(), false, 1);
    return new QuantTensor(out, scale, 0f, config.bitWidth(), config.signed());
  }

  /** The scale evaluation mode would use now. */
  public Tensor evalScale() {
    if (config.scaling() != ScalingImpl.STATS) {
      return rangeScale();
    }
    Tensor raw = counter <= collectStatsSteps ? Tensor.scalar(buffer) : value;
    return finish(raw);
  }

  private Tensor trainingScale(Tensor x) {
    float threshold = range.threshold();
    if (counter < collectStatsSteps) {
      Tensor stat = Ops.absPercentile(x, config.percentile());
      Tensor clamped = Ops.clampMinSte(stat, ActQuantConfig.SCALING_MIN_VAL);
      accumulateStatistic(clamped.item());
      return Ops.absBinarySignGrad(Ops.div(clamped, threshold));
    }
    if (counter == collectStatsSteps) {
      value.set(new float[] {buffer});
      counter++;
    }
    return finish(value);
  }

  private NonFiniteStatisticException nonFiniteStatistic(float statistic, long step) {
    String name = value.name();
    int proxy = name.indexOf(".fused_activation_quant_proxy");
    String quantizer = proxy >= 0 ? name.substring(0, proxy) : name;
    int dot = quantizer.lastIndexOf('.');
    String layer = dot > 0 ? quantizer.substring(0, dot) : quantizer;
    return new NonFiniteStatisticException(
        layer,
        "layer "
            + layer
            + ": the activation statistic of "
            + quantizer.substring(dot + 1)
            + " became non-finite at statistics step "
            + step
            + " (batch statistic "
            + statistic
            + ", the "
            + config.percentile()
            + "th percentile of |x|); the quantizer keeps its last"
            + " finite statistic "
            + buffer);
  }

  /**
   * Folds one batch's statistic {@code s} into the running statistic exactly as a statistics step
   * does (the first value, then the average or exponential average) and counts the step. Lets
   * statistics computed elsewhere, one batch each (e.g. on the workers of a cluster), be combined
   * in batch order with the same result as collecting them here.
   */
  public void accumulateStatistic(float s) {
    long next = counter + 1;
    float updated;
    if (counter == 0) {
      updated = buffer * s;
    } else if (trueAverage) {
      updated = buffer * (float) ((double) counter / next);
      updated = updated + s / (float) next;
    } else {
      float m = config.statsMomentum();
      updated = buffer * (float) (1.0 - m);
      updated = updated + m * s;
    }
    // One scalar per batch: the cheap place to stop NaN or infinity before it becomes a scale.
    if (!Float.isFinite(updated)) {
      throw nonFiniteStatistic(s, next);
    }
    buffer = updated;
    counter = next;
    // Brevitas saves the running statistic as the value while it collects ("Save buffer into value
    // for any non-zero number of collection steps"), so a state dict taken now, or loaded into
    // Brevitas, holds the scale evaluation uses. The value is not read before the switch.
    value.set(new float[] {buffer});
  }

  /** A CONST scale, or the PARAMETER scale from the learned value (with its gradient). */
  private Tensor rangeScale() {
    float threshold = config.binary() ? 1f : range.threshold();
    if (config.scaling() == ScalingImpl.CONST) {
      return Tensor.scalar(constantScale());
    }
    boolean pow2 = config.restriction() == ScaleRestriction.POWER_OF_TWO;
    Tensor restricted = pow2 ? Ops.pow2(Ops.roundSte(value)) : value;
    Tensor positive =
        Ops.absBinarySignGrad(Ops.clampMinSte(restricted, ActQuantConfig.SCALING_MIN_VAL));
    return Ops.div(positive, pow2 ? ScaleFunctions.powerOfTwo(threshold) : threshold);
  }

  /** A {@link ScalingImpl#CONST} scale: the same in training, evaluation and calibration. */
  private float constantScale() {
    float threshold = config.binary() ? 1f : range.threshold();
    return ScaleFunctions.constant(config.rangeMagnitude(), threshold, config.restriction());
  }

  private Tensor finish(Tensor raw) {
    Tensor scaled = restrict(raw);
    return Ops.absBinarySignGrad(Ops.clampMinSte(scaled, ActQuantConfig.SCALING_MIN_VAL));
  }

  private Tensor restrict(Tensor raw) {
    if (config.restriction() == ScaleRestriction.POWER_OF_TWO) {
      Tensor log =
          Ops.addConstant(Ops.log2(raw), (float) -(Math.log(range.threshold()) / Math.log(2)));
      return Ops.pow2(Ops.ceilSte(log));
    }
    return Ops.div(raw, range.threshold());
  }

  // ---------------------------------------------------------------- compiled steps

  /**
   * What a compiled step's forward through this quantizer keeps for its backward pass; one per call
   * site.
   */
  public static final class StepRecord {
    private enum Phase {
      CONSTANT,
      EVAL,
      STATISTICS,
      LEARNED
    }

    private Phase phase = Phase.EVAL;
    private int index;

    /** The scale before its absolute value (the sign the gradient of abs reads). */
    private float signed;

    /** Power-of-two learned scales: the learned value and its power of two before the clamp. */
    private float raw;

    private float pow;

    private final float[] scale = new float[1];

    /** Scratch for the backward pass: the scale's gradient, the learned parameter's. */
    private final float[] scaleGrad = new float[1];

    private final float[] parameterGrad = new float[1];

    /** Whether the last forward quantized and pooled in one pass, which its backward follows. */
    private boolean pooledInOnePass;

    /** The scale the last forward used. */
    public float scale() {
      return scale[0];
    }
  }

  /**
   * For compiled steps: {@link #forward} on {@code x} (already through the activation function),
   * writing the fake-quantized values to {@code out}: the same scale, statistics update and switch
   * to the learned parameter, with the tape's arithmetic spelled out (percentile, clamp, division
   * by the threshold or the power-of-two chain, absolute value). Statistics scales (float or power
   * of two), or a constant scale ({@link ScalingImpl#CONST}), which has no statistics and no
   * gradient; at one bit, binary. In calibration ({@link #beginCalibration}) it is a statistics
   * step whatever {@code training} says, and {@code out} is {@code x} unquantized, as the
   * calibrating layer's forward.
   */
  public void forwardInto(float[] x, boolean training, float[] out, StepRecord r) {
    chooseScale(x, training, r);
    quantizeInto(x, out, r);
  }

  /**
   * {@link #forwardInto} followed by max pooling its output over {@code pool} into {@code pooled},
   * the window maxima's flat indices into {@code argmax}. Where {@link FakeQuantMaxPool} applies,
   * one plane at a time.
   */
  public void forwardMaxPoolInto(
      float[] x,
      boolean training,
      float[] out,
      ConvGeometry pool,
      int[] argmax,
      float[] pooled,
      StepRecord r) {
    chooseScale(x, training, r);
    float min = (float) range.min();
    float max = (float) range.max();
    r.pooledInOnePass =
        !observerOnly && !config.binary() && FakeQuantMaxPool.applies(pool, min, max);
    if (r.pooledInOnePass) {
      FakeQuantMaxPool.forward(x, r.scale[0], min, max, pool, out, argmax, pooled);
      return;
    }
    quantizeInto(x, out, r);
    Pooling.maxForward(out, pool, argmax, pooled);
  }

  /**
   * The scale of this forward into {@code r}: statistics, their update and the switch to the
   * learned parameter, as {@link #forward}.
   */
  private void chooseScale(float[] x, boolean training, StepRecord r) {
    if (observerOnly) {
      // A calibrating layer quantizes as in training (its statistics steps never end) and passes
      // its input through.
      training = true;
    }
    boolean constant = config.scaling() == ScalingImpl.CONST;
    if (!constant && config.scaling() != ScalingImpl.STATS) {
      throw new IllegalStateException(
          "compiled steps support statistics-based or constant activation scales only");
    }
    float threshold = range.threshold();
    if (constant) {
      r.phase = StepRecord.Phase.CONSTANT;
      r.signed = constantScale();
    } else if (!training) {
      float raw = counter <= collectStatsSteps ? buffer : value.data()[0];
      r.phase = StepRecord.Phase.EVAL;
      r.signed = Math.max(restrict(raw, r), ActQuantConfig.SCALING_MIN_VAL);
    } else if (counter < collectStatsSteps) {
      int index =
          Statistics.kthSmallestAbsIndex(
              x, Statistics.percentileRank(config.percentile(), x.length));
      float clamped = Math.max(Math.abs(x[index]), ActQuantConfig.SCALING_MIN_VAL);
      accumulateStatistic(clamped);
      r.phase = StepRecord.Phase.STATISTICS;
      r.index = index;
      r.signed = clamped / threshold;
    } else {
      if (counter == collectStatsSteps) {
        value.set(new float[] {buffer});
        counter++;
      }
      r.phase = StepRecord.Phase.LEARNED;
      r.signed = Math.max(restrict(value.data()[0], r), ActQuantConfig.SCALING_MIN_VAL);
    }
    r.scale[0] = Math.abs(r.signed);
  }

  /** {@code x} fake-quantized with the scale {@link #chooseScale} recorded. */
  private void quantizeInto(float[] x, float[] out, StepRecord r) {
    if (observerOnly) {
      System.arraycopy(x, 0, out, 0, x.length);
      return;
    }
    if (config.binary()) {
      // The tape clamps to [-scale, scale] first; the clamp keeps every sign (and -0 stays -0,
      // which the sign maps to +1 as it does 0), so the sign of x itself is the same output.
      BinaryQuant.sign(x, r.scale[0], out);
      return;
    }
    FakeQuant.forward(x, r.scale, 1, 0f, (float) range.min(), (float) range.max(), out);
  }

  /**
   * For compiled steps: the gradient of {@link #forwardInto} for output gradient {@code g}: the
   * input's into {@code gx} (overwritten; null when the input needs none), including the part
   * through the percentile statistic, and the learned parameter's, added to its gradient.
   */
  public void backwardInto(float[] x, float[] g, StepRecord r, float[] gx) {
    if (binaryBackward(x, g, r, gx)) {
      return;
    }
    float[] gs = r.scaleGrad;
    FakeQuant.backward(
        x, r.scale, 1, 0f, (float) range.min(), (float) range.max(), g, false, gx, gs);
    scaleBackward(x, gs[0], r, gx);
  }

  /**
   * {@link #backwardInto(float[], float[], StepRecord, float[])} for a quantizer whose output scale
   * also feeds the next layer's bias quantizer (a QuantTensor output): {@code gScaleFromBias} is
   * added to the scale's gradient, as the tape sums the two.
   */
  public void backwardInto(float[] x, float[] g, StepRecord r, float[] gx, float gScaleFromBias) {
    if (binaryBackward(x, g, r, gx)) {
      return;
    }
    float[] gs = r.scaleGrad;
    FakeQuant.backward(
        x, r.scale, 1, 0f, (float) range.min(), (float) range.max(), g, false, gx, gs);
    scaleBackward(x, gs[0] + gScaleFromBias, r, gx);
  }

  /**
   * The gradient of {@link #forwardMaxPoolInto} for the pooled output's gradient {@code gPooled}:
   * the input's into {@code gx} (overwritten; null when the input needs none), through the ReLU
   * whose output {@code x} is when {@code throughRelu}, and the scale's. {@code g} and {@code gq}
   * are scratch of {@code x}'s size for the separate kernels: the output's and the quantizer
   * input's gradients.
   */
  public void backwardMaxPoolInto(
      float[] x,
      float[] gPooled,
      ConvGeometry pool,
      int[] argmax,
      StepRecord r,
      boolean throughRelu,
      float[] g,
      float[] gq,
      float[] gx) {
    backwardMaxPool(x, gPooled, pool, argmax, r, throughRelu, g, gq, gx, false, 0f);
  }

  /**
   * {@link #backwardMaxPoolInto(float[], float[], ConvGeometry, int[], StepRecord, boolean,
   * float[], float[], float[])} for a quantizer whose scale also feeds a bias quantizer: {@code
   * gScaleFromBias} is added to the scale's gradient.
   */
  public void backwardMaxPoolInto(
      float[] x,
      float[] gPooled,
      ConvGeometry pool,
      int[] argmax,
      StepRecord r,
      boolean throughRelu,
      float[] g,
      float[] gq,
      float[] gx,
      float gScaleFromBias) {
    backwardMaxPool(x, gPooled, pool, argmax, r, throughRelu, g, gq, gx, true, gScaleFromBias);
  }

  private void backwardMaxPool(
      float[] x,
      float[] gPooled,
      ConvGeometry pool,
      int[] argmax,
      StepRecord r,
      boolean throughRelu,
      float[] g,
      float[] gq,
      float[] gx,
      boolean fromBias,
      float gScaleFromBias) {
    if (!r.pooledInOnePass || gx == null) {
      Pooling.maxBackward(gPooled, argmax, argmax.length, g);
      float[] target = throughRelu ? gq : gx;
      if (fromBias) {
        backwardInto(x, g, r, target, gScaleFromBias);
      } else {
        backwardInto(x, g, r, target);
      }
      if (throughRelu && gx != null) {
        Activations.reluBackward(gq, x, gx, x.length);
      }
      return;
    }
    float gs =
        FakeQuantMaxPool.backward(
            x,
            r.scale[0],
            (float) range.min(),
            (float) range.max(),
            pool,
            argmax,
            gPooled,
            throughRelu,
            g,
            gq,
            gx);
    scaleBackward(x, fromBias ? gs + gScaleFromBias : gs, r, gx);
    if (throughRelu && r.phase == StepRecord.Phase.STATISTICS) {
      // The statistic's gradient went to the quantizer's input; the ReLU's mask comes after it.
      gx[r.index] = Activations.passWherePositive(gx[r.index], x[r.index]);
    }
  }

  /**
   * {@link #restrict(Tensor)} of one value: the division by the threshold, or the power-of-two
   * chain (whose input and result {@code r} keeps for the backward pass).
   */
  private float restrict(float raw, StepRecord r) {
    if (config.restriction() == ScaleRestriction.POWER_OF_TWO) {
      r.raw = raw;
      r.pow = ScaleFunctions.powerOfTwoScale(raw, range.threshold());
      return r.pow;
    }
    return raw / range.threshold();
  }

  /**
   * A binary quantizer's gradient, as the tape's {@code Ops.binarySign} then {@code
   * Ops.clampMasked} compute it: {@code g * scale}, zero where x lies outside {@code [-scale,
   * scale]}; its constant scale passes no gradient on. False for other quantizers.
   */
  private boolean binaryBackward(float[] x, float[] g, StepRecord r, float[] gx) {
    if (!config.binary()) {
      return false;
    }
    if (gx != null) {
      BinaryQuant.signBackward(g, r.scale[0], gx);
      BinaryQuant.clampBackward(x, r.scale[0], gx, gx);
    }
    return true;
  }

  private void scaleBackward(float[] x, float gScale, StepRecord r, float[] gx) {
    // The gradient of |s| is sign(s) with sign(0) = +1, then the division (or, for the learned
    // value of a power-of-two scale, its chain); the clamp passes it through. Statistics steps
    // divide by the threshold whatever the restriction, as the tape does.
    float throughAbs = r.signed >= 0f ? gScale : gScale * -1f;
    if (r.phase == StepRecord.Phase.STATISTICS && gx != null) {
      float throughScale = throughAbs / range.threshold();
      gx[r.index] += throughScale * Math.signum(x[r.index]);
    } else if (r.phase == StepRecord.Phase.LEARNED) {
      float throughScale =
          config.restriction() == ScaleRestriction.POWER_OF_TWO
              ? ScaleFunctions.powerOfTwoScaleBackward(r.raw, r.pow, throughAbs)
              : throughAbs / range.threshold();
      r.parameterGrad[0] = throughScale;
      value.accumulateGrad(r.parameterGrad);
    }
  }
}
