package dev.qnn4j.processor.model;

import dev.qnn4j.annotations.BiasRule;
import dev.qnn4j.annotations.Scaling;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import javax.lang.model.type.TypeMirror;

/**
 * A {@code @QuantizeFrom} annotation read once: the float model it names, its {@code @QuantRules}
 * and its {@code @LayerRule}s, typed. The anchors position diagnostics.
 *
 * @param floatModel the {@code value} class, or null when javac could not resolve it
 */
public record QuantizeFromSpec(
    TypeMirror floatModel, Rules rules, List<LayerRuleSpec> layerRules, Anchor anchor) {
  public QuantizeFromSpec {
    layerRules = List.copyOf(layerRules);
  }

  /** {@code @QuantRules}: the defaults for every layer. */
  public record Rules(
      int weightBitWidth,
      boolean weightPerChannel,
      Scaling weightScaling,
      BiasRule bias,
      int inputBitWidth,
      int reluBitWidth,
      Scaling activationScaling,
      boolean returnQuantTensor,
      int accumulatorBitWidth,
      Anchor anchor) {}

  /**
   * {@code @LayerRule}: one layer's exceptions to the rules; an attribute left at {@code INHERIT}
   * is empty.
   */
  public record LayerRuleSpec(
      String name,
      boolean keepFloat,
      OptionalInt weightBitWidth,
      Optional<BiasRule> bias,
      OptionalInt inputBitWidth,
      OptionalInt reluBitWidth,
      Anchor anchor) {

    /**
     * The attributes this rule sets, by name (for messages), among those that only some layers
     * take.
     */
    public List<String> setAttributes() {
      List<String> set = new java.util.ArrayList<>();
      weightBitWidth.ifPresent(v -> set.add("weightBitWidth"));
      bias.ifPresent(v -> set.add("bias"));
      inputBitWidth.ifPresent(v -> set.add("inputBitWidth"));
      reluBitWidth.ifPresent(v -> set.add("reluBitWidth"));
      return set;
    }
  }
}
