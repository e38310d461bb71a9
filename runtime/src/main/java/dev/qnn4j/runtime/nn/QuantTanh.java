package dev.qnn4j.runtime.nn;

import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.autograd.Ops;
import dev.qnn4j.runtime.quant.ActQuantConfig;

/**
 * The hyperbolic tangent followed by signed quantization (Brevitas' {@code QuantTanh}, {@code
 * Int8ActPerTensorFloat}).
 */
public final class QuantTanh extends QuantActivation {
  public QuantTanh(String name, ActQuantConfig config, boolean returnQuantTensor) {
    super(name, config, returnQuantTensor);
  }

  /** Returns a plain {@code Tensor}, as Brevitas does by default. */
  public QuantTanh(String name, ActQuantConfig config) {
    this(name, config, false);
  }

  /** Returns a {@code QuantTensor} (Brevitas' {@code return_quant_tensor=True}). */
  public static QuantTanh returningQuantTensor(String name, ActQuantConfig config) {
    return new QuantTanh(name, config, true);
  }

  /**
   * Brevitas' default quantizer for this layer at {@code bitWidth}; returns a plain {@code Tensor}.
   */
  public QuantTanh(String name, int bitWidth) {
    this(name, ActQuantConfig.signed(bitWidth), false);
  }

  @Override
  protected Tensor activation(Tensor x) {
    return Ops.tanh(x);
  }
}
