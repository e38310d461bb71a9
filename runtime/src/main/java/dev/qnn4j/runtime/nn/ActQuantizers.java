package dev.qnn4j.runtime.nn;

import dev.qnn4j.runtime.quant.ActQuantConfig;

/** Naming shared by the layers that own activation quantizers. */
final class ActQuantizers {
  /**
   * Brevitas' state-dict path from an activation proxy to its learned scale, so that names match a
   * Brevitas model's ({@code
   * relu1.act_quant.fused_activation_quant_proxy.tensor_quant.scaling_impl.value}).
   */
  static final String VALUE_SUFFIX =
      ".fused_activation_quant_proxy.tensor_quant.scaling_impl.value";

  private ActQuantizers() {}

  static String describe(ActQuantConfig c) {
    return c.brevitasName();
  }
}
