package dev.qnn4j.runtime.graph;

import dev.qnn4j.runtime.quant.ActQuantConfig;
import dev.qnn4j.runtime.quant.BiasQuantConfig;
import dev.qnn4j.runtime.quant.ScaleRestriction;
import dev.qnn4j.runtime.quant.WeightQuantConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * The rules of automated quantization at run time ({@link AutoQuantization#quantize}), the twin of
 * the compile-time {@code @QuantRules}/{@code @LayerRule}: same attributes, same defaults
 * (Brevitas' graph-quantization defaults), same meaning.
 *
 * <ul>
 *   <li>each float {@code Conv2d}/{@code Linear} becomes a {@code QuantConv2d}/{@code QuantLinear}
 *       with {@link #weightBitWidth()}-bit weights, the bias quantizer {@link #bias()} (null: float
 *       bias) when it has a bias, and an input quantizer of {@link #inputBitWidth()} signed bits
 *       when its input in the traced forward is a float tensor (0: none); it returns plain tensors;
 *   <li>each {@code ReLU} becomes a {@code QuantReLU} of {@link #reluBitWidth()} unsigned bits (0:
 *       stays float) returning QuantTensors when {@link #returnQuantTensor()};
 *   <li>{@link #keepFloat()} keeps a layer float; it is meant for per-layer rules.
 * </ul>
 *
 * Per-layer rules are derived from the global ones: {@code rules.forLayer("fc3", r ->
 * r.withWeightBitWidth(8))} gives {@code fc3} the global rules with 8-bit weights.
 *
 * @param layers per-layer rules by layer name, each a function of the global rules
 */
public record QuantizationRules(
    int weightBitWidth,
    boolean weightPerChannel,
    ScaleRestriction weightScaling,
    BiasQuantConfig bias,
    int inputBitWidth,
    int reluBitWidth,
    ScaleRestriction activationScaling,
    boolean returnQuantTensor,
    boolean keepFloat,
    Map<String, UnaryOperator<QuantizationRules>> layers) {

  public QuantizationRules {
    if (weightBitWidth < 1 || weightBitWidth > 32) {
      throw new IllegalArgumentException(
          "weightBitWidth = " + weightBitWidth + " is outside 1..32");
    }
    if (inputBitWidth < 0 || inputBitWidth > 32) {
      throw new IllegalArgumentException(
          "inputBitWidth = " + inputBitWidth + " is outside 0..32 (0 = none)");
    }
    if (reluBitWidth < 0 || reluBitWidth > 32) {
      throw new IllegalArgumentException(
          "reluBitWidth = " + reluBitWidth + " is outside 0..32 (0 = float)");
    }
    Objects.requireNonNull(weightScaling, "weightScaling");
    Objects.requireNonNull(activationScaling, "activationScaling");
    layers = Map.copyOf(layers);
  }

  /**
   * Brevitas' graph-quantization defaults: 8-bit per-tensor float-scaled weights, {@code
   * Int32Bias}, 8-bit signed input quantizers, 8-bit QuantReLUs returning QuantTensors.
   */
  public static QuantizationRules defaults() {
    return new QuantizationRules(
        8,
        false,
        ScaleRestriction.FLOAT,
        BiasQuantConfig.int32(),
        8,
        8,
        ScaleRestriction.FLOAT,
        true,
        false,
        Map.of());
  }

  public QuantizationRules withWeightBitWidth(int bits) {
    return new QuantizationRules(
        bits,
        weightPerChannel,
        weightScaling,
        bias,
        inputBitWidth,
        reluBitWidth,
        activationScaling,
        returnQuantTensor,
        keepFloat,
        layers);
  }

  public QuantizationRules withWeightPerChannel(boolean perChannel) {
    return new QuantizationRules(
        weightBitWidth,
        perChannel,
        weightScaling,
        bias,
        inputBitWidth,
        reluBitWidth,
        activationScaling,
        returnQuantTensor,
        keepFloat,
        layers);
  }

  public QuantizationRules withWeightScaling(ScaleRestriction scaling) {
    return new QuantizationRules(
        weightBitWidth,
        weightPerChannel,
        scaling,
        bias,
        inputBitWidth,
        reluBitWidth,
        activationScaling,
        returnQuantTensor,
        keepFloat,
        layers);
  }

  /** The bias quantizer, e.g. {@link BiasQuantConfig#int32()}; null keeps biases float. */
  public QuantizationRules withBias(BiasQuantConfig biasQuant) {
    return new QuantizationRules(
        weightBitWidth,
        weightPerChannel,
        weightScaling,
        biasQuant,
        inputBitWidth,
        reluBitWidth,
        activationScaling,
        returnQuantTensor,
        keepFloat,
        layers);
  }

  public QuantizationRules withInputBitWidth(int bits) {
    return new QuantizationRules(
        weightBitWidth,
        weightPerChannel,
        weightScaling,
        bias,
        bits,
        reluBitWidth,
        activationScaling,
        returnQuantTensor,
        keepFloat,
        layers);
  }

  public QuantizationRules withReluBitWidth(int bits) {
    return new QuantizationRules(
        weightBitWidth,
        weightPerChannel,
        weightScaling,
        bias,
        inputBitWidth,
        bits,
        activationScaling,
        returnQuantTensor,
        keepFloat,
        layers);
  }

  public QuantizationRules withActivationScaling(ScaleRestriction scaling) {
    return new QuantizationRules(
        weightBitWidth,
        weightPerChannel,
        weightScaling,
        bias,
        inputBitWidth,
        reluBitWidth,
        scaling,
        returnQuantTensor,
        keepFloat,
        layers);
  }

  public QuantizationRules withReturnQuantTensor(boolean returnQuant) {
    return new QuantizationRules(
        weightBitWidth,
        weightPerChannel,
        weightScaling,
        bias,
        inputBitWidth,
        reluBitWidth,
        activationScaling,
        returnQuant,
        keepFloat,
        layers);
  }

  public QuantizationRules withKeepFloat(boolean keep) {
    return new QuantizationRules(
        weightBitWidth,
        weightPerChannel,
        weightScaling,
        bias,
        inputBitWidth,
        reluBitWidth,
        activationScaling,
        returnQuantTensor,
        keep,
        layers);
  }

  /** These rules plus a rule for layer {@code name}: {@code rule} applied to the global rules. */
  public QuantizationRules withLayer(String name, UnaryOperator<QuantizationRules> rule) {
    Map<String, UnaryOperator<QuantizationRules>> all = new LinkedHashMap<>(layers);
    all.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(rule, "rule"));
    return new QuantizationRules(
        weightBitWidth,
        weightPerChannel,
        weightScaling,
        bias,
        inputBitWidth,
        reluBitWidth,
        activationScaling,
        returnQuantTensor,
        keepFloat,
        all);
  }

  /** The layers with their own rule. */
  public Set<String> layerNames() {
    return layers.keySet();
  }

  /**
   * The rules that apply to layer {@code name}: its own rule applied to the global rules, or the
   * global rules.
   */
  public QuantizationRules forLayer(String name) {
    QuantizationRules global =
        new QuantizationRules(
            weightBitWidth,
            weightPerChannel,
            weightScaling,
            bias,
            inputBitWidth,
            reluBitWidth,
            activationScaling,
            returnQuantTensor,
            keepFloat,
            Map.of());
    UnaryOperator<QuantizationRules> rule = layers.get(name);
    return rule == null ? global : rule.apply(global);
  }

  /** The weight quantizer these rules give a conv/linear layer. */
  public WeightQuantConfig weightQuant() {
    if (weightScaling == ScaleRestriction.POWER_OF_TWO) {
      return new WeightQuantConfig(
          weightBitWidth, weightPerChannel, true, ScaleRestriction.POWER_OF_TWO);
    }
    return weightPerChannel
        ? WeightQuantConfig.perChannelFloat(weightBitWidth)
        : WeightQuantConfig.perTensorFloat(weightBitWidth);
  }

  /** The signed input quantizer, or null when {@code inputBitWidth} is 0. */
  public ActQuantConfig inputQuant() {
    return inputBitWidth == 0
        ? null
        : ActQuantConfig.signed(inputBitWidth).withRestriction(activationScaling);
  }

  /** The unsigned QuantReLU quantizer, or null when {@code reluBitWidth} is 0. */
  public ActQuantConfig reluQuant() {
    return reluBitWidth == 0
        ? null
        : ActQuantConfig.unsigned(reluBitWidth).withRestriction(activationScaling);
  }
}
