package dev.qnn4j.annotations;

/**
 * How automated quantization ({@link QuantizeFrom}) quantizes the biases of convolutions and linear
 * layers.
 */
public enum BiasRule {
  /**
   * In a {@link LayerRule}: as {@link QuantRules#bias()} says. Not allowed in {@link QuantRules}
   * itself.
   */
  INHERIT,
  /** The bias stays float (Brevitas' {@code bias_quant=None}). */
  FLOAT,
  /** {@link Int8Bias}. */
  INT8,
  /** {@link Int16Bias}. */
  INT16,
  /** {@link Int32Bias}: Brevitas' default in graph quantization. */
  INT32
}
