package dev.qnn4j.processor.auto;

import dev.qnn4j.annotations.BiasRule;
import dev.qnn4j.processor.model.LayerDescriptor;
import dev.qnn4j.processor.model.LayerKind;
import dev.qnn4j.processor.model.QuantizeFromSpec;
import dev.qnn4j.processor.model.QuantizeFromSpec.LayerRuleSpec;

/**
 * What the rules (and the layer's {@code @LayerRule}, if any) decide for one float layer, before
 * forward is followed: quantize a conv/linear ({@link Action#COMPUTE}), quantize a ReLU ({@link
 * Action#RELU}), or keep the layer as declared.
 *
 * @param inputBits the input quantizer's bit width for a compute layer whose input is float (0 =
 *     none)
 * @param inputAnchor where a diagnostic about the input quantizer goes
 * @param bias the bias quantizer ({@code FLOAT} for a layer without bias)
 */
record LayerPlan(
    LayerDescriptor source,
    Action action,
    int weightBits,
    int inputBits,
    Reporter.Position inputAnchor,
    BiasRule bias,
    Reporter.Position biasAnchor,
    int reluBits,
    boolean returnQuantTensor) {

  enum Action {
    COMPUTE,
    RELU,
    KEEP
  }

  static LayerPlan of(
      LayerDescriptor layer, LayerRuleSpec rule, QuantizeFromSpec.Rules rules, Reporter report) {
    LayerKind kind = layer.requireKind();
    boolean keep = rule != null && rule.keepFloat();
    if ((kind == LayerKind.CONV2D || kind == LayerKind.LINEAR) && !keep) {
      int weightBits =
          rule == null
              ? rules.weightBitWidth()
              : rule.weightBitWidth().orElse(rules.weightBitWidth());
      boolean inputSet = rule != null && rule.inputBitWidth().isPresent();
      boolean biasSet = rule != null && rule.bias().isPresent();
      BiasRule bias = biasSet ? rule.bias().get() : rules.bias();
      return new LayerPlan(
          layer,
          Action.COMPUTE,
          weightBits,
          inputSet ? rule.inputBitWidth().getAsInt() : rules.inputBitWidth(),
          inputSet
              ? Reporter.Position.of(rule.anchor(), "inputBitWidth")
              : report.rules("inputBitWidth"),
          layer.requireSpec().hasBias() ? bias : BiasRule.FLOAT,
          biasSet ? Reporter.Position.of(rule.anchor(), "bias") : report.rules("bias"),
          0,
          false);
    }
    if (kind == LayerKind.RELU && !keep) {
      int bits =
          rule == null ? rules.reluBitWidth() : rule.reluBitWidth().orElse(rules.reluBitWidth());
      if (bits > 0) {
        return new LayerPlan(
            layer, Action.RELU, 0, 0, null, BiasRule.FLOAT, null, bits, rules.returnQuantTensor());
      }
    }
    return new LayerPlan(layer, Action.KEEP, 0, 0, null, BiasRule.FLOAT, null, 0, false);
  }
}
