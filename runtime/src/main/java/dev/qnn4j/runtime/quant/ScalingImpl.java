package dev.qnn4j.runtime.quant;

/** Where a quantizer's scale comes from (Brevitas' {@code ScalingImplType}). */
public enum ScalingImpl {
  /** From statistics of the tensor: AbsMax of the weights, a percentile of activations. */
  STATS,
  /**
   * A constant: {@code scaling_const} for weights, {@code max(|min_val|, |max_val|)} for
   * activations.
   */
  CONST,
  /** A learned parameter initialised from {@code max(|min_val|, |max_val|)}. */
  PARAMETER
}
