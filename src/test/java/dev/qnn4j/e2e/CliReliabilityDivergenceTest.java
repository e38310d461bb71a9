package dev.qnn4j.e2e;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static dev.qnn4j.e2e.CliReliabilityChild.LENET;

import dev.qnn4j.e2e.CliReliabilityChild.Proc;
import dev.qnn4j.runtime.io.ArrayData;
import dev.qnn4j.runtime.io.Npy;
import dev.qnn4j.runtime.train.TrainingState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A NaN in the data or a diverging learning rate ends {@code train} with exit code 3 and one line
 * naming the step; the last good checkpoint is kept, loadable and finite, and no crash log appears.
 */
class CliReliabilityDivergenceTest {
  @TempDir static Path fixtures;

  @TempDir Path tmp;

  static String clean;

  /** Like {@link #clean}, but image 40 has a NaN: batch 3 of each epoch without shuffling. */
  static String withNan;

  @BeforeAll
  static void data() throws Exception {
    Path dir = Files.createDirectory(fixtures.resolve("clean"));
    clean = CliReliabilityChild.writeData(dir, 64, 3);
    Path images = dir.resolve("x.npy");
    float[] x = Npy.read(images).floats();
    x[40 * 3 * 32 * 32 + 7] = Float.NaN;
    Path nan = fixtures.resolve("nan.npy");
    Npy.write(nan, ArrayData.ofFloats(x, 64, 3, 32, 32));
    withNan = "npy:" + nan + ":" + dir.resolve("y.npy");
  }

  @Test
  void aNanImageExitsWith3NamingTheStepAndKeepsTheLastGoodCheckpoint() throws Exception {
    Proc r = train(withNan, "--epochs", "2", "--no-shuffle", "--checkpoint-every", "2");
    assertThat(r.code()).isEqualTo(3);
    CliReliabilityChild.assertOneLine(
        r,
        "qnn4j: training stopped at step 3 (epoch 1, batch 3 of 4): the input contains"
            + " NaN (image 8 of the batch, data set example 40); the last good checkpoint is C.safetensors (step 2)");
    TrainingState s = CliReliabilityChild.load(tmp.resolve("C.safetensors"));
    assertThat(s.step()).isEqualTo(2);
    assertThat(s.batchInEpoch()).isEqualTo(2);
    assertThat(Files.readAllLines(tmp.resolve("m.jsonl"))).hasSize(2); // steps 1 and 2
    assertThat(names()).containsExactly("C.safetensors", "m.jsonl");
  }

  @Test
  void aResumedRunThatMeetsANanLeavesTheCheckpointItResumedFromUnchanged() throws Exception {
    assertThat(train(clean, "--epochs", "1", "--no-shuffle").code()).isEqualTo(0);
    byte[] before = Files.readAllBytes(tmp.resolve("C.safetensors"));
    Proc r = train(withNan, "--epochs", "2", "--no-shuffle", "--resume");
    assertThat(r.code()).isEqualTo(3);
    CliReliabilityChild.assertOneLine(
        r,
        "qnn4j: training stopped at step 7 (epoch 2, batch 3 of 4): the input contains"
            + " NaN (image 8 of the batch, data set example 40); no checkpoint was written in this run; C.safetensors"
            + " (step 4, from before this run) is unchanged");
    assertThat(Files.readAllBytes(tmp.resolve("C.safetensors"))).isEqualTo(before);
    assertThat(CliReliabilityChild.load(tmp.resolve("C.safetensors")).step()).isEqualTo(4);
  }

  @Test
  void aLearningRateThatBlowsUpExitsWith3AndTheLastCheckpointIsFinite() throws Exception {
    // The activations turn NaN while the quantizers still collect statistics (this once ended in an
    // internal error, exit 1, from the percentile of NaN data).
    Proc r =
        train(
            clean, "--epochs", "2", "--optimizer", "sgd", "--lr", "1e5", "--checkpoint-every", "1");
    assertThat(r.code()).isEqualTo(3);
    // The first activation quantizer whose statistic turns NaN stops the step before it becomes a
    // scale; the trace names where the NaN came from.
    CliReliabilityChild.assertOneLine(
        r,
        "qnn4j: training stopped at step 3 (epoch 1, batch 3 of 4): layer relu2:"
            + " the activation statistic of act_quant became non-finite at statistics step 3 (batch statistic NaN, the"
            + " 99.999th percentile of |x|); the quantizer keeps its last finite statistic ");
    assertThat(r.errText())
        .endsWith(
            "; the first non-finite output is at layer conv2 (QuantConv2d), which contains"
                + " NaN; the last good checkpoint is C.safetensors (step 2)");
    assertThat(CliReliabilityChild.load(tmp.resolve("C.safetensors")).step()).isEqualTo(2);
    for (Map.Entry<String, ArrayData> e :
        CliReliabilityChild.tensors(tmp.resolve("C.safetensors")).entrySet()) {
      if (e.getValue().dtype() == ArrayData.DType.FLOAT32) {
        for (float v : e.getValue().floats()) {
          assertWithMessage(e.getKey()).that(Float.isFinite(v)).isTrue();
        }
      }
    }
  }

  @Test
  void anUpdateThatOverflowsIsNeverSaved() throws Exception {
    Proc r =
        train(
            clean,
            "--optimizer",
            "sgd",
            "--lr",
            "1e30",
            "--weight-decay",
            "1e30",
            "--checkpoint-every",
            "1");
    assertThat(r.code()).isEqualTo(3);
    CliReliabilityChild.assertOneLine(
        r,
        "qnn4j: training stopped at step 1 (epoch 1, batch 1 of 4): the update left"
            + " -Infinity in conv1.weight (the learning rate or weight decay may be too high); no checkpoint was written in"
            + " this run");
    assertThat(names()).isEmpty(); // no checkpoint, and no empty metrics log
  }

  /** {@code train} of 64 images in batches of 16 in a child JVM working in {@code tmp}. */
  private Proc train(String data, String... more) throws Exception {
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "train",
                "--model",
                LENET,
                "--data",
                data,
                "--batch-size",
                "16",
                "--seed",
                "1",
                "--out",
                "C.safetensors",
                "--metrics",
                "m.jsonl"));
    args.addAll(List.of(more));
    Path logs = Files.createDirectories(fixtures.resolve("logs"));
    Proc r =
        CliReliabilityChild.run(
            tmp, Files.createTempFile(logs, "train", ""), args.toArray(String[]::new));
    CliReliabilityChild.assertNoCrashLog(tmp);
    return r;
  }

  private List<String> names() throws Exception {
    try (Stream<Path> s = Files.list(tmp)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
