package dev.qnn4j.runtime.quant;

/** How a scale factor is constrained (Brevitas' {@code RestrictValueType}). */
public enum ScaleRestriction {
  /** Any positive float (Brevitas' {@code FloatRestrictValue}). */
  FLOAT,
  /** A power of two, {@code 2^ceil(log2(s))} (Brevitas' fixed-point quantizers). */
  POWER_OF_TWO
}
