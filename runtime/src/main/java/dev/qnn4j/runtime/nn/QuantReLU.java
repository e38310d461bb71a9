package dev.qnn4j.runtime.nn;

import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.quant.ActQuantConfig;

/**
 * A float {@link ReLU} followed by unsigned quantization (Brevitas' {@code QuantReLU}, {@code
 * Uint8ActPerTensorFloat}, which wraps {@code nn.ReLU} as its {@code act_impl}).
 */
public final class QuantReLU extends QuantActivation {
  private final ReLU actImpl;

  public QuantReLU(String name, ActQuantConfig config, boolean returnQuantTensor) {
    super(name, config, returnQuantTensor);
    this.actImpl = new ReLU(name + ".act_impl");
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

  /** The float activation this layer quantizes the output of. */
  public ReLU actImpl() {
    return actImpl;
  }

  @Override
  protected Tensor activation(Tensor x) {
    return actImpl.apply(x);
  }
}
