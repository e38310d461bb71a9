package dev.qnn4j.samples.cli;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import dev.qnn4j.runtime.io.ArrayData;
import dev.qnn4j.runtime.io.Npy;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.train.Checkpoint;
import dev.qnn4j.runtime.train.TrainingState;
import dev.qnn4j.samples.cli.CliRun.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Non-finite input never becomes state through the command line (one line, exit 2, nothing written,
 * the file named by --weights unchanged byte for byte), and every command that reads and writes
 * files may write to the path it read.
 */
class CliNonFiniteAndSamePathTest {
  private static final String LENET = "QuantWeightActBiasLeNet";

  @TempDir static Path fixtures;
  @TempDir Path tmp;

  static Path images;
  static Path labels;
  static Path trained;

  @BeforeAll
  static void trainOnce() throws IOException {
    images = fixtures.resolve("x.npy");
    labels = fixtures.resolve("y.npy");
    Qnn4jCliTest.writeImages(images, 48, new long[] {3, 32, 32}, 1);
    Qnn4jCliTest.writeLabels(labels, 48, 10, 2);
    trained = fixtures.resolve("trained.safetensors");
    CliRun.ok(
        "train",
        "--model",
        LENET,
        "--data",
        "npy:" + images + ":" + labels,
        "--epochs",
        "1",
        "--batch-size",
        "16",
        "--out",
        trained.toString());
  }

  /** {@code images} with {@code value} at flat index {@code index}. */
  private Path poisoned(String name, float value, int index, long... shape) throws IOException {
    float[] x = Npy.read(images).floats();
    x[index] = value;
    Path file = tmp.resolve(name);
    Npy.write(
        file,
        ArrayData.ofFloats(
            java.util.Arrays.copyOf(x, (int) ArrayData.checkedElementCount(shape)), shape));
    return file;
  }

  private Path copy(Path file, String name) throws IOException {
    return Files.copy(file, tmp.resolve(name), StandardCopyOption.REPLACE_EXISTING);
  }

  private List<String> names() throws IOException {
    try (var files = Files.list(tmp)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private static void assertRefused(Result r, String line) {
    assertWithMessage(r.toString()).that(r.code()).isEqualTo(2);
    assertWithMessage(r.toString()).that(r.errText()).isEqualTo("qnn4j: " + line);
  }

  @Test
  void calibrateRefusesANanBatchAndKeepsTheWeightsItWouldHaveReplaced() throws IOException {
    // [3, 16, 3, 32, 32]: image 20 is image 4 of batch 2; its element 100 is NaN.
    Path calib = poisoned("calib.npy", Float.NaN, 20 * 3072 + 100, 3, 16, 3, 32, 32);
    Path weights = copy(trained, "w.safetensors");
    byte[] before = Files.readAllBytes(weights);
    List<String> files = names();
    Result r =
        CliRun.run(
            "calibrate",
            "--model",
            LENET,
            "--weights",
            weights.toString(),
            "--calibration",
            calib.toString(),
            "--out",
            weights.toString());
    assertRefused(
        r,
        calib
            + ": batch 2 of 3 holds NaN at element 100 of image 20 (flat index 61540); only finite"
            + " inputs are accepted (--calibration)");
    assertThat(r.out()).isEmpty();
    assertThat(Files.readAllBytes(weights)).isEqualTo(before);
    assertThat(names()).isEqualTo(files);
  }

  @Test
  void calibrateOnNpyDataRefusesAnInfiniteImage() throws IOException {
    Path x = poisoned("x.npy", Float.NEGATIVE_INFINITY, 37 * 3072 + 5, 48, 3, 32, 32);
    Path weights = copy(trained, "w.safetensors");
    byte[] before = Files.readAllBytes(weights);
    Result r =
        CliRun.run(
            "calibrate",
            "--model",
            LENET,
            "--weights",
            weights.toString(),
            "--data",
            "npy:" + x + ":" + labels,
            "--batch-size",
            "16",
            "--batches",
            "3",
            "--out",
            weights.toString());
    assertRefused(
        r,
        "npy:"
            + x
            + ":"
            + labels
            + ": batch 3 of 3 holds -Infinity at element 5 of image 37 (flat"
            + " index 113669); only finite inputs are accepted (--data)");
    assertThat(Files.readAllBytes(weights)).isEqualTo(before);
  }

  @Test
  void predictRefusesAnInfiniteInputAndWritesNothing() throws IOException {
    Path x = poisoned("x.npy", Float.POSITIVE_INFINITY, 45 * 3072, 48, 3, 32, 32);
    Path y = tmp.resolve("y.npy");
    List<String> files = names();
    Result r =
        CliRun.run(
            "predict",
            "--model",
            LENET,
            "--checkpoint",
            trained.toString(),
            "--input",
            x.toString(),
            "--output",
            y.toString(),
            "--batch-size",
            "20");
    assertRefused(
        r,
        x
            + ": batch 3 of 3 holds Infinity at element 0 of image 45 (flat index 138240); only finite"
            + " inputs are accepted (--input)");
    assertThat(names()).isEqualTo(files);

    // --output over the input: the input stays as it was.
    byte[] before = Files.readAllBytes(x);
    assertThat(
            CliRun.run(
                    "predict",
                    "--model",
                    LENET,
                    "--checkpoint",
                    trained.toString(),
                    "--input",
                    x.toString(),
                    "--output",
                    x.toString())
                .code())
        .isEqualTo(2);
    assertThat(Files.readAllBytes(x)).isEqualTo(before);
  }

  @Test
  void trainingOnNanDataNeverWritesTheCheckpointItStartedFrom() throws IOException {
    Path x = poisoned("x.npy", Float.NaN, 3, 48, 3, 32, 32);
    Path c = copy(trained, "c.safetensors");
    byte[] before = Files.readAllBytes(c);
    Result r =
        CliRun.run(
            "train",
            "--model",
            LENET,
            "--data",
            "npy:" + x + ":" + labels,
            "--batch-size",
            "16",
            "--no-shuffle",
            "--init-checkpoint",
            c.toString(),
            "--out",
            c.toString());
    assertWithMessage(r.toString()).that(r.code()).isEqualTo(3);
    assertThat(r.errText())
        .startsWith(
            "qnn4j: training stopped at step 1 (epoch 1, batch 1 of 3): the input"
                + " contains NaN (image 0 of the batch, data set example 0)");
    assertThat(Files.readAllBytes(c)).isEqualTo(before);
  }

  // ---------------------------------------------------------------------------------------------
  // The same path as input and output

  private void assertOnlyFiles(String... expected) throws IOException {
    // no temporary file of an atomic write is left behind
    assertThat(names()).containsExactlyElementsIn(List.of(expected));
  }

  @Test
  void calibrateOverItsOwnWeights() throws IOException {
    Path w = copy(trained, "w.safetensors");
    CliRun.ok(
        "calibrate",
        "--model",
        LENET,
        "--weights",
        w.toString(),
        "--calibration",
        images.toString(),
        "--out",
        w.toString());
    Model m = Models.create(Models.find(LENET, List.of()));
    TrainingState s = Checkpoint.load(w, m, null);
    assertThat(s.metadata().get("qnn4j.command")).contains("calibrate");
    assertOnlyFiles("w.safetensors");
  }

  @Test
  void predictOverItsOwnInput() throws IOException {
    Path x = copy(images, "x.npy");
    Path separate = tmp.resolve("separate.npy");
    CliRun.ok(
        "predict",
        "--model",
        LENET,
        "--checkpoint",
        trained.toString(),
        "--input",
        x.toString(),
        "--output",
        separate.toString());
    CliRun.ok(
        "predict",
        "--model",
        LENET,
        "--checkpoint",
        trained.toString(),
        "--input",
        x.toString(),
        "--output",
        x.toString());
    assertThat(Files.readAllBytes(x)).isEqualTo(Files.readAllBytes(separate));
    assertThat(Npy.read(x).shape()).isEqualTo(new long[] {48, 10});
    assertOnlyFiles("separate.npy", "x.npy");
  }

  @Test
  void trainOverTheCheckpointOrWeightsItStartsFrom() throws IOException {
    Path c = copy(trained, "c.safetensors");
    CliRun.ok(
        "train",
        "--model",
        LENET,
        "--data",
        "npy:" + images + ":" + labels,
        "--batch-size",
        "16",
        "--max-steps",
        "2",
        "--init-checkpoint",
        c.toString(),
        "--out",
        c.toString());
    Path w = copy(trained, "w.safetensors");
    CliRun.ok(
        "train",
        "--model",
        LENET,
        "--data",
        "npy:" + images + ":" + labels,
        "--batch-size",
        "16",
        "--max-steps",
        "2",
        "--init-weights",
        w.toString(),
        "--out",
        w.toString());
    for (Path file : List.of(c, w)) {
      Model m = Models.create(Models.find(LENET, List.of()));
      assertThat(Checkpoint.load(file, m, null).step()).isEqualTo(2);
    }
    assertOnlyFiles("c.safetensors", "w.safetensors");
  }

  @Test
  void trainOverItsOwnNpyImages() throws IOException {
    // The images are memory-mapped; the checkpoint replaces the file by a rename, so the mapping
    // keeps reading the old content until training ends.
    Path x = copy(images, "x.npy");
    CliRun.ok(
        "train",
        "--model",
        LENET,
        "--data",
        "npy:" + x + ":" + labels,
        "--batch-size",
        "16",
        "--epochs",
        "1",
        "--checkpoint-every",
        "1",
        "--out",
        x.toString());
    Model m = Models.create(Models.find(LENET, List.of()));
    assertThat(Checkpoint.load(x, m, null).epoch()).isEqualTo(1);
    assertOnlyFiles("x.npy");
  }

  @Test
  void exportOverItsOwnCheckpoint() throws IOException {
    Path c = copy(trained, "c.onnx");
    Result r =
        CliRun.ok(
            "export", "--model", LENET, "--checkpoint", c.toString(), "--output", c.toString());
    assertThat(r.out()).contains("ONNX Runtime self-check: OK");
    assertThat(new String(Files.readAllBytes(c), java.nio.charset.StandardCharsets.ISO_8859_1))
        .contains("QuantizeLinear");
    assertOnlyFiles("c.onnx");
  }
}
