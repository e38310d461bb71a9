package dev.qnn4j.processor.model;

import dev.qnn4j.annotations.Scaling;
import dev.qnn4j.annotations.ScalingImpl;

/**
 * An activation quantizer: an {@code @InputQuant} or {@code @OutputQuant}, or the quantizer of a
 * {@code @QuantReLU}, {@code @QuantSigmoid} (unsigned), {@code @QuantIdentity}, {@code @QuantTanh}
 * (signed), {@code @QuantHardTanh} (signed when {@code minVal < 0}). {@code minVal}/{@code maxVal}
 * are read only with a {@link ScalingImpl#CONST} or {@link ScalingImpl#PARAMETER} scale.
 *
 * @param anchor the annotation it was read from, for diagnostics ({@link Anchor#NONE} when derived)
 */
public record ActQuantSpec(
    int bitWidth,
    boolean signed,
    Scaling scaling,
    Anchor anchor,
    ScalingImpl scalingImpl,
    float minVal,
    float maxVal,
    boolean narrowRange) {

  /** A statistics-scaled, wide-range quantizer (Brevitas' {@code Int8ActPerTensorFloat} family). */
  public ActQuantSpec(int bitWidth, boolean signed, Scaling scaling, Anchor anchor) {
    this(bitWidth, signed, scaling, anchor, ScalingImpl.STATS, Float.NaN, Float.NaN, false);
  }

  public boolean powerOfTwo() {
    return scaling == Scaling.POWER_OF_TWO;
  }

  /** One bit with a constant scale: clamp, then {@code sign(x) * scale}. */
  public boolean binary() {
    return bitWidth == 1 && scalingImpl == ScalingImpl.CONST;
  }

  /** Whether the scale comes from {@code [minVal, maxVal]} rather than statistics. */
  public boolean fromRange() {
    return scalingImpl != ScalingImpl.STATS;
  }
}
