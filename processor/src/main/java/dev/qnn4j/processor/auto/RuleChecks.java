package dev.qnn4j.processor.auto;

import dev.qnn4j.annotations.BiasRule;
import dev.qnn4j.processor.model.LayerDescriptor;
import dev.qnn4j.processor.model.LayerKind;
import dev.qnn4j.processor.model.ModelDescriptor;
import dev.qnn4j.processor.model.QuantizeFromSpec;
import dev.qnn4j.processor.model.QuantizeFromSpec.LayerRuleSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The checks of {@code @QuantRules} and {@code @LayerRule}s on their own, before any layer is planned. */
final class RuleChecks {
  private static final String QCDQ = ": weights and activations are exported as QCDQ, which holds at most 8-bit"
      + " integers";

  private RuleChecks() {}

  static void checkRules(QuantizeFromSpec.Rules rules, Reporter report) {
    bits("@QuantRules weightBitWidth", rules.weightBitWidth(), 1, report.rules("weightBitWidth"), report);
    bits("@QuantRules inputBitWidth", rules.inputBitWidth(), 0, report.rules("inputBitWidth"), report);
    bits("@QuantRules reluBitWidth", rules.reluBitWidth(), 0, report.rules("reluBitWidth"), report);
    int accumulator = rules.accumulatorBitWidth();
    if (accumulator < 1 || accumulator > 32) {
      report.error("@QuantRules accumulatorBitWidth = " + accumulator + " is outside 1..32",
          report.rules("accumulatorBitWidth"));
    }
    if (rules.bias() == BiasRule.INHERIT) {
      report.error("@QuantRules bias = INHERIT: INHERIT belongs in a @LayerRule; the rules say FLOAT, INT8, INT16 or"
          + " INT32", report.rules("bias"));
    }
  }

  /** {@code min} is 1, or 0 where 0 means "none". */
  private static void bits(String what, int v, int min, Reporter.Position anchor, Reporter report) {
    String none = min == 0 ? (what.endsWith("inputBitWidth") ? " (0 = no input quantizer)" : " (0 = float)") : "";
    if (v < min || v > 32) {
      report.error(what + " = " + v + " is outside " + min + "..32" + none, anchor);
    } else if (v > 8) {
      report.error(what + " = " + v + " is outside " + min + "..8" + none + QCDQ, anchor);
    }
  }

  /** The {@code @LayerRule}s by layer name, each checked against the float model's layer it names. */
  static Map<String, LayerRuleSpec> layerRules(ModelDescriptor floatModel, Reporter report) {
    Map<String, LayerRuleSpec> byName = new LinkedHashMap<>();
    Map<String, LayerDescriptor> layers = new LinkedHashMap<>();
    floatModel.layers().forEach(l -> layers.putIfAbsent(l.layerName(), l));
    for (LayerRuleSpec o : report.spec.layerRules()) {
      String name = o.name();
      LayerDescriptor layer = layers.get(name);
      if (layer == null) {
        report.error("@LayerRule(name = \"" + name + "\"): " + floatModel.modelName() + " has no layer " + name
            + "; its layers are " + String.join(", ", layers.keySet()), Reporter.Position.of(o.anchor(), "name"));
        continue;
      }
      if (byName.containsKey(name)) {
        report.error("@LayerRule(name = \"" + name + "\") appears twice; one rule per layer",
            Reporter.Position.of(o.anchor(), "name"));
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
    String declared = name + " is a @" + kind.simpleName();
    if (kind != LayerKind.CONV2D && kind != LayerKind.LINEAR && kind != LayerKind.RELU) {
      report.error(name + ": @LayerRule applies to @Conv2d, @Linear and @ReLU layers; " + declared
          + ", which automated quantization keeps as declared", Reporter.Position.of(o.anchor(), "name"));
      return;
    }
    boolean compute = kind != LayerKind.RELU;
    List<String> computeOnly = List.of("weightBitWidth", "bias", "inputBitWidth");
    List<String> set = o.setAttributes();
    for (String attribute : compute ? List.of("reluBitWidth") : computeOnly) {
      if (set.contains(attribute)) {
        report.error(name + ": @LayerRule " + attribute + " applies to "
            + (compute ? "@ReLU layers" : "@Conv2d and @Linear layers") + "; " + declared,
            Reporter.Position.of(o.anchor(), attribute));
      }
    }
    if (o.keepFloat()) {
      for (String attribute : set) {
        if (compute == computeOnly.contains(attribute)) {
          report.error(name + ": @LayerRule keepFloat = true keeps " + name + " float, so " + attribute
              + " has no effect", Reporter.Position.of(o.anchor(), attribute));
        }
      }
    }
    if (compute) {
      o.weightBitWidth().ifPresent(v -> bits(name + ": @LayerRule weightBitWidth", v, 1,
          Reporter.Position.of(o.anchor(), "weightBitWidth"), report));
      o.inputBitWidth().ifPresent(v -> bits(name + ": @LayerRule inputBitWidth", v, 0,
          Reporter.Position.of(o.anchor(), "inputBitWidth"), report));
      o.bias().filter(b -> b != BiasRule.FLOAT && !layer.requireSpec().hasBias()).ifPresent(b ->
          report.error(name + ": @LayerRule bias = " + b + " on a layer with bias = false", Reporter.Position.of(o.anchor(), "bias")));
    } else {
      o.reluBitWidth().ifPresent(v -> bits(name + ": @LayerRule reluBitWidth", v, 0,
          Reporter.Position.of(o.anchor(), "reluBitWidth"), report));
    }
  }
}
