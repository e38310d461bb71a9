package dev.qnn4j.runtime.train;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.qnn4j.runtime.GradMode;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.data.Dataset;
import dev.qnn4j.runtime.graph.Calibration;
import dev.qnn4j.runtime.io.ArrayData;
import dev.qnn4j.runtime.io.Qnn4jFormatException;
import dev.qnn4j.runtime.io.Safetensors;
import dev.qnn4j.runtime.io.Safetensors.SafetensorsFile;
import dev.qnn4j.runtime.nn.BatchNorm2d;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.nn.Module;
import dev.qnn4j.runtime.quant.ActQuantizer;
import dev.qnn4j.runtime.reference.HandWiredLeNets;
import dev.qnn4j.runtime.train.TestModels.TinyQuantNet;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {
  private static final String RELU1 =
      "relu1.act_quant.fused_activation_quant_proxy.tensor_quant.scaling_impl";

  @TempDir Path dir;

  /** A TinyQuantNet trained for {@code steps} steps with Adam, returned with its optimizer. */
  private static Adam train(TinyQuantNet model, int steps) throws Exception {
    Trainer.initialize(model, 7);
    Adam adam = new Adam(model.parameters(), 1e-2f);
    Dataset data = TestModels.quadrants(64, 1, 8, 1);
    new Trainer(model, adam, TrainerConfig.of(10, 16, 7).withMaxSteps(steps)).fit(data, null);
    return adam;
  }

  private static float[] evalOutput(Model model, Tensor x) {
    model.eval();
    try (GradMode.Scope ignored = GradMode.noGrad()) {
      return model.forward(x).toFloatArray();
    }
  }

  @Test
  void roundTripRestoresOutputsQuantizerAndOptimizerState() throws Exception {
    // 6 steps: past the 3-step statistics phase, so the learned scales are in use and trained.
    TinyQuantNet model = new TinyQuantNet();
    Adam adam = train(model, 6);
    Path file = dir.resolve("ckpt.safetensors");
    TrainingState state = new TrainingState(6, 1, 2, 7, 16, Map.of("note", "hello"));
    Checkpoint.save(file, model, adam, state);

    TinyQuantNet fresh = new TinyQuantNet();
    Adam freshAdam = new Adam(fresh.parameters(), 1e-2f);
    TrainingState loaded = Checkpoint.load(file, fresh, freshAdam);

    assertThat(loaded.step()).isEqualTo(6);
    assertThat(loaded.epoch()).isEqualTo(1);
    assertThat(loaded.batchInEpoch()).isEqualTo(2);
    assertThat(loaded.seed()).isEqualTo(7);
    assertThat(loaded.batchSize()).isEqualTo(16);
    assertThat(loaded.metadata()).containsEntry("note", "hello");
    assertThat(loaded.metadata()).containsEntry("qnn4j.optimizer", "Adam");
    assertThat(loaded.metadata()).containsEntry("qnn4j.optimizer.lr", "0.01");

    Tensor x = TestModels.uniform(3, 5, 1, 8, 8);
    assertThat(evalOutput(fresh, x)).isEqualTo(evalOutput(model, x));
    List<ActQuantizer> before = List.copyOf(ModelQuantizers.byPrefix(model).values());
    List<ActQuantizer> after = List.copyOf(ModelQuantizers.byPrefix(fresh).values());
    assertThat(after).hasSize(2);
    for (int i = 0; i < before.size(); i++) {
      assertThat(after.get(i).counter()).isEqualTo(before.get(i).counter());
      assertThat(after.get(i).collectStatsSteps()).isEqualTo(before.get(i).collectStatsSteps());
      assertThat(after.get(i).buffer()).isEqualTo(before.get(i).buffer());
      assertThat(after.get(i).value().item()).isEqualTo(before.get(i).value().item());
      assertThat(after.get(i).parameterInitialized()).isTrue();
    }
    assertThat(freshAdam.stateDict()).isEqualTo(adam.stateDict());
  }

  @Test
  void calibratedModelRoundTrips() throws Exception {
    TinyQuantNet model = new TinyQuantNet();
    Trainer.initialize(model, 4);
    Calibration.calibrate(
        model, List.of(TestModels.uniform(1, 8, 1, 8, 8), TestModels.uniform(2, 8, 1, 8, 8)));
    Path file = dir.resolve("ptq.safetensors");
    Checkpoint.save(file, model, null, TrainingState.start(4, 8));
    assertThat(Safetensors.read(file).tensors().get(RELU1 + ".collect_stats_steps").longs())
        .isEqualTo(new long[] {Long.MAX_VALUE - 1});

    TinyQuantNet fresh = new TinyQuantNet();
    Checkpoint.load(file, fresh, null);
    Tensor x = TestModels.uniform(3, 4, 1, 8, 8);
    assertThat(evalOutput(fresh, x)).isEqualTo(evalOutput(model, x));
    assertThat(fresh.relu1.quantizer().buffer()).isEqualTo(model.relu1.quantizer().buffer());
    assertThat(fresh.relu1.quantizer().counter()).isEqualTo(model.relu1.quantizer().counter());
  }

  @Test
  void fileHoldsPyTorchNamesShapesAndDocumentedQuantizerEntries() throws Exception {
    Model lenet = HandWiredLeNets.create("QuantWeightActBiasLeNet");
    Path file = dir.resolve("lenet.safetensors");
    Checkpoint.save(
        file, lenet, new Sgd(lenet.parameters(), 0.1f, 0.9f, 0f), TrainingState.start(1, 32));

    SafetensorsFile f = Safetensors.read(file);
    Map<String, ArrayData> t = f.tensors();
    assertThat(t.get("conv1.weight").shape()).isEqualTo(new long[] {6, 3, 5, 5});
    assertThat(t.get("conv1.bias").shape()).isEqualTo(new long[] {6});
    assertThat(t.get("conv2.weight").shape()).isEqualTo(new long[] {16, 6, 5, 5});
    assertThat(t.get("fc1.weight").shape()).isEqualTo(new long[] {120, 400});
    assertThat(t.get("fc3.weight").shape()).isEqualTo(new long[] {10, 84});
    assertThat(t.get("fc3.bias").dtype()).isEqualTo(ArrayData.DType.FLOAT32);
    assertThat(t.get("conv1.weight").floats())
        .isEqualTo(lenet.stateDict().get("conv1.weight").toFloatArray());
    String prefix = "relu1.act_quant.fused_activation_quant_proxy.tensor_quant.scaling_impl";
    assertThat(t.get(prefix + ".value").shape()).isEmpty();
    assertThat(t.get(prefix + ".value").dtype()).isEqualTo(ArrayData.DType.FLOAT32);
    assertThat(t.get(prefix + ".buffer").dtype()).isEqualTo(ArrayData.DType.FLOAT32);
    assertThat(t.get(prefix + ".counter").dtype()).isEqualTo(ArrayData.DType.INT64);
    assertThat(t.get(prefix + ".collect_stats_steps").longs()).isEqualTo(new long[] {300});
    assertThat(t)
        .containsKey(
            "quant_inp.act_quant.fused_activation_quant_proxy.tensor_quant.scaling_impl.counter");
    // No SGD step yet: no momentum buffers, as in PyTorch.
    assertThat(t.keySet().stream().anyMatch(k -> k.startsWith("optimizer."))).isFalse();
    assertThat(f.metadata()).containsEntry("qnn4j.model", "QuantWeightActBiasLeNet");
    assertThat(f.metadata()).containsEntry("qnn4j.format", "1");
    assertThat(f.metadata()).containsEntry("qnn4j.optimizer", "SGD");
    assertThat(f.metadata()).containsEntry("qnn4j.seed", "1");
    // Every state-dict entry is there under its own name.
    assertThat(t.keySet()).containsAtLeastElementsIn(lenet.stateDict().keySet());
  }

  @Test
  void sgdMomentumBuffersRoundTrip() throws Exception {
    TinyQuantNet model = new TinyQuantNet();
    Sgd sgd = new Sgd(model.parameters(), 0.05f, 0.9f, 1e-4f);
    new Trainer(model, sgd, TrainerConfig.of(1, 16, 3).withMaxSteps(2))
        .fit(TestModels.quadrants(32, 1, 8, 2), null);
    Path file = dir.resolve("sgd.safetensors");
    Checkpoint.save(file, model, sgd, TrainingState.start(3, 16));
    assertThat(Safetensors.read(file).tensors())
        .containsKey("optimizer.conv1.weight.momentum_buffer");

    TinyQuantNet fresh = new TinyQuantNet();
    Sgd freshSgd = new Sgd(fresh.parameters(), 0.05f, 0.9f, 1e-4f);
    Checkpoint.load(file, fresh, freshSgd);
    assertThat(freshSgd.stateDict()).isEqualTo(sgd.stateDict());

    Adam adam = new Adam(new TinyQuantNet().parameters(), 1e-3f);
    Qnn4jFormatException e =
        assertThrows(
            Qnn4jFormatException.class, () -> Checkpoint.load(file, new TinyQuantNet(), adam));
    assertThat(e).hasMessageThat().contains("holds SGD optimizer state, cannot load it into Adam");
  }

  @Test
  void loadingAnotherModelNamesBothClasses() throws Exception {
    Path file = dir.resolve("tiny.safetensors");
    TinyQuantNet tiny = new TinyQuantNet();
    Checkpoint.save(file, tiny, null, TrainingState.start(0, 8));
    Qnn4jFormatException e =
        assertThrows(
            Qnn4jFormatException.class,
            () -> Checkpoint.load(file, new TestModels.OtherNet(), null));
    assertThat(e).hasMessageThat().contains("TinyQuantNet");
    assertThat(e).hasMessageThat().contains("OtherNet");
    assertThat(e).hasMessageThat().startsWith(file.toString() + ": ");
    e =
        assertThrows(
            Qnn4jFormatException.class,
            () -> Checkpoint.load(file, HandWiredLeNets.create("QuantWeightLeNet"), null));
    assertThat(e).hasMessageThat().contains("cannot load it into QuantWeightLeNet");
  }

  @Test
  void loadWeightsAcceptsPlainPyTorchWeights() throws Exception {
    // The Brevitas reference weights: float tensors only, no quantizer entries, no metadata.
    Path file = dir.resolve("lenet_weight_act_bias.weights.safetensors");
    try (InputStream in =
        getClass()
            .getClassLoader()
            .getResourceAsStream("reference/brevitas/lenet_weight_act_bias.weights.safetensors")) {
      Files.copy(in, file);
    }
    Model lenet = HandWiredLeNets.create("QuantWeightActBiasLeNet");
    Checkpoint.loadWeights(file, lenet);
    Map<String, ArrayData> expected = Safetensors.read(file).tensors();
    assertThat(lenet.stateDict().get("fc2.weight").toFloatArray())
        .isEqualTo(expected.get("fc2.weight").floats());
    // The quantizers were not touched: they will still collect statistics.
    assertThat(ModelQuantizers.byPrefix(lenet).get(RELU1).counter()).isEqualTo(0);

    // A checkpoint without qnn4j metadata is not a checkpoint.
    Qnn4jFormatException e =
        assertThrows(Qnn4jFormatException.class, () -> Checkpoint.load(file, lenet, null));
    assertThat(e).hasMessageThat().contains("loadWeights");
  }

  @Test
  void loadWeightsWithTrainedScaleSkipsStatisticsLikeBrevitas() throws Exception {
    Path file = dir.resolve("scale.safetensors");
    Map<String, ArrayData> tensors = new LinkedHashMap<>();
    tensors.put(RELU1 + ".value", ArrayData.ofFloats(new float[] {2.5f}));
    Safetensors.write(file, tensors);
    TinyQuantNet model = new TinyQuantNet();
    Checkpoint.loadWeights(file, model);
    ActQuantizer q = ModelQuantizers.byPrefix(model).get(RELU1);
    assertThat(q.parameterInitialized()).isTrue();
    assertThat(q.value().item()).isEqualTo(2.5f);
  }

  @Test
  void loadWeightsRejectsUnknownNamesAndWrongShapesWithOneLine() throws Exception {
    TinyQuantNet model = new TinyQuantNet();
    float[] before = model.conv1.weight().toFloatArray();

    Path unknown = dir.resolve("unknown.safetensors");
    Map<String, ArrayData> t = new LinkedHashMap<>();
    t.put("conv1.weight", ArrayData.ofFloats(new float[36], 4, 1, 3, 3));
    t.put("conv9.weight", ArrayData.ofFloats(new float[4], 4));
    Safetensors.write(unknown, t);
    Qnn4jFormatException e =
        assertThrows(Qnn4jFormatException.class, () -> Checkpoint.loadWeights(unknown, model));
    assertThat(e)
        .hasMessageThat()
        .isEqualTo(unknown + ": tensor 'conv9.weight' does not belong to model TinyQuantNet");
    // Validation precedes any change: conv1.weight was not loaded.
    assertThat(model.conv1.weight().toFloatArray()).isEqualTo(before);

    Path misshapen = dir.resolve("shape.safetensors");
    Safetensors.write(
        misshapen, Map.of("conv1.weight", ArrayData.ofFloats(new float[27], 3, 1, 3, 3)));
    e = assertThrows(Qnn4jFormatException.class, () -> Checkpoint.loadWeights(misshapen, model));
    assertThat(e)
        .hasMessageThat()
        .isEqualTo(
            misshapen
                + ": tensor 'conv1.weight' has shape [3, 1, 3, 3], model TinyQuantNet expects [4, 1, 3, 3]");
    assertThat(e.getMessage()).doesNotContain("\n");
  }

  @Test
  void strictLoadReportsMissingTensor() throws Exception {
    TinyQuantNet model = new TinyQuantNet();
    Path file = dir.resolve("full.safetensors");
    Checkpoint.save(file, model, null, TrainingState.start(0, 8));
    SafetensorsFile f = Safetensors.read(file);
    Map<String, ArrayData> partial = new LinkedHashMap<>(f.tensors());
    partial.remove("fc1.bias");
    Path broken = dir.resolve("partial.safetensors");
    Safetensors.write(broken, partial, f.metadata());
    Qnn4jFormatException e =
        assertThrows(
            Qnn4jFormatException.class, () -> Checkpoint.load(broken, new TinyQuantNet(), null));
    assertThat(e).hasMessageThat().contains("'fc1.bias' of model TinyQuantNet is missing");
  }

  @Test
  void batchNormStatisticsAreSavedWithPyTorchDtypes() throws Exception {
    BatchNorm2d bn = new BatchNorm2d("bn1", 3);
    Model model =
        new Model() {
          @Override
          public String modelName() {
            return "BnOnly";
          }

          @Override
          public List<Module> layers() {
            return List.of(bn);
          }

          @Override
          public Tensor forward(Tensor x) {
            return bn.forward(x);
          }
        };
    model.train();
    model.forward(TestModels.uniform(1, 4, 3, 2, 2));
    model.forward(TestModels.uniform(2, 4, 3, 2, 2));
    Path file = dir.resolve("bn.safetensors");
    Checkpoint.save(file, model, null, TrainingState.start(0, 4));
    Map<String, ArrayData> t = Safetensors.read(file).tensors();
    assertThat(t.get("bn1.num_batches_tracked").dtype()).isEqualTo(ArrayData.DType.INT64);
    assertThat(t.get("bn1.num_batches_tracked").longs()).isEqualTo(new long[] {2});
    assertThat(t.get("bn1.running_mean").floats()).isEqualTo(bn.runningMean());

    BatchNorm2d bn2 = new BatchNorm2d("bn1", 3);
    Model other =
        new Model() {
          @Override
          public String modelName() {
            return "BnOnly";
          }

          @Override
          public List<Module> layers() {
            return List.of(bn2);
          }

          @Override
          public Tensor forward(Tensor x) {
            return bn2.forward(x);
          }
        };
    Checkpoint.load(file, other, null);
    assertThat(bn2.runningVar()).isEqualTo(bn.runningVar());
    assertThat(other.stateDict().get("bn1.num_batches_tracked").item()).isEqualTo(2f);
  }
}
