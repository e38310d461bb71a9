package dev.qnn4j.annotations;

/** Where a quantizer's scale comes from (Brevitas' {@code scaling_impl_type}). */
public enum ScalingImpl {
  /**
   * Statistics of the tensor: AbsMax of the weights at every forward; for activations a percentile
   * over the first 300 training steps, then learned (Brevitas' defaults).
   */
  STATS,
  /**
   * A constant: {@code scalingConst} for weights, {@code max(|minVal|, |maxVal|)} for activations
   * (bnn_pynq's {@code CommonWeightQuant}/{@code CommonActQuant}). At {@code bitWidth = 1} the
   * quantizer is binary: {@code sign(x) * scale}, sign(0) = +1.
   */
  CONST,
  /** A learned parameter starting at {@code max(|minVal|, |maxVal|)} (activations only). */
  PARAMETER
}
