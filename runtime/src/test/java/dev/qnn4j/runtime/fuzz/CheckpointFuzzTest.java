package dev.qnn4j.runtime.fuzz;

import static com.google.common.truth.Truth.assertWithMessage;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.qnn4j.runtime.GradMode;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.io.ArrayData;
import dev.qnn4j.runtime.train.Adam;
import dev.qnn4j.runtime.train.Checkpoint;
import dev.qnn4j.runtime.train.Trainer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@link Checkpoint#load} and {@link Checkpoint#loadWeights} of arbitrary bytes into a {@link
 * FuzzNet} (with Adam): either the load succeeds and the model still runs, or it fails with a
 * one-line Qnn4jFormatException naming the file and leaves model, quantizers and optimizer exactly
 * as they were. See {@link FuzzSupport}.
 */
class CheckpointFuzzTest {
  private static FuzzNet model;
  private static Adam adam;
  private static Tensor input;

  private static synchronized void init() {
    if (model == null) {
      model = new FuzzNet();
      Trainer.initialize(model, 1);
      adam = new Adam(model.parameters(), 1e-3f);
      input =
          Tensor.of(
              new float[] {
                0.1f, -0.5f, 0.9f, 0.3f, 0.2f, 0.7f, -0.8f, 0.4f, 0.0f, 0.6f, -0.2f, 0.5f, -0.9f,
                0.8f, -0.3f, 0.25f
              },
              1,
              1,
              4,
              4);
    }
  }

  @FuzzTest(maxDuration = FuzzSupport.CI_DURATION)
  @DictionaryEntries({
    "qnn4j.format",
    "qnn4j.model",
    "FuzzNet",
    "qnn4j.step",
    "qnn4j.epoch",
    "qnn4j.batch_in_epoch",
    "qnn4j.batch_size",
    "qnn4j.seed",
    "qnn4j.optimizer",
    "Adam",
    "SGD",
    "none",
    "optimizer.",
    ".exp_avg",
    ".exp_avg_sq",
    ".step",
    ".momentum_buffer",
    "conv1.weight",
    "fc1.bias",
    "bn1.running_var",
    "bn1.num_batches_tracked",
    ".buffer",
    ".counter",
    ".collect_stats_steps",
    ".act_quant.fused_activation_quant_proxy.tensor_quant.scaling_impl",
    "\"dtype\":\"F32\"",
    "\"dtype\":\"I64\"",
    "\"shape\":[]",
    "\"data_offsets\":["
  })
  void load(byte[] data) throws IOException {
    init();
    Path file = FuzzSupport.write("checkpoint.safetensors", data);

    Map<String, ArrayData> before = snapshot();
    try {
      Checkpoint.load(file, model, adam);
      runs();
    } catch (IOException e) {
      FuzzSupport.checkFormatError(e, file);
      assertWithMessage("state after a failed load (%s)", e.getMessage())
          .that(snapshot())
          .containsExactlyEntriesIn(before);
    }

    before = snapshot();
    try {
      Checkpoint.loadWeights(file, model);
      runs();
    } catch (IOException e) {
      FuzzSupport.checkFormatError(e, file);
      assertWithMessage("state after a failed loadWeights (%s)", e.getMessage())
          .that(snapshot())
          .containsExactlyEntriesIn(before);
    }
  }

  /** Model, quantizer and optimizer state. */
  private static Map<String, ArrayData> snapshot() {
    Map<String, ArrayData> s = new LinkedHashMap<>(Checkpoint.modelTensors(model));
    for (Map.Entry<String, ArrayData> e : adam.stateDict().entrySet()) {
      s.put("optimizer." + e.getKey(), e.getValue());
    }
    return s;
  }

  /** A loaded model must still evaluate without an exception. */
  private static void runs() {
    model.eval();
    try (GradMode.Scope ignored = GradMode.noGrad()) {
      model.forward(input);
    } finally {
      model.train();
    }
  }
}
