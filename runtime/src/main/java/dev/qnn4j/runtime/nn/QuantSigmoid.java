package dev.qnn4j.runtime.nn;

import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.autograd.Ops;
import dev.qnn4j.runtime.quant.ActQuantConfig;

/**
 * The logistic sigmoid followed by unsigned quantization (Brevitas' {@code QuantSigmoid}, {@code
 * Uint8ActPerTensorFloat}).
 */
public final class QuantSigmoid extends QuantActivation {
  public QuantSigmoid(String name, ActQuantConfig config, boolean returnQuantTensor) {
    super(name, config, returnQuantTensor);
  }

  /** Returns a plain {@code Tensor}, as Brevitas does by default. */
  public QuantSigmoid(String name, ActQuantConfig config) {
    this(name, config, false);
  }

  /** Returns a {@code QuantTensor} (Brevitas' {@code return_quant_tensor=True}). */
  public static QuantSigmoid returningQuantTensor(String name, ActQuantConfig config) {
    return new QuantSigmoid(name, config, true);
  }

  /**
   * Brevitas' default quantizer for this layer at {@code bitWidth}; returns a plain {@code Tensor}.
   */
  public QuantSigmoid(String name, int bitWidth) {
    this(name, ActQuantConfig.unsigned(bitWidth), false);
  }

  @Override
  protected Tensor activation(Tensor x) {
    return Ops.sigmoid(x);
  }
}
