package dev.qnn4j.runtime.train;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.data.Dataset;
import dev.qnn4j.runtime.graph.Calibration;
import dev.qnn4j.runtime.io.NonFiniteValueException;
import dev.qnn4j.runtime.nn.WeightLayer;
import dev.qnn4j.runtime.quant.ActQuantizer;
import dev.qnn4j.runtime.quant.NonFiniteStatisticException;
import dev.qnn4j.runtime.train.TestModels.TinyQuantNet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * NaN and infinity never become state through the Java API: {@link Checkpoint#save} refuses them
 * naming the tensor, and activation statistics stop at the first layer whose statistic is not
 * finite, during calibration and during the statistics phase of training.
 */
class NonFiniteStateTest {
  @TempDir Path dir;

  private static final String SCALING = ".fused_activation_quant_proxy.tensor_quant.scaling_impl";

  private static ActQuantizer quantizer(TinyQuantNet model, String name) {
    return ModelQuantizers.byPrefix(model).get(name + SCALING);
  }

  private static TinyQuantNet model() {
    TinyQuantNet model = new TinyQuantNet();
    Trainer.initialize(model, 3);
    return model;
  }

  private static Tensor images(int n, long seed) {
    Random rng = new Random(seed);
    float[] x = new float[n * 64];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) rng.nextGaussian();
    }
    return Tensor.of(x, n, 1, 8, 8);
  }

  /** Every file in {@code dir} with its bytes, to show that a refused save changed nothing. */
  private Map<String, List<Byte>> listing() throws Exception {
    try (var files = Files.list(dir)) {
      return files.collect(
          java.util.stream.Collectors.toMap(
              p -> p.getFileName().toString(),
              p -> {
                try {
                  byte[] b = Files.readAllBytes(p);
                  Byte[] boxed = new Byte[b.length];
                  Arrays.setAll(boxed, i -> b[i]);
                  return List.of(boxed);
                } catch (java.io.IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              }));
    }
  }

  @Test
  void saveRefusesANanWeightNamingItAndLeavesTheOldCheckpoint() throws Exception {
    TinyQuantNet model = model();
    Path file = dir.resolve("c.safetensors");
    Checkpoint.save(file, model, null, TrainingState.start(0, 8));
    Map<String, List<Byte>> before = listing();
    WeightLayer fc1 = (WeightLayer) model.layer("fc1");
    float[] w = fc1.weight().toFloatArray();
    w[5] = Float.NaN;
    fc1.weight().set(w);

    NonFiniteValueException e =
        assertThrows(
            NonFiniteValueException.class,
            () -> Checkpoint.save(file, model, null, TrainingState.start(0, 8)));
    assertThat(e)
        .hasMessageThat()
        .isEqualTo(
            "cannot write "
                + file
                + ": tensor 'fc1.weight' holds NaN at element 5 of shape [4, 36]; non-finite values are never saved");
    assertThat(e.tensor()).isEqualTo("fc1.weight");
    assertThat(listing()).isEqualTo(before);
  }

  @Test
  void saveRefusesAnInfiniteQuantizerStatisticOrOptimizerMoment() throws Exception {
    TinyQuantNet model = model();
    ActQuantizer relu = quantizer(model, "relu1.act_quant");
    relu.restoreState(1, 3, Float.POSITIVE_INFINITY, 1f);
    Path file = dir.resolve("q.safetensors");
    NonFiniteValueException e =
        assertThrows(
            NonFiniteValueException.class,
            () -> Checkpoint.save(file, model, null, TrainingState.start(0, 8)));
    assertThat(e)
        .hasMessageThat()
        .contains("tensor 'relu1.act_quant" + SCALING + ".buffer' holds Infinity at element 0");
    assertThat(Files.exists(file)).isFalse();

    TinyQuantNet other = model();
    Adam adam = new Adam(other.parameters(), 1e-3f);
    CrossEntropyLoss.mean(other.forward(images(4, 5)), new int[] {0, 1, 2, 3}).backward();
    adam.step(); // creates the moments
    Map<String, dev.qnn4j.runtime.io.ArrayData> state = adam.stateDict();
    String moment =
        state.keySet().stream()
            .filter(k -> state.get(k).dtype().isFloatingPoint() && state.get(k).numElements() > 0)
            .findFirst()
            .orElseThrow();
    float[] v = state.get(moment).floats();
    v[0] = Float.NEGATIVE_INFINITY;
    Map<String, dev.qnn4j.runtime.io.ArrayData> poisoned = new java.util.LinkedHashMap<>(state);
    poisoned.put(moment, dev.qnn4j.runtime.io.ArrayData.ofFloats(v, state.get(moment).shape()));
    adam.loadStateDict(poisoned);
    NonFiniteValueException m =
        assertThrows(
            NonFiniteValueException.class,
            () -> Checkpoint.save(file, other, adam, TrainingState.start(0, 8)));
    assertThat(m)
        .hasMessageThat()
        .contains("tensor 'optimizer." + moment + "' holds -Infinity at element 0");
    assertThat(Files.exists(file)).isFalse();
  }

  @Test
  void calibrationStopsAtTheFirstLayerWhoseStatisticIsNotFinite() {
    TinyQuantNet model = model();
    model.eval();
    Tensor good = images(4, 1);
    float[] x = good.toFloatArray();
    x[70] = Float.NaN;
    Tensor bad = Tensor.of(x, 4, 1, 8, 8);
    NonFiniteStatisticException e =
        assertThrows(
            NonFiniteStatisticException.class,
            () -> Calibration.calibrate(model, List.of(good, bad)));
    System.out.println("calibration error: " + e.getMessage());
    assertThat(e.layer()).isEqualTo("quant_inp");
    assertThat(e)
        .hasMessageThat()
        .startsWith(
            "layer quant_inp: the activation statistic of act_quant became"
                + " non-finite at statistics step 2 (batch statistic NaN, the 99.999th percentile of |x|)");
    // The running statistic keeps the first batch's value, and calibration mode was left.
    ActQuantizer in = quantizer(model, "quant_inp.act_quant");
    TinyQuantNet reference = model();
    reference.eval();
    Calibration.calibrate(reference, List.of(good));
    assertThat(in.buffer()).isEqualTo(quantizer(reference, "quant_inp.act_quant").buffer());
    assertThat(model.isTraining()).isFalse();
    assertThat(model.forward(good).toFloatArray()[0]).isFinite();
  }

  @Test
  void calibrationNamesADeeperLayerWhenFiniteInputsOverflowInside() {
    TinyQuantNet model = model();
    WeightLayer conv1 = (WeightLayer) model.layer("conv1");
    float[] huge = new float[(int) conv1.weight().numel()];
    Arrays.fill(huge, 3e38f);
    conv1.weight().set(huge);
    NonFiniteStatisticException e =
        assertThrows(
            NonFiniteStatisticException.class,
            () -> Calibration.calibrate(model, List.of(images(4, 2))));
    assertThat(e.layer()).isEqualTo("relu1");
    assertThat(Float.isFinite(quantizer(model, "relu1.act_quant").buffer())).isTrue();
  }

  @Test
  void trainingStatisticsStopAtTheLayerAndNothingIsSaved() throws Exception {
    TinyQuantNet model = model();
    WeightLayer conv1 = (WeightLayer) model.layer("conv1");
    float[] huge = new float[(int) conv1.weight().numel()];
    Arrays.fill(huge, 3e38f);
    conv1.weight().set(huge);
    Dataset data =
        Dataset.of(images(8, 4).toFloatArray(), new int[] {0, 1, 2, 3, 0, 1, 2, 3}, 1, 8, 8, 4);
    Path file = dir.resolve("t.safetensors");
    TrainerConfig config = new TrainerConfig(1, 8, true, 3, 0, 256, file);
    TrainingDivergedException e =
        assertThrows(
            TrainingDivergedException.class,
            () -> new Trainer(model, new Sgd(model.parameters(), 0.01f), config).fit(data, null));
    assertThat(e)
        .hasMessageThat()
        .contains(
            "layer relu1: the activation statistic of act_quant became non-finite"
                + " at statistics step 1");
    assertThat(e)
        .hasMessageThat()
        .contains("the first non-finite output is at layer conv1 (QuantConv2d)");
    assertThat(Files.exists(file)).isFalse();
  }
}
