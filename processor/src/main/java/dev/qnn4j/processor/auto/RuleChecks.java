package dev.qnn4j.processor.auto;

import dev.qnn4j.annotations.BiasRule;
import dev.qnn4j.processor.model.LayerDescriptor;
import dev.qnn4j.processor.model.LayerKind;
import dev.qnn4j.processor.model.ModelDescriptor;
import dev.qnn4j.processor.model.QuantizeFromSpec;
import dev.qnn4j.processor.model.QuantizeFromSpec.LayerRuleSpec;
import dev.qnn4j.processor.validation.Messages;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The checks of {@code @QuantRules} and {@code @LayerRule}s on their own, before any layer is
 * planned.
 */
final class RuleChecks {
  private RuleChecks() {}

  static void checkRules(QuantizeFromSpec.Rules rules, Reporter report) {
    bits(
        "@QuantRules weightBitWidth",
        rules.weightBitWidth(),
        1,
        report.rules("weightBitWidth"),
        report);
    bits(
        "@QuantRules inputBitWidth",
        rules.inputBitWidth(),
        0,
        report.rules("inputBitWidth"),
        report);
    bits("@QuantRules reluBitWidth", rules.reluBitWidth(), 0, report.rules("reluBitWidth"), report);
    int accumulator = rules.accumulatorBitWidth();
    if (!Messages.isValidBits(accumulator, 1, false)) {
      report.error(
          Messages.bitWidth("@QuantRules accumulatorBitWidth", accumulator, 1, false, null),
          report.rules("accumulatorBitWidth"));
    }
    if (rules.bias() == BiasRule.INHERIT) {
      report.error(Messages.ruleBiasInherit(), report.rules("bias"));
    }
  }

  /** {@code min} is 1, or 0 where 0 means "none". */
  private static void bits(String what, int v, int min, Reporter.Position anchor, Reporter report) {
    if (!Messages.isValidBits(v, min, true)) {
      String zero = what.endsWith("inputBitWidth") ? "no input quantizer" : "float";
      report.error(Messages.bitWidth(what, v, min, true, zero), anchor);
    }
  }

  /**
   * The {@code @LayerRule}s by layer name, each checked against the float model's layer it names.
   */
  static Map<String, LayerRuleSpec> layerRules(ModelDescriptor floatModel, Reporter report) {
    Map<String, LayerRuleSpec> byName = new LinkedHashMap<>();
    Map<String, LayerDescriptor> layers = new LinkedHashMap<>();
    floatModel.layers().forEach(l -> layers.putIfAbsent(l.layerName(), l));
    for (LayerRuleSpec o : report.spec.layerRules()) {
      String name = o.name();
      LayerDescriptor layer = layers.get(name);
      if (layer == null) {
        report.error(
            Messages.layerRuleUnknownLayer(
                name, floatModel.modelName(), List.copyOf(layers.keySet())),
            Reporter.Position.of(o.anchor(), "name"));
        continue;
      }
      if (byName.containsKey(name)) {
        report.error(Messages.layerRuleTwice(name), Reporter.Position.of(o.anchor(), "name"));
        continue;
      }
      byName.put(name, o);
      checkLayerRule(o, layer, report);
    }
    return byName;
  }

  private static void checkLayerRule(LayerRuleSpec o, LayerDescriptor layer, Reporter report) {
    String name = o.name();
    LayerKind kind = layer.requireKind();
    if (kind != LayerKind.CONV2D && kind != LayerKind.LINEAR && kind != LayerKind.RELU) {
      report.error(
          Messages.layerRuleOnKeptLayer(name, kind), Reporter.Position.of(o.anchor(), "name"));
      return;
    }
    boolean compute = kind != LayerKind.RELU;
    List<String> computeOnly = List.of("weightBitWidth", "bias", "inputBitWidth");
    List<String> set = o.setAttributes();
    for (String attribute : compute ? List.of("reluBitWidth") : computeOnly) {
      if (set.contains(attribute)) {
        report.error(
            Messages.layerRuleAttributeMisplaced(name, attribute, compute, kind),
            Reporter.Position.of(o.anchor(), attribute));
      }
    }
    if (o.keepFloat()) {
      for (String attribute : set) {
        if (compute == computeOnly.contains(attribute)) {
          report.error(
              Messages.layerRuleKeepFloat(name, attribute),
              Reporter.Position.of(o.anchor(), attribute));
        }
      }
    }
    if (compute) {
      o.weightBitWidth()
          .ifPresent(
              v ->
                  bits(
                      name + ": @LayerRule weightBitWidth",
                      v,
                      1,
                      Reporter.Position.of(o.anchor(), "weightBitWidth"),
                      report));
      o.inputBitWidth()
          .ifPresent(
              v ->
                  bits(
                      name + ": @LayerRule inputBitWidth",
                      v,
                      0,
                      Reporter.Position.of(o.anchor(), "inputBitWidth"),
                      report));
      o.bias()
          .filter(b -> b != BiasRule.FLOAT && !layer.requireSpec().hasBias())
          .ifPresent(
              b ->
                  report.error(
                      Messages.layerRuleBiasWithoutBias(name, b),
                      Reporter.Position.of(o.anchor(), "bias")));
    } else {
      o.reluBitWidth()
          .ifPresent(
              v ->
                  bits(
                      name + ": @LayerRule reluBitWidth",
                      v,
                      0,
                      Reporter.Position.of(o.anchor(), "reluBitWidth"),
                      report));
    }
  }
}
