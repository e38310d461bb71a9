package dev.qnn4j.runtime.graph;

import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.nn.Conv2d;
import dev.qnn4j.runtime.nn.Linear;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.nn.Module;
import dev.qnn4j.runtime.nn.QuantConv2d;
import dev.qnn4j.runtime.nn.QuantLinear;
import dev.qnn4j.runtime.nn.QuantReLU;
import dev.qnn4j.runtime.nn.QuantWeightLayer;
import dev.qnn4j.runtime.nn.ReLU;
import dev.qnn4j.runtime.nn.WeightLayer;
import dev.qnn4j.runtime.quant.ActQuantConfig;
import dev.qnn4j.runtime.quant.BiasQuantConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Automated quantization at run time (Brevitas' {@code brevitas.graph.quantize}): carrying trained
 * float weights over to a quantized model by name, and deriving a quantized model from a float one
 * by {@link QuantizationRules} without compile-time generation.
 *
 * <pre>{@code
 * Model trained = new QuantModel_FloatLeNet();            // ... trained in float
 * Model q = AutoQuantization.carryOver(trained, new QuantModel_AutoLeNet()); // @QuantizeFrom, compile time
 * Model r = AutoQuantization.quantize(trained, QuantizationRules.defaults().withWeightBitWidth(4)); // run time
 * }</pre>
 */
public final class AutoQuantization {
  /** State-dict entries of quantizers (scales), which a float model does not have. */
  private static final String QUANTIZER = "_quant.";

  private AutoQuantization() {}

  /**
   * Copies every parameter and buffer of {@code floatModel} into the entry of the same name of
   * {@code quantModel}, after checking that names and shapes match both ways (quantizer scales,
   * {@code <layer>.act_quant...}/{@code <layer>.input_quant...}, excepted: calibration or training
   * sets them).
   *
   * @return {@code quantModel}
   * @throws IllegalArgumentException listing every mismatch in one line, each naming its layer:
   *     {@code cannot carry FloatLeNet's weights over to AutoLeNet: layer fc1: fc1.weight has shape
   *     [120, 256] in FloatLeNet but [120, 400] in AutoLeNet}
   */
  public static <M extends Model> M carryOver(Model floatModel, M quantModel) {
    Map<String, Tensor> source = floatModel.stateDict();
    Map<String, Tensor> target = quantModel.stateDict();
    String from = floatModel.modelName();
    String to = quantModel.modelName();
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, Tensor> e : source.entrySet()) {
      String key = e.getKey();
      Tensor t = target.get(key);
      if (t == null) {
        if (!key.contains(QUANTIZER)) {
          problems.add(layerOf(key) + key + " is in " + from + " but not in " + to);
        }
      } else if (!Arrays.equals(t.shape(), e.getValue().shape())) {
        problems.add(
            layerOf(key)
                + key
                + " has shape "
                + Arrays.toString(e.getValue().shape())
                + " in "
                + from
                + " but "
                + Arrays.toString(t.shape())
                + " in "
                + to);
      }
    }
    for (String key : target.keySet()) {
      if (!key.contains(QUANTIZER) && !source.containsKey(key)) {
        problems.add(layerOf(key) + key + " is in " + to + " but not in " + from);
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(
          "cannot carry " + from + "'s weights over to " + to + ": " + String.join("; ", problems));
    }
    Map<String, Tensor> shared = new LinkedHashMap<>(source);
    shared.keySet().retainAll(target.keySet());
    quantModel.loadStateDict(shared, false);
    return quantModel;
  }

  private static String layerOf(String key) {
    int dot = key.indexOf('.');
    return "layer " + (dot < 0 ? key : key.substring(0, dot)) + ": ";
  }

  /**
   * {@code state} with keys renamed by prefix, e.g. to load the state of the seed's hand-written
   * {@code QuantWeightActBiasLeNet} into an auto-quantized LeNet, whose input quantizer belongs to
   * {@code conv1}: {@code renamed(state, Map.of("quant_inp.act_quant.", "conv1.input_quant."))}.
   * Keys without a listed prefix are kept.
   */
  public static Map<String, Tensor> renamed(
      Map<String, Tensor> state, Map<String, String> prefixes) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (Map.Entry<String, Tensor> e : state.entrySet()) {
      String key = e.getKey();
      for (Map.Entry<String, String> p : prefixes.entrySet()) {
        if (key.startsWith(p.getKey())) {
          key = p.getValue() + key.substring(p.getKey().length());
          break;
        }
      }
      if (out.put(key, e.getValue()) != null) {
        throw new IllegalArgumentException("renaming gives two entries named " + key);
      }
    }
    return out;
  }

  /**
   * {@link #quantize(Model, QuantizationRules, String, Tensor)} named {@code Quant<FloatName>},
   * traced on zeros of the model's input shape.
   */
  public static TracedModel quantize(Model floatModel, QuantizationRules rules) {
    return quantize(floatModel, rules, "Quant" + floatModel.modelName());
  }

  /**
   * {@link #quantize(Model, QuantizationRules, String, Tensor)} traced on zeros of the model's
   * input shape (batch 1).
   */
  public static TracedModel quantize(Model floatModel, QuantizationRules rules, String modelName) {
    long[] shape = floatModel.inputShape();
    if (shape.length == 0) {
      throw new IllegalArgumentException(
          floatModel.modelName()
              + " declares no input shape; pass an example"
              + " input to AutoQuantization.quantize");
    }
    long[] batch = new long[shape.length + 1];
    batch[0] = 1;
    System.arraycopy(shape, 0, batch, 1, shape.length);
    return quantize(floatModel, rules, modelName, Tensor.zeros(batch));
  }

  /**
   * Derives a quantized model from a float one: traces {@code floatModel.forward(example)} (in
   * evaluation mode, without gradients), replaces its layers by the rules, exactly as
   * {@code @QuantizeFrom} does at compile time (same layer names, same input quantizers, same
   * configurations), and carries the float weights over. The float model is not changed and shares
   * nothing with the result.
   *
   * @throws IllegalArgumentException naming the layer, for a layer the rules cannot convert (the
   *     float model may hold {@code Conv2d}, {@code Linear} and {@code ReLU} layers), a rule for an
   *     unknown layer, or a quantized bias whose input is float and not quantized
   */
  public static TracedModel quantize(
      Model floatModel, QuantizationRules rules, String modelName, Tensor example) {
    String floatName = floatModel.modelName();
    Set<String> names = new TreeSet<>();
    for (Module m : floatModel.layers()) {
      names.add(m.name());
      if (m instanceof QuantWeightLayer
          || !(m instanceof Conv2d || m instanceof Linear || m instanceof ReLU)) {
        throw new IllegalArgumentException(
            m.name()
                + ": AutoQuantization.quantize converts float models of Conv2d,"
                + " Linear and ReLU layers, but "
                + m.name()
                + " is a "
                + m.getClass().getSimpleName()
                + "; declare the model with @QuantModel and quantize it with @QuantizeFrom instead");
      }
    }
    for (String name : rules.layerNames()) {
      if (!names.contains(name)) {
        throw new IllegalArgumentException(
            "a rule names layer "
                + name
                + ", but "
                + floatName
                + " has no layer "
                + name
                + "; its layers are "
                + String.join(", ", names));
      }
    }
    ForwardGraph graph = ForwardGraph.trace(floatModel, example);

    // Which values are QuantTensors once the ReLUs are quantized (compute layers return plain
    // tensors).
    List<ForwardGraph.Step> steps = graph.steps();
    boolean[] quantTensor = new boolean[steps.size() + 1];
    Map<Module, Boolean> floatInput = new IdentityHashMap<>();
    for (int i = 0; i < steps.size(); i++) {
      ForwardGraph.Step s = steps.get(i);
      boolean in = quantTensor[s.inputs().get(0)];
      quantTensor[i + 1] =
          switch (s.op()) {
            case LAYER -> {
              if (s.layer() instanceof ReLU) {
                QuantizationRules r = rules.forLayer(s.layer().name());
                yield !r.keepFloat() && r.reluBitWidth() > 0 && r.returnQuantTensor();
              }
              floatInput.merge(s.layer(), !in, Boolean::logicalOr);
              yield false;
            }
            case MAX_POOL, FLATTEN -> in;
            default -> false;
          };
    }

    Map<Module, Module> quantized = new IdentityHashMap<>();
    List<Module> layers = new ArrayList<>();
    for (Module m : floatModel.layers()) {
      Module q = convert(m, rules.forLayer(m.name()), floatInput.getOrDefault(m, false), floatName);
      quantized.put(m, q);
      layers.add(q);
    }
    TracedModel model =
        new TracedModel(
            modelName, floatModel.inputShape(), layers, graph.mapLayers(quantized::get));
    if (!floatModel.isTraining()) {
      model.eval();
    }
    return carryOver(floatModel, model);
  }

  private static Module convert(
      Module m, QuantizationRules r, boolean floatInput, String floatName) {
    String name = m.name();
    if (m instanceof ReLU) {
      return r.keepFloat() || r.reluBitWidth() == 0
          ? new ReLU(name)
          : new QuantReLU(name, r.reluQuant(), r.returnQuantTensor());
    }
    Conv2d layer = m instanceof Conv2d c ? c : null;
    boolean hasBias = ((WeightLayer) m).bias() != null;
    if (r.keepFloat()) {
      return m instanceof Conv2d c
          ? new Conv2d(name, c.options())
          : new Linear(name, ((Linear) m).inFeatures(), ((Linear) m).outFeatures(), hasBias);
    }
    ActQuantConfig input = floatInput ? r.inputQuant() : null;
    BiasQuantConfig bias = hasBias ? r.bias() : null;
    if (bias != null && floatInput && input == null) {
      throw new IllegalArgumentException(
          name
              + ": an Int"
              + bias.bitWidth()
              + " bias needs the input scale (bias"
              + " scale = input scale x weight scale), but the input of "
              + name
              + " in "
              + floatName
              + ".forward is a"
              + " float Tensor and inputBitWidth = 0 adds no input quantizer");
    }
    if (layer != null) {
      return new QuantConv2d(name, layer.options(), r.weightQuant(), bias, input, null, false);
    }
    Linear linear = (Linear) m;
    return new QuantLinear(
        name,
        linear.inFeatures(),
        linear.outFeatures(),
        hasBias,
        r.weightQuant(),
        bias,
        input,
        null,
        false);
  }
}
