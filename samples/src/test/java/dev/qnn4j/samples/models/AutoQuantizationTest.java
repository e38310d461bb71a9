package dev.qnn4j.samples.models;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.qnn4j.runtime.GradMode;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.graph.AutoQuantization;
import dev.qnn4j.runtime.graph.Calibration;
import dev.qnn4j.runtime.graph.QuantizationRules;
import dev.qnn4j.runtime.nn.Conv2d;
import dev.qnn4j.runtime.nn.Conv2dOptions;
import dev.qnn4j.runtime.nn.Linear;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.nn.ModelFactory;
import dev.qnn4j.runtime.nn.Module;
import dev.qnn4j.runtime.quant.BiasQuantConfig;
import dev.qnn4j.runtime.reference.Reference;
import dev.qnn4j.runtime.train.CrossEntropyLoss;
import dev.qnn4j.runtime.train.Sgd;
import dev.qnn4j.samples.QuantModel_AutoLeNet;
import dev.qnn4j.samples.QuantModel_FloatLeNet;
import dev.qnn4j.samples.QuantModel_QuantWeightActBiasLeNet;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Automated quantization: the float LeNet quantized by the rules of the seed's
 * QuantWeightActBiasLeNet, at compile time ({@code @QuantizeFrom}, {@code QuantModel_AutoLeNet})
 * and at run time ({@link AutoQuantization#quantize}), against the hand-written model on the
 * Brevitas {@code model_ptq} reference weights, calibration batches and input.
 */
class AutoQuantizationTest {
  /**
   * The hand-written model's input quantizer is a layer of its own; the auto-quantized one belongs
   * to conv1.
   */
  private static final Map<String, String> HAND_WRITTEN_TO_AUTO =
      Map.of("quant_inp.act_quant.", "conv1.input_quant.");

  /** The rules of QuantWeightActBiasLeNet, as AutoLeNet's {@code @QuantRules} states them. */
  private static final QuantizationRules SEED_RULES =
      QuantizationRules.defaults()
          .withWeightBitWidth(4)
          .withBias(BiasQuantConfig.int32())
          .withInputBitWidth(4)
          .withReluBitWidth(4)
          .withReturnQuantTensor(true);

  private static final Map<String, Tensor> WEIGHTS =
      Reference.safetensors("lenet_weight_act_bias.weights.safetensors");
  private static final List<Tensor> CALIBRATION =
      Reference.unstack("lenet_weight_act_bias.calib.npy");
  private static final Tensor INPUT = Reference.tensor("lenet_weight_act_bias.input.npy");

  private static Model trainedFloatLeNet() {
    Model floatModel = new QuantModel_FloatLeNet();
    floatModel.loadStateDict(WEIGHTS, true);
    return floatModel;
  }

  @Test
  void autoLeNetHasTheFloatLayerNamesAndTheSeedConfiguration() {
    Model auto = new QuantModel_AutoLeNet();
    Model handWritten = new QuantModel_QuantWeightActBiasLeNet();

    assertThat(names(auto)).isEqualTo(names(new QuantModel_FloatLeNet()));
    assertThat(auto.modelName()).isEqualTo("AutoLeNet");
    assertThat(auto.inputShape()).asList().containsExactly(3L, 32L, 32L).inOrder();
    assertThat(auto.toString())
        .isEqualTo(
            String.join(
                "\n",
                "AutoLeNet(",
                "  (conv1): QuantConv2d(3, 6, kernel_size=(5, 5), stride=(1, 1), input_quant=Int4ActPerTensorFloat, "
                    + "weight_quant=Int4WeightPerTensorFloat, bias_quant=Int32Bias)",
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
    // Same state, with quant_inp.act_quant.* renamed to conv1.input_quant.*.
    assertThat(auto.stateDict().keySet())
        .containsExactlyElementsIn(
            AutoQuantization.renamed(handWritten.stateDict(), HAND_WRITTEN_TO_AUTO).keySet());
    assertThat(auto.stateDict().keySet())
        .contains("conv1.input_quant.fused_activation_quant_proxy.tensor_quant.scaling_impl.value");
  }

  @Test
  void trainedFloatWeightsCarryOverByName() {
    Model floatModel = trainedFloatLeNet();
    Model auto = AutoQuantization.carryOver(floatModel, new QuantModel_AutoLeNet());
    Model loaded = new QuantModel_AutoLeNet();
    loaded.loadStateDict(floatModel.stateDict(), false);

    assertThat(floatModel.stateDict().keySet()).containsExactlyElementsIn(WEIGHTS.keySet());
    for (Map.Entry<String, Tensor> e : WEIGHTS.entrySet()) {
      assertWithMessage(e.getKey())
          .that(auto.stateDict().get(e.getKey()).toFloatArray())
          .isEqualTo(e.getValue().toFloatArray());
      assertWithMessage(e.getKey())
          .that(loaded.stateDict().get(e.getKey()).toFloatArray())
          .isEqualTo(e.getValue().toFloatArray());
    }
  }

  @Test
  void carryOverNamesTheLayerOfEachMismatchInOneLine() {
    Model small =
        new Model() {
          private final Conv2d conv1 = new Conv2d("conv1", Conv2dOptions.of(3, 6, 5));
          private final Linear fc1 = new Linear("fc1", 256, 120, true);

          @Override
          public String modelName() {
            return "SmallNet";
          }

          @Override
          public List<Module> layers() {
            return List.of(conv1, fc1);
          }

          @Override
          public Tensor forward(Tensor x) {
            return x;
          }
        };
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> AutoQuantization.carryOver(new QuantModel_FloatLeNet(), small));

    assertThat(e)
        .hasMessageThat()
        .startsWith("cannot carry FloatLeNet's weights over to SmallNet: ");
    assertThat(e)
        .hasMessageThat()
        .contains(
            "layer fc1: fc1.weight has shape [120, 400] in FloatLeNet but [120, 256] in SmallNet");
    assertThat(e)
        .hasMessageThat()
        .contains("layer conv2: conv2.weight is in FloatLeNet but not in SmallNet");
    assertThat(e).hasMessageThat().doesNotContain("\n");
  }

  /**
   * The acceptance test: the hand-written QuantWeightActBiasLeNet, the compile-time AutoLeNet and
   * the run-time conversion of FloatLeNet, on the same weights and calibration batches, give
   * bit-identical logits in evaluation and in training mode, the same loss, and after one SGD step
   * the same parameters and logits.
   */
  @Test
  @SuppressWarnings("try") // the no-grad scope is used only for its extent
  void bitIdenticalToTheHandWrittenLeNetAfterCalibrationAndOneTrainingStep() {
    Model handWritten = new QuantModel_QuantWeightActBiasLeNet();
    handWritten.loadStateDict(WEIGHTS, false);
    Model auto = AutoQuantization.carryOver(trainedFloatLeNet(), new QuantModel_AutoLeNet());
    Model runtime = AutoQuantization.quantize(trainedFloatLeNet(), SEED_RULES);
    List<Model> models = List.of(handWritten, auto, runtime);
    for (Model m : models) {
      m.eval();
      Calibration.calibrate(m, CALIBRATION);
    }

    try (GradMode.Scope ignored = GradMode.noGrad()) {
      float[] expected = handWritten.forward(INPUT).toFloatArray();
      assertThat(auto.forward(INPUT).toFloatArray()).isEqualTo(expected);
      assertThat(runtime.forward(INPUT).toFloatArray()).isEqualTo(expected);
    }
    assertSameState(handWritten, auto);
    assertSameState(handWritten, runtime);

    int[] labels = {3, 8, 8, 0, 6, 6, 1, 6};
    float[] losses = new float[models.size()];
    float[][] logits = new float[models.size()][];
    for (int i = 0; i < models.size(); i++) {
      Model m = models.get(i);
      m.train();
      Sgd sgd = new Sgd(m.parameters(), 0.05f);
      sgd.zeroGrad();
      Tensor out = m.forward(INPUT);
      logits[i] = out.toFloatArray();
      Tensor loss = CrossEntropyLoss.mean(out, labels);
      losses[i] = loss.item();
      loss.backward();
      sgd.step();
    }
    assertThat(logits[1]).isEqualTo(logits[0]);
    assertThat(logits[2]).isEqualTo(logits[0]);
    assertThat(losses[1]).isEqualTo(losses[0]);
    assertThat(losses[2]).isEqualTo(losses[0]);
    assertSameState(handWritten, auto);
    assertSameState(handWritten, runtime);
    try (GradMode.Scope ignored = GradMode.noGrad()) {
      float[] expected = handWritten.forward(INPUT).toFloatArray();
      assertThat(auto.forward(INPUT).toFloatArray()).isEqualTo(expected);
      assertThat(runtime.forward(INPUT).toFloatArray()).isEqualTo(expected);
    }
  }

  @Test
  void runtimeConversionBuildsTheLayersOfTheGeneratedModel() {
    Model runtime = AutoQuantization.quantize(new QuantModel_FloatLeNet(), SEED_RULES, "AutoLeNet");
    Model generated = new QuantModel_AutoLeNet();

    assertThat(runtime.toString()).isEqualTo(generated.toString());
    assertThat(runtime.stateDict().keySet())
        .containsExactlyElementsIn(generated.stateDict().keySet())
        .inOrder();
    assertThat(runtime.inputShape()).isEqualTo(generated.inputShape());
    assertThat(AutoQuantization.quantize(new QuantModel_FloatLeNet(), SEED_RULES).modelName())
        .isEqualTo("QuantFloatLeNet");
  }

  @Test
  void runtimeConversionAppliesPerLayerRules() {
    QuantizationRules rules =
        SEED_RULES
            .withLayer("fc3", r -> r.withWeightBitWidth(8))
            .withLayer("relu4", r -> r.withKeepFloat(true));
    Model q = AutoQuantization.quantize(new QuantModel_FloatLeNet(), rules);

    assertThat(q.layer("fc3").describe()).contains("weight_quant=Int8WeightPerTensorFloat");
    assertThat(q.layer("fc2").describe()).contains("weight_quant=Int4WeightPerTensorFloat");
    assertThat(q.layer("relu4").describe()).isEqualTo("ReLU()");
    // relu4 now returns a float Tensor, so fc3 quantizes its input itself.
    assertThat(q.layer("fc3").describe()).contains("input_quant=Int4ActPerTensorFloat");
    assertThat(q.forward(INPUT).shape()).asList().containsExactly(8L, 10L).inOrder();
  }

  @Test
  void runtimeConversionRejectsWhatTheRulesCannotDo() {
    IllegalArgumentException noInputScale =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                AutoQuantization.quantize(
                    new QuantModel_FloatLeNet(), SEED_RULES.withInputBitWidth(0)));
    assertThat(noInputScale)
        .hasMessageThat()
        .startsWith("conv1: an Int32 bias needs the input scale");

    IllegalArgumentException unknown =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                AutoQuantization.quantize(
                    new QuantModel_FloatLeNet(), SEED_RULES.withLayer("fc4", r -> r)));
    assertThat(unknown).hasMessageThat().contains("FloatLeNet has no layer fc4");

    IllegalArgumentException quantized =
        assertThrows(
            IllegalArgumentException.class,
            () -> AutoQuantization.quantize(new QuantModel_AutoLeNet(), SEED_RULES));
    assertThat(quantized)
        .hasMessageThat()
        .startsWith("conv1: AutoQuantization.quantize converts float models");
  }

  @Test
  void serviceLoaderFindsTheFloatAndTheAutoQuantizedLeNet() {
    Map<String, ModelFactory> byName = new TreeMap<>();
    for (ModelFactory f : ServiceLoader.load(ModelFactory.class)) {
      byName.put(f.modelName(), f);
    }
    assertThat(byName.get("AutoLeNet").declaringClassName())
        .isEqualTo("dev.qnn4j.samples.AutoLeNet");
    assertThat(byName.get("AutoLeNet").create()).isInstanceOf(QuantModel_AutoLeNet.class);
    assertThat(byName.get("FloatLeNet").create()).isInstanceOf(QuantModel_FloatLeNet.class);
  }

  /** Every entry of the hand-written model's state, renamed, equals the other model's. */
  private static void assertSameState(Model handWritten, Model other) {
    Map<String, Tensor> expected =
        AutoQuantization.renamed(handWritten.stateDict(), HAND_WRITTEN_TO_AUTO);
    Map<String, Tensor> actual = other.stateDict();
    assertThat(actual.keySet()).containsExactlyElementsIn(expected.keySet());
    for (Map.Entry<String, Tensor> e : expected.entrySet()) {
      assertWithMessage(other.modelName() + " " + e.getKey())
          .that(actual.get(e.getKey()).toFloatArray())
          .isEqualTo(e.getValue().toFloatArray());
    }
  }

  private static List<String> names(Model m) {
    return m.layers().stream().map(Module::name).toList();
  }
}
