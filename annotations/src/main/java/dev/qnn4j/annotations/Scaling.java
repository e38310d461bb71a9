package dev.qnn4j.annotations;

/** How a quantizer's scale factor is restricted (Brevitas' {@code restrict_scaling_type}). */
public enum Scaling {
  /** Any positive float scale (Brevitas' {@code ...PerTensorFloat} quantizers). */
  FLOAT,
  /** A power-of-two scale {@code 2^ceil(log2(s))}, so rescaling is a bit shift (fixed point). */
  POWER_OF_TWO
}
