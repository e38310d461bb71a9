package dev.qnn4j.runtime.nn;

import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.quant.ActQuantConfig;

/**
 * Signed quantization of its input (Brevitas' {@code QuantIdentity}, {@code
 * Int8ActPerTensorFloat}).
 */
public final class QuantIdentity extends QuantActivation {
  public QuantIdentity(String name, ActQuantConfig config, boolean returnQuantTensor) {
    super(name, config, returnQuantTensor);
  }

  /** Returns a plain {@code Tensor}, as Brevitas does by default. */
  public QuantIdentity(String name, ActQuantConfig config) {
    this(name, config, false);
  }

  /** Returns a {@code QuantTensor} (Brevitas' {@code return_quant_tensor=True}). */
  public static QuantIdentity returningQuantTensor(String name, ActQuantConfig config) {
    return new QuantIdentity(name, config, true);
  }

  public QuantIdentity(String name, int bitWidth, boolean returnQuantTensor) {
    this(name, ActQuantConfig.signed(bitWidth), returnQuantTensor);
  }

  @Override
  protected Tensor activation(Tensor x) {
    return x;
  }
}
