package dev.qnn4j.samples.models;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import com.google.gson.JsonObject;
import dev.qnn4j.runtime.GradMode;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.graph.Calibration;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.nn.ModelFactory;
import dev.qnn4j.runtime.nn.Module;
import dev.qnn4j.runtime.reference.HandWiredLeNets;
import dev.qnn4j.runtime.reference.Reference;
import dev.qnn4j.samples.QuantModel_QuantWeightActBiasLeNet;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The generated seed LeNets against the hand-wired ones, and their discovery through ServiceLoader.
 */
class SeedLeNetTest {

  @ParameterizedTest
  @ValueSource(strings = {"QuantWeightLeNet", "QuantWeightActLeNet", "QuantWeightActBiasLeNet"})
  void sameLayersAndStateNamesAsHandWired(String name) {
    Model generated = GeneratedLeNets.create(name);
    Model handWired = HandWiredLeNets.create(name);
    assertThat(generated.modelName()).isEqualTo(name);
    assertThat(describe(generated.layers())).isEqualTo(describe(handWired.layers()));
    assertThat(generated.stateDict().keySet())
        .containsExactlyElementsIn(handWired.stateDict().keySet())
        .inOrder();
    assertThat(generated.inputShape()).asList().containsExactly(3L, 32L, 32L).inOrder();
  }

  /**
   * Same reference weights, same calibration batches, same input: the logits must be bit-identical,
   * after calibration (evaluation mode) and in training mode.
   */
  @ParameterizedTest
  @ValueSource(strings = {"QuantWeightLeNet", "QuantWeightActLeNet", "QuantWeightActBiasLeNet"})
  @SuppressWarnings("try") // the no-grad scope is used only for its extent
  void exactlyTheLogitsOfTheHandWiredModel(String name) {
    JsonObject ptq =
        Reference.cases("model_ptq").stream()
            .filter(c -> c.get("model").getAsString().equals(name))
            .findFirst()
            .orElseThrow();
    JsonObject in = ptq.getAsJsonObject("inputs");
    Map<String, Tensor> weights = Reference.safetensors(in.get("float_weights").getAsString());
    List<Tensor> calibration = Reference.unstack(in.get("calibration_batches").getAsString());
    Tensor input = Reference.tensor(in.get("input").getAsString());

    Model generated = GeneratedLeNets.create(name);
    Model handWired = HandWiredLeNets.create(name);
    for (Model m : List.of(generated, handWired)) {
      m.loadStateDict(weights, false);
      m.eval();
      Calibration.calibrate(m, calibration);
    }
    try (GradMode.Scope ignored = GradMode.noGrad()) {
      assertThat(generated.forward(input).toFloatArray())
          .isEqualTo(handWired.forward(input).toFloatArray());
      generated.train();
      handWired.train();
      assertThat(generated.forward(input).toFloatArray())
          .isEqualTo(handWired.forward(input).toFloatArray());
    }
    Map<String, float[]> generatedState = values(generated.stateDict());
    Map<String, float[]> handWiredState = values(handWired.stateDict());
    for (String key : handWiredState.keySet()) {
      assertWithMessage(key).that(generatedState.get(key)).isEqualTo(handWiredState.get(key));
    }
  }

  @Test
  void serviceLoaderFindsTheThreeFactories() {
    Map<String, ModelFactory> byName = new TreeMap<>();
    for (ModelFactory f : ServiceLoader.load(ModelFactory.class)) {
      byName.put(f.modelName(), f);
    }
    assertThat(byName.keySet())
        .containsAtLeast("QuantWeightLeNet", "QuantWeightActLeNet", "QuantWeightActBiasLeNet");
    for (String name : GeneratedLeNets.NAMES) {
      ModelFactory factory = byName.get(name);
      assertThat(factory.declaringClassName()).isEqualTo("dev.qnn4j.samples." + name);
      Model model = factory.create();
      assertThat(model.getClass().getName()).isEqualTo("dev.qnn4j.samples.QuantModel_" + name);
      assertThat(model.modelName()).isEqualTo(name);
    }
  }

  @Test
  void printsLikeBrevitas() {
    assertThat(new QuantModel_QuantWeightActBiasLeNet().toString())
        .isEqualTo(
            String.join(
                "\n",
                "QuantWeightActBiasLeNet(",
                "  (quant_inp): QuantIdentity(act_quant=Int4ActPerTensorFloat, return_quant_tensor=True)",
                "  (conv1): QuantConv2d(3, 6, kernel_size=(5, 5), stride=(1, 1), weight_quant=Int4WeightPerTensorFloat, "
                    + "bias_quant=Int32Bias)",
                "  (relu1): QuantReLU(act_quant=Uint4ActPerTensorFloat, return_quant_tensor=True)",
                "  (conv2): QuantConv2d(6, 16, kernel_size=(5, 5), stride=(1, 1), weight_quant=Int4WeightPerTensorFloat, "
                    + "bias_quant=Int32Bias)",
                "  (relu2): QuantReLU(act_quant=Uint4ActPerTensorFloat, return_quant_tensor=True)",
                "  (fc1): QuantLinear(in_features=400, out_features=120, bias=True, weight_quant=Int4WeightPerTensorFloat, "
                    + "bias_quant=Int32Bias)",
                "  (relu3): QuantReLU(act_quant=Uint4ActPerTensorFloat, return_quant_tensor=True)",
                "  (fc2): QuantLinear(in_features=120, out_features=84, bias=True, weight_quant=Int4WeightPerTensorFloat, "
                    + "bias_quant=Int32Bias)",
                "  (relu4): QuantReLU(act_quant=Uint4ActPerTensorFloat, return_quant_tensor=True)",
                "  (fc3): QuantLinear(in_features=84, out_features=10, bias=True, weight_quant=Int4WeightPerTensorFloat, "
                    + "bias_quant=Int32Bias)",
                ")"));
  }

  private static List<String> describe(List<Module> layers) {
    return layers.stream().map(Module::toString).toList();
  }

  private static Map<String, float[]> values(Map<String, Tensor> state) {
    Map<String, float[]> out = new TreeMap<>();
    state.forEach((k, v) -> out.put(k, v.toFloatArray()));
    return out;
  }
}
