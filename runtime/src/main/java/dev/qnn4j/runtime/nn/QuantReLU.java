package dev.qnn4j.runtime.nn;

import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.autograd.Ops;
import dev.qnn4j.runtime.quant.ActQuantConfig;

/** ReLU followed by unsigned quantization (Brevitas' {@code QuantReLU}, {@code Uint8ActPerTensorFloat}). */
public final class QuantReLU extends QuantActivation {
  public QuantReLU(String name, ActQuantConfig config, boolean returnQuantTensor) {
    super(name, config, returnQuantTensor);
  }

  /** Returns a plain {@code Tensor}, as Brevitas does by default. */
  public QuantReLU(String name, ActQuantConfig config) {
    this(name, config, false);
  }

  /** Returns a {@code QuantTensor} (Brevitas' {@code return_quant_tensor=True}). */
  public static QuantReLU returningQuantTensor(String name, ActQuantConfig config) {
    return new QuantReLU(name, config, true);
  }

  public QuantReLU(String name, int bitWidth, boolean returnQuantTensor) {
    this(name, ActQuantConfig.unsigned(bitWidth), returnQuantTensor);
  }

  @Override
  protected Tensor activation(Tensor x) {
    return Ops.relu(x);
  }
}
