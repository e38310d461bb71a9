package dev.qnn4j.runtime.nn;

import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.quant.ActQuantConfig;
import dev.qnn4j.runtime.quant.ScaleRestriction;
import dev.qnn4j.runtime.quant.ScalingImpl;

/**
 * Signed quantization with a learned scale initialised from {@code max(|minVal|, |maxVal|)}
 * (Brevitas' {@code QuantHardTanh}: its default {@code Int8ActPerTensorFloatMinMaxInit} is wide
 * range and has no activation function of its own, the quantizer's clamp is the hard tanh).
 */
public final class QuantHardTanh extends QuantActivation {
  public QuantHardTanh(String name, ActQuantConfig config, boolean returnQuantTensor) {
    super(name, config, returnQuantTensor);
  }

  /** Returns a plain {@code Tensor}, as Brevitas does by default. */
  public QuantHardTanh(String name, ActQuantConfig config) {
    this(name, config, false);
  }

  /** Returns a {@code QuantTensor} (Brevitas' {@code return_quant_tensor=True}). */
  public static QuantHardTanh returningQuantTensor(String name, ActQuantConfig config) {
    return new QuantHardTanh(name, config, true);
  }

  /**
   * Brevitas' default quantizer at {@code bitWidth} for {@code [minVal, maxVal]}; returns a plain
   * {@code Tensor}.
   */
  public QuantHardTanh(String name, int bitWidth, float minVal, float maxVal) {
    this(
        name,
        ActQuantConfig.fromRange(
            bitWidth, ScalingImpl.PARAMETER, minVal, maxVal, false, ScaleRestriction.FLOAT),
        false);
  }

  @Override
  protected Tensor activation(Tensor x) {
    return x;
  }
}
