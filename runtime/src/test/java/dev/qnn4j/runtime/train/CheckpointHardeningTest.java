package dev.qnn4j.runtime.train;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.qnn4j.runtime.io.ArrayData;
import dev.qnn4j.runtime.io.Qnn4jFormatException;
import dev.qnn4j.runtime.io.Safetensors;
import dev.qnn4j.runtime.io.Safetensors.SafetensorsFile;
import dev.qnn4j.runtime.train.TestModels.TinyQuantNet;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regression tests for what the reader review found in {@link Checkpoint}: NaN and infinite values
 * were loaded as they were, and surfaced steps later as a NaN loss far from the file.
 */
class CheckpointHardeningTest {
  private static final String RELU1 =
      "relu1.act_quant.fused_activation_quant_proxy.tensor_quant.scaling_impl";

  @TempDir Path dir;

  /** A valid checkpoint of a trained TinyQuantNet with Adam state, as tensors and metadata. */
  private SafetensorsFile checkpoint() throws Exception {
    TinyQuantNet model = new TinyQuantNet();
    Trainer.initialize(model, 7);
    Adam adam = new Adam(model.parameters(), 1e-2f);
    new Trainer(model, adam, TrainerConfig.of(1, 16, 7).withMaxSteps(2))
        .fit(TestModels.quadrants(32, 1, 8, 1), null);
    Path file = dir.resolve("good.safetensors");
    Checkpoint.save(file, model, adam, new TrainingState(2, 0, 2, 7, 16, Map.of()));
    return Safetensors.read(file);
  }

  private Path withTensor(SafetensorsFile f, String name, ArrayData value) throws Exception {
    Map<String, ArrayData> tensors = new LinkedHashMap<>(f.tensors());
    assertThat(tensors).containsKey(name);
    tensors.put(name, value);
    Path file = dir.resolve("bad.safetensors");
    Safetensors.write(file, tensors, f.metadata());
    return file;
  }

  private static void assertRejectedUntouched(Path file, String message) throws Exception {
    TinyQuantNet model = new TinyQuantNet();
    Trainer.initialize(model, 1);
    Adam adam = new Adam(model.parameters(), 1e-2f);
    Map<String, ArrayData> before = Checkpoint.modelTensors(model);
    Qnn4jFormatException e =
        assertThrows(Qnn4jFormatException.class, () -> Checkpoint.load(file, model, adam));
    assertThat(e).hasMessageThat().isEqualTo(file + ": " + message);
    assertThat(Checkpoint.modelTensors(model)).isEqualTo(before);
    assertThat(adam.stateDict()).isEmpty();
  }

  @Test
  void nanWeightIsRejectedNamingTheTensor() throws Exception {
    float[] w = new float[4];
    w[2] = Float.NaN;
    Path file = withTensor(checkpoint(), "fc1.bias", ArrayData.ofFloats(w, 4));
    assertRejectedUntouched(
        file,
        "tensor 'fc1.bias' holds NaN at element 2 of shape [4]; only finite values can be loaded");
    TinyQuantNet model = new TinyQuantNet();
    assertThrows(Qnn4jFormatException.class, () -> Checkpoint.loadWeights(file, model));
  }

  @Test
  void float64BeyondFloat32RangeIsRejected() throws Exception {
    Path file =
        withTensor(checkpoint(), "fc1.bias", ArrayData.ofDoubles(new double[] {0, 1e300, 0, 0}, 4));
    assertRejectedUntouched(
        file,
        "tensor 'fc1.bias' holds 1.0E300 (beyond float32's range) at element 1"
            + " of shape [4]; only finite values can be loaded");
  }

  @Test
  void infiniteScaleAndBufferAreRejected() throws Exception {
    SafetensorsFile f = checkpoint();
    assertRejectedUntouched(
        withTensor(f, RELU1 + ".value", ArrayData.ofFloats(new float[] {Float.POSITIVE_INFINITY})),
        "tensor '"
            + RELU1
            + ".value' holds Infinity at element 0 of shape []; only finite values can be loaded");
    assertRejectedUntouched(
        withTensor(f, RELU1 + ".buffer", ArrayData.ofFloats(new float[] {Float.NaN})),
        "tensor '"
            + RELU1
            + ".buffer' holds NaN at element 0 of shape []; only finite values can be loaded");
  }

  @Test
  void nanOptimizerStateIsRejected() throws Exception {
    SafetensorsFile f = checkpoint();
    String name = "optimizer.fc1.bias.exp_avg_sq";
    float[] v = f.tensors().get(name).floats();
    v[0] = Float.NEGATIVE_INFINITY;
    assertRejectedUntouched(
        withTensor(f, name, ArrayData.ofFloats(v, v.length)),
        "tensor '"
            + name
            + "' holds -Infinity at element 0 of shape [4]; only finite values can be loaded");
  }
}
