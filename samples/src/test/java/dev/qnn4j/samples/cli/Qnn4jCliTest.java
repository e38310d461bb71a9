package dev.qnn4j.samples.cli;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import dev.qnn4j.runtime.GradMode;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.io.ArrayData;
import dev.qnn4j.runtime.io.Npy;
import dev.qnn4j.runtime.io.Safetensors;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.train.Checkpoint;
import dev.qnn4j.samples.cli.CliRun.Result;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The command line driven in-process: parsing, model lookup, bad input, and small real runs. */
class Qnn4jCliTest {
  private static final String LENET = "QuantWeightActBiasLeNet";

  @TempDir static Path fixtures;

  @TempDir Path tmp;

  static Path images;
  static Path labels;
  static Path checkpoint;

  /**
   * 48 random images [48, 3, 32, 32] with labels 0..9, and a checkpoint trained on them for one
   * epoch.
   */
  @BeforeAll
  static void trainOnce() throws IOException {
    images = fixtures.resolve("x.npy");
    labels = fixtures.resolve("y.npy");
    writeImages(images, 48, new long[] {3, 32, 32}, 1);
    writeLabels(labels, 48, 10, 2);
    checkpoint = fixtures.resolve("trained.safetensors");
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
        checkpoint.toString());
  }

  // ---------------------------------------------------------------------------------------------
  // Parsing and usage errors

  @Test
  void helpListsEveryCommandAndTheExitCodes() {
    Result r = CliRun.run("--help");
    assertThat(r.code()).isEqualTo(0);
    for (String command :
        List.of("demo", "train", "calibrate", "eval", "predict", "export", "inspect", "bench")) {
      assertThat(r.out()).containsMatch("(?m)^  " + command + " ");
    }
    assertThat(r.out()).contains("Exit codes: 0 success, 1 internal error, 2 bad input or usage");
  }

  @Test
  void everyCommandHasHelp() {
    for (String command :
        List.of(
            "demo",
            "train",
            "calibrate",
            "eval",
            "predict",
            "export",
            "inspect",
            "bench",
            "models")) {
      Result r = CliRun.run(command, "--help");
      assertWithMessage(command).that(r.code()).isEqualTo(0);
      assertWithMessage(command).that(r.out()).contains("Usage: qnn4j " + command);
    }
    assertThat(CliRun.run("train", "--help").out().replaceAll("\\s+", " "))
        .contains("no separate test set");
  }

  @Test
  void benchProfilePrintsTimePerLayerForwardAndBackward() {
    Result r =
        CliRun.run(
            "bench",
            "--model",
            "QuantWeightActLeNet",
            "--batch-size",
            "4",
            "--eval-batch-size",
            "4",
            "--seconds",
            "0.2",
            "--warmup",
            "0",
            "--warmup-steps",
            "2",
            "--profile");
    assertWithMessage(r.err()).that(r.code()).isEqualTo(0);
    assertThat(r.out()).contains("profile: training step, compiled, batch 4");
    assertThat(r.out()).contains("profile: eval pass, compiled, batch 4");
    // Kernels are put to their layers by the sizes they produce.
    assertThat(r.out()).containsMatch("(?m)^forward +conv1 +conv2d ");
    assertThat(r.out()).containsMatch("(?m)^forward +relu1 +fake-quant ");
    assertThat(r.out()).containsMatch("(?m)^forward +conv2 weight +fake-quant ");
    assertThat(r.out()).containsMatch("(?m)^backward +conv1 +conv2d backward ");
    // The compiled step quantizes and pools in one pass, named by the quantizer's layer.
    assertThat(r.out()).containsMatch("(?m)^backward +relu2 +fake-quant max_pool2d backward ");
    assertThat(r.out()).containsMatch("(?m)^optimizer +- +\\(all of it: no timed kernel\\)");
    assertThat(r.out()).doesNotContainMatch("(?m)^\\w+ +\\? ");
  }

  @Test
  void noCommandIsAUsageError() {
    Result r = CliRun.run();
    assertThat(r.code()).isEqualTo(2);
    assertOneLine(r, "missing command");
  }

  static Stream<Arguments> usageErrors() {
    return Stream.of(
        Arguments.of(List.of("frobnicate"), "Unmatched argument at index 0: 'frobnicate'"),
        Arguments.of(
            List.of("train", "--model", LENET, "--bogus", "--out", "c.safetensors"),
            "Unknown option: '--bogus'"),
        Arguments.of(List.of("train", "--model", LENET, "--bogus"), "Unknown option: '--bogus'"),
        Arguments.of(
            List.of("train", "--model", LENET), "Missing required option: '--out=C.safetensors'"),
        Arguments.of(
            List.of("train", "--out", "c.safetensors"), "Missing required option: '--model=NAME'"),
        Arguments.of(
            List.of("train", "--model", LENET, "--epochs", "abc", "--out", "c"),
            "'abc' is not an int"),
        Arguments.of(
            List.of("train", "--model", LENET, "--optimizer", "rmsprop", "--out", "c"),
            "--optimizer"),
        Arguments.of(
            List.of(
                "export",
                "--model",
                LENET,
                "--format",
                "tflite",
                "--checkpoint",
                "c",
                "--output",
                "f"),
            "--format"));
  }

  @ParameterizedTest
  @MethodSource("usageErrors")
  void usageErrorsExitWith2AndOneLine(List<String> args, String message) {
    Result r = CliRun.run(args);
    assertWithMessage(r.toString()).that(r.code()).isEqualTo(2);
    assertOneLine(r, message);
  }

  // ---------------------------------------------------------------------------------------------
  // Model lookup

  @Test
  void findsModelsBySimpleAndQualifiedName() {
    assertThat(Models.find(LENET, List.of()).declaringClassName())
        .isEqualTo("dev.qnn4j.samples." + LENET);
    assertThat(Models.find("dev.qnn4j.samples." + LENET, List.of()).modelName()).isEqualTo(LENET);
    assertThat(Models.find("QuantModel_" + LENET, List.of()).modelName()).isEqualTo(LENET);
    assertThat(Models.create(Models.find("QuantWeightLeNet", List.of()))).isNotNull();
  }

  @Test
  void anUnknownModelListsTheKnownOnes() {
    Result r = CliRun.run("inspect", "--model", "ResNet50");
    assertThat(r.code()).isEqualTo(2);
    assertOneLine(r, "unknown model 'ResNet50'; known models: ");
    assertThat(r.err()).contains("QuantWeightActBiasLeNet, QuantWeightActLeNet, QuantWeightLeNet");
    assertThat(CliRun.run("models").out())
        .containsMatch(
            "(?m)^QuantWeightActBiasLeNet +dev.qnn4j.samples.QuantWeightActBiasLeNet +\\[3, 32, 32\\]$");
  }

  @Test
  void classpathAddsModelsAndQualifiedNamesResolveAmbiguity() throws IOException {
    Path dir =
        TestModels.servicesJar(
            tmp.resolve("cp/my-models.jar"),
            TestModels.DuplicateLeNetFactory.class,
            TestModels.BrokenNetFactory.class);
    assertThat(CliRun.ok("models", "--classpath", dir.toString()).out())
        .contains("com.example.BrokenNet");

    Result ambiguous =
        CliRun.run("inspect", "--model", "QuantWeightLeNet", "--classpath", dir.toString());
    assertThat(ambiguous.code()).isEqualTo(2);
    assertOneLine(ambiguous, "model name 'QuantWeightLeNet' is ambiguous: ");
    assertThat(ambiguous.err()).contains("com.example.QuantWeightLeNet");
    assertThat(
            CliRun.run(
                    "inspect",
                    "--model",
                    "dev.qnn4j.samples.QuantWeightLeNet",
                    "--classpath",
                    dir.toString())
                .code())
        .isEqualTo(0);

    Result missing =
        CliRun.run("inspect", "--model", LENET, "--classpath", tmp.resolve("nope.jar").toString());
    assertThat(missing.code()).isEqualTo(2);
    assertOneLine(missing, "nope.jar: no such file (given with --classpath)");
  }

  @Test
  void anInternalErrorExitsWith1AndSuggestsVerbose() throws IOException {
    Path dir = TestModels.classpathDir(tmp.resolve("cp"), TestModels.BrokenNetFactory.class);
    Result r = CliRun.run("inspect", "--model", "BrokenNet", "--classpath", dir.toString());
    assertThat(r.code()).isEqualTo(1);
    assertOneLine(
        r,
        "internal error: java.lang.IllegalStateException: the forward pass of BrokenNet always fails"
            + " (rerun with --verbose for the stack trace)");

    Result verbose =
        CliRun.run("--verbose", "inspect", "--model", "BrokenNet", "--classpath", dir.toString());
    assertThat(verbose.code()).isEqualTo(1);
    assertThat(verbose.err()).contains("\tat dev.qnn4j.samples.cli.TestModels$BrokenNet.forward");
    assertThat(verbose.err()).doesNotContain("rerun with --verbose");
  }

  // ---------------------------------------------------------------------------------------------
  // Bad input: exit 2, one line, no stack trace, no output file

  /**
   * A bad input case: the arguments (with {@code OUT} for a fresh output path) and a fragment of
   * the message.
   */
  record Bad(String name, List<String> args, String message) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Bad> badInputs() throws IOException {
    Path d = Files.createDirectories(fixtures.resolve("bad"));
    Path int64 = d.resolve("int64.npy");
    Npy.write(int64, ArrayData.ofLongs(new long[10], 10));
    Path gray = d.resolve("gray.npy");
    writeImages(gray, 4, new long[] {1, 28, 28}, 3);
    Path gray4 = d.resolve("gray_labels.npy");
    writeLabels(gray4, 4, 10, 4);
    Path rank3 = d.resolve("rank3.npy");
    Npy.write(rank3, ArrayData.ofFloats(new float[3 * 32 * 32], 3, 32, 32));
    Path corruptNpy = d.resolve("corrupt.npy");
    Files.write(corruptNpy, "\u0093NUMPY\u0001\u0000garbage".getBytes(StandardCharsets.ISO_8859_1));
    Path truncatedNpy = d.resolve("truncated.npy");
    byte[] whole = Files.readAllBytes(images);
    Files.write(truncatedNpy, Arrays.copyOf(whole, whole.length - 100));
    Path corruptSt = d.resolve("corrupt.safetensors");
    Files.write(corruptSt, new byte[] {16, 0, 0, 0, 0, 0, 0, 0, '{', '"', 'a'});
    Path plainWeights = d.resolve("plain.safetensors");
    Safetensors.write(
        plainWeights,
        Map.of("conv1.weight", ArrayData.ofFloats(new float[6 * 3 * 25], 6, 3, 5, 5)));
    Path floatLabels = d.resolve("float_labels.npy");
    Npy.write(floatLabels, ArrayData.ofFloats(new float[48], 48));
    Path fewLabels = d.resolve("few_labels.npy");
    writeLabels(fewLabels, 40, 10, 5);
    Path bigLabels = d.resolve("big_labels.npy");
    writeLabels(bigLabels, 48, 13, 6);
    Path emptyDir = Files.createDirectories(d.resolve("empty"));
    Path idxDir = Files.createDirectories(d.resolve("idx"));
    for (String f :
        List.of(
            "train-images-idx3-ubyte.gz",
            "train-labels-idx1-ubyte.gz",
            "t10k-images-idx3-ubyte.gz",
            "t10k-labels-idx1-ubyte.gz")) {
      Files.writeString(idxDir.resolve(f), "not gzip data");
    }
    String lenetData = "npy:" + images + ":" + labels;
    String ckpt = checkpoint.toString();
    return Stream.of(
        new Bad(
            "predict int64 input",
            List.of(
                "predict",
                "--model",
                LENET,
                "--checkpoint",
                ckpt,
                "--input",
                int64.toString(),
                "--output",
                "OUT"),
            "int64.npy: expected float32 images [N, 3, 32, 32] for QuantWeightActBiasLeNet, got int64 [10]"),
        new Bad(
            "predict wrong image shape",
            List.of(
                "predict",
                "--model",
                LENET,
                "--checkpoint",
                ckpt,
                "--input",
                gray.toString(),
                "--output",
                "OUT"),
            "got float32 [4, 1, 28, 28]"),
        new Bad(
            "predict rank 3",
            List.of(
                "predict",
                "--model",
                LENET,
                "--checkpoint",
                ckpt,
                "--input",
                rank3.toString(),
                "--output",
                "OUT"),
            "got float32 [3, 32, 32]"),
        new Bad(
            "predict corrupt npy",
            List.of(
                "predict",
                "--model",
                LENET,
                "--checkpoint",
                ckpt,
                "--input",
                corruptNpy.toString(),
                "--output",
                "OUT"),
            "corrupt.npy: "),
        new Bad(
            "predict truncated npy",
            List.of(
                "predict",
                "--model",
                LENET,
                "--checkpoint",
                ckpt,
                "--input",
                truncatedNpy.toString(),
                "--output",
                "OUT"),
            "truncated.npy: "),
        new Bad(
            "predict missing input",
            List.of(
                "predict",
                "--model",
                LENET,
                "--checkpoint",
                ckpt,
                "--input",
                d.resolve("nothing.npy").toString(),
                "--output",
                "OUT"),
            "nothing.npy: no such file (--input)"),
        new Bad(
            "predict input is a directory",
            List.of(
                "predict",
                "--model",
                LENET,
                "--checkpoint",
                ckpt,
                "--input",
                d.toString(),
                "--output",
                "OUT"),
            "is a directory, expected a file (--input)"),
        new Bad(
            "predict corrupt safetensors",
            List.of(
                "predict",
                "--model",
                LENET,
                "--checkpoint",
                corruptSt.toString(),
                "--input",
                images.toString(),
                "--output",
                "OUT"),
            "corrupt.safetensors: "),
        new Bad(
            "predict checkpoint of another model",
            List.of(
                "predict",
                "--model",
                "QuantWeightLeNet",
                "--checkpoint",
                ckpt,
                "--input",
                images.toString(),
                "--output",
                "OUT"),
            "checkpoint holds model 'QuantWeightActBiasLeNet'"),
        new Bad(
            "predict plain weights as checkpoint",
            List.of(
                "predict",
                "--model",
                LENET,
                "--checkpoint",
                plainWeights.toString(),
                "--input",
                images.toString(),
                "--output",
                "OUT"),
            "not a qnn4j checkpoint"),
        new Bad(
            "predict incomplete weights",
            List.of(
                "predict",
                "--model",
                LENET,
                "--weights",
                plainWeights.toString(),
                "--input",
                images.toString(),
                "--output",
                "OUT"),
            "tensor 'conv1.bias' of model QuantWeightActBiasLeNet is missing"),
        new Bad(
            "predict checkpoint and weights",
            List.of(
                "predict",
                "--model",
                LENET,
                "--checkpoint",
                ckpt,
                "--weights",
                plainWeights.toString(),
                "--input",
                images.toString(),
                "--output",
                "OUT"),
            "exactly one of --checkpoint"),
        new Bad(
            "predict no output directory",
            List.of(
                "predict",
                "--model",
                LENET,
                "--checkpoint",
                ckpt,
                "--input",
                images.toString(),
                "--output",
                d.resolve("no/dir/y.npy").toString()),
            "does not exist (--output)"),
        new Bad(
            "train unknown data kind",
            List.of("train", "--model", LENET, "--data", "imagenet:/data", "--out", "OUT"),
            "unknown --data kind 'imagenet'"),
        new Bad(
            "train npy with one file",
            List.of("train", "--model", LENET, "--data", "npy:" + images, "--out", "OUT"),
            "--data npy needs two files"),
        new Bad(
            "train image shape not the model's",
            List.of(
                "train", "--model", LENET, "--data", "npy:" + gray + ":" + gray4, "--out", "OUT"),
            "images have shape [N, 1, 28, 28] but QuantWeightActBiasLeNet"
                + " expects [N, 3, 32, 32]"),
        new Bad(
            "train float labels",
            List.of(
                "train",
                "--model",
                LENET,
                "--data",
                "npy:" + images + ":" + floatLabels,
                "--out",
                "OUT"),
            "float_labels.npy: labels must be integers (int64), found FLOAT32"),
        new Bad(
            "train label count",
            List.of(
                "train",
                "--model",
                LENET,
                "--data",
                "npy:" + images + ":" + fewLabels,
                "--out",
                "OUT"),
            "few_labels.npy: 40 labels for 48 images"),
        new Bad(
            "train labels beyond the classes",
            List.of(
                "train",
                "--model",
                LENET,
                "--data",
                "npy:" + images + ":" + bigLabels,
                "--out",
                "OUT"),
            "labels go up to 12 but QuantWeightActBiasLeNet has 10 outputs"),
        new Bad(
            "train int64 images",
            List.of(
                "train", "--model", LENET, "--data", "npy:" + int64 + ":" + labels, "--out", "OUT"),
            "images must be float32"),
        new Bad(
            "train negative lr",
            List.of("train", "--model", LENET, "--data", lenetData, "--lr", "-1", "--out", "OUT"),
            "--lr must be a positive number"),
        new Bad(
            "train zero epochs",
            List.of(
                "train", "--model", LENET, "--data", lenetData, "--epochs", "0", "--out", "OUT"),
            "--epochs must be positive"),
        new Bad(
            "train momentum with adam",
            List.of(
                "train",
                "--model",
                LENET,
                "--data",
                lenetData,
                "--momentum",
                "0.9",
                "--out",
                "OUT"),
            "--momentum is an SGD option"),
        new Bad(
            "train corrupt init weights",
            List.of(
                "train",
                "--model",
                LENET,
                "--data",
                lenetData,
                "--init-weights",
                corruptSt.toString(),
                "--out",
                "OUT"),
            "corrupt.safetensors: "),
        new Bad(
            "train both inits",
            List.of(
                "train",
                "--model",
                LENET,
                "--data",
                lenetData,
                "--init-weights",
                plainWeights.toString(),
                "--init-checkpoint",
                ckpt,
                "--out",
                "OUT"),
            "exclude each other"),
        new Bad(
            "train corrupt idx",
            List.of("train", "--model", LENET, "--data", "fashion-mnist:" + idxDir, "--out", "OUT"),
            "-idx"),
        new Bad(
            "train missing fashion-mnist",
            List.of(
                "train", "--model", LENET, "--data", "fashion-mnist:" + emptyDir, "--out", "OUT"),
            "Fashion-MNIST is not installed"),
        new Bad(
            "train missing cifar10",
            List.of(
                "train",
                "--model",
                LENET,
                "--data",
                "cifar10:" + d.resolve("cifar"),
                "--out",
                "OUT"),
            "no such directory"),
        new Bad(
            "train resume with another seed",
            List.of(
                "train",
                "--model",
                LENET,
                "--data",
                lenetData,
                "--seed",
                "7",
                "--resume",
                "--epochs",
                "3",
                "--out",
                "CKPT_COPY"),
            "was trained with --seed 0, not 7"),
        new Bad(
            "calibrate wrong calibration shape",
            List.of(
                "calibrate",
                "--model",
                LENET,
                "--weights",
                ckpt,
                "--calibration",
                gray.toString(),
                "--out",
                "OUT"),
            "expected float32 calibration images [N, 3, 32, 32]"),
        new Bad(
            "calibrate without images",
            List.of("calibrate", "--model", LENET, "--weights", ckpt, "--out", "OUT"),
            "exactly one of --calibration"),
        new Bad(
            "calibrate missing weights",
            List.of(
                "calibrate",
                "--model",
                LENET,
                "--weights",
                d.resolve("none.safetensors").toString(),
                "--calibration",
                images.toString(),
                "--out",
                "OUT"),
            "none.safetensors: no such file (--weights)"),
        new Bad(
            "eval unknown data",
            List.of("eval", "--model", LENET, "--checkpoint", ckpt, "--data", "mnist"),
            "unknown --data kind 'mnist'"),
        new Bad(
            "export old opset",
            List.of(
                "export",
                "--model",
                LENET,
                "--checkpoint",
                ckpt,
                "--opset",
                "9",
                "--output",
                "OUT"),
            "opset 9 is too old"),
        new Bad(
            "demo without the data set",
            List.of("demo", "--data-dir", emptyDir.toString(), "--no-install", "--out-dir", "OUT"),
            "install it with `apt-get install dataset-fashion-mnist`"),
        new Bad(
            "demo with a data directory that lacks the data set",
            List.of("demo", "--data-dir", emptyDir.toString(), "--out-dir", "OUT"),
            "Fashion-MNIST is not installed"),
        new Bad(
            "bench zero seconds", List.of("bench", "--seconds", "0"), "--seconds must be positive"),
        new Bad(
            "bench negative warm-up steps",
            List.of("bench", "--warmup-steps", "-1"),
            "--warmup-steps must not be negative"),
        new Bad(
            "inspect unknown model",
            List.of("inspect", "--model", "Nope"),
            "unknown model 'Nope'"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badInputs")
  void badInputExitsWith2AndOneLineAndWritesNothing(Bad bad) throws IOException {
    Path out = tmp.resolve("out");
    Path copy = tmp.resolve("resume.safetensors");
    Files.copy(checkpoint, copy);
    List<String> args = new ArrayList<>();
    for (String a : bad.args()) {
      args.add(a.equals("OUT") ? out.toString() : a.equals("CKPT_COPY") ? copy.toString() : a);
    }
    Result r = CliRun.run(args);
    assertWithMessage(r.toString()).that(r.code()).isEqualTo(2);
    assertOneLine(r, bad.message());
    assertThat(Files.exists(out)).isFalse();
    try (Stream<Path> files = Files.list(tmp)) {
      assertWithMessage("files left behind")
          .that(files.map(p -> p.getFileName().toString()).toList())
          .containsExactly("resume.safetensors");
    }
    assertThat(Files.readAllBytes(copy)).isEqualTo(Files.readAllBytes(checkpoint));

    List<String> verbose = new ArrayList<>(args);
    verbose.add("--verbose");
    Result v = CliRun.run(verbose);
    assertThat(v.code()).isEqualTo(2);
    assertThat(v.err().lines().findFirst().orElseThrow()).isEqualTo(r.errText());
    assertThat(v.err()).contains("\tat ");
  }

  // ---------------------------------------------------------------------------------------------
  // Real runs on small data

  @Test
  void trainWritesOneMetricsLinePerStepAndEpoch() throws IOException {
    Path metrics = tmp.resolve("m.jsonl");
    Path out = tmp.resolve("c.safetensors");
    Result r =
        CliRun.ok(
            "train",
            "--model",
            LENET,
            "--data",
            "npy:" + images + ":" + labels,
            "--epochs",
            "2",
            "--batch-size",
            "16",
            "--optimizer",
            "sgd",
            "--lr",
            "0.01",
            "--momentum",
            "0.9",
            "--metrics",
            metrics.toString(),
            "--out",
            out.toString(),
            "--curve",
            tmp.resolve("curve.png").toString());
    assertThat(r.out()).contains("note: npy data has no separate test set");
    assertThat(r.out()).contains("checkpoint: " + out + " (epoch 2, step 6)");
    List<String> lines = Files.readAllLines(metrics);
    assertThat(lines).hasSize(3 + 1 + 3 + 1);
    assertThat(lines.get(0))
        .startsWith("{\"event\":\"step\",\"step\":1,\"epoch\":1,\"batch\":1,\"loss\":");
    assertThat(lines.get(3)).startsWith("{\"event\":\"epoch\",\"epoch\":1,\"step\":3,");
    assertThat(lines.get(3)).contains("\"test_accuracy\":");
    assertThat(Files.size(tmp.resolve("curve.png"))).isGreaterThan(1000L);
    Model m = Models.create(Models.find(LENET, List.of()));
    assertThat(Checkpoint.load(out, m, null).step()).isEqualTo(6);
  }

  @Test
  void aDivergingRunExitsWith3AndLeavesNoFile() throws IOException {
    float[] x = Npy.read(images).floats();
    x[5] = Float.NaN;
    Path nan = tmp.resolve("nan.npy");
    Npy.write(nan, ArrayData.ofFloats(x, 48, 3, 32, 32));
    Path out = tmp.resolve("c.safetensors");
    Path metrics = tmp.resolve("m.jsonl");
    Result r =
        CliRun.run(
            "train",
            "--model",
            LENET,
            "--data",
            "npy:" + nan + ":" + labels,
            "--no-shuffle",
            "--batch-size",
            "16",
            "--metrics",
            metrics.toString(),
            "--out",
            out.toString());
    assertThat(r.code()).isEqualTo(3);
    assertOneLine(
        r,
        "training stopped at step 1 (epoch 1, batch 1 of 3): the input contains NaN (image 0 of the batch,"
            + " data set example 0)");
    assertThat(Files.exists(out)).isFalse();
    assertThat(Files.exists(metrics)).isFalse();
  }

  @Test
  void resumingGivesBitIdenticalResults() throws IOException {
    String data = "npy:" + images + ":" + labels;
    Path straight = tmp.resolve("straight.safetensors");
    Path straightMetrics = tmp.resolve("straight.jsonl");
    CliRun.ok(
        "train",
        "--model",
        LENET,
        "--data",
        data,
        "--epochs",
        "2",
        "--batch-size",
        "16",
        "--metrics",
        straightMetrics.toString(),
        "--out",
        straight.toString());

    Path resumed = tmp.resolve("resumed.safetensors");
    Path resumedMetrics = tmp.resolve("resumed.jsonl");
    // Stopped mid-epoch 1, resumed to the end of epoch 1, then resumed again to the end of epoch 2.
    CliRun.ok(
        "train",
        "--model",
        LENET,
        "--data",
        data,
        "--epochs",
        "2",
        "--batch-size",
        "16",
        "--max-steps",
        "2",
        "--metrics",
        resumedMetrics.toString(),
        "--out",
        resumed.toString());
    Result r1 =
        CliRun.ok(
            "train",
            "--model",
            LENET,
            "--data",
            data,
            "--epochs",
            "1",
            "--batch-size",
            "16",
            "--resume",
            "--metrics",
            resumedMetrics.toString(),
            "--out",
            resumed.toString());
    assertThat(r1.out()).contains("resuming from " + resumed + " at epoch 0, step 2");
    CliRun.ok(
        "train",
        "--model",
        LENET,
        "--data",
        data,
        "--epochs",
        "2",
        "--batch-size",
        "16",
        "--resume",
        "--metrics",
        resumedMetrics.toString(),
        "--out",
        resumed.toString());
    Result done =
        CliRun.ok(
            "train",
            "--model",
            LENET,
            "--data",
            data,
            "--epochs",
            "2",
            "--batch-size",
            "16",
            "--resume",
            "--out",
            resumed.toString());
    assertThat(done.out()).contains("nothing to train");

    Map<String, ArrayData> a = Safetensors.read(straight).tensors();
    Map<String, ArrayData> b = Safetensors.read(resumed).tensors();
    assertThat(b.keySet()).containsExactlyElementsIn(a.keySet()).inOrder();
    for (String k : a.keySet()) {
      assertWithMessage(k).that(b.get(k)).isEqualTo(a.get(k));
    }
    assertThat(stepLosses(resumedMetrics)).isEqualTo(stepLosses(straightMetrics));
  }

  @Test
  void calibratePredictAndExportRoundTrip() throws IOException {
    // Calibration batches [K, B, C, H, W] from the first 32 images.
    float[] x = Npy.read(images).floats();
    Path calib = tmp.resolve("calib.npy");
    Npy.write(calib, ArrayData.ofFloats(Arrays.copyOf(x, 2 * 16 * 3 * 32 * 32), 2, 16, 3, 32, 32));
    Path calibrated = tmp.resolve("cal.safetensors");
    Result cal =
        CliRun.ok(
            "calibrate",
            "--model",
            LENET,
            "--weights",
            checkpoint.toString(),
            "--calibration",
            calib.toString(),
            "--equalize",
            "--bias-correction",
            "--out",
            calibrated.toString());
    assertThat(cal.out()).contains("calibrated QuantWeightActBiasLeNet on 2 batch(es), 32 images");
    assertThat(cal.out())
        .contains("cross-layer equalization: conv1 -> conv2, conv2 -> fc1, fc1 -> fc2, fc2 -> fc3");
    assertThat(cal.out()).contains("bias correction: conv1, conv2, fc1, fc2, fc3");
    assertThat(cal.out()).containsMatch("activation scales: quant_inp [0-9.e-]+, relu1 ");

    Path y = tmp.resolve("y.npy");
    CliRun.ok(
        "predict",
        "--model",
        LENET,
        "--checkpoint",
        calibrated.toString(),
        "--input",
        images.toString(),
        "--output",
        y.toString(),
        "--batch-size",
        "20");
    ArrayData logits = Npy.read(y);
    assertThat(logits.dtype()).isEqualTo(ArrayData.DType.FLOAT32);
    assertThat(logits.shape()).isEqualTo(new long[] {48, 10});
    Model m = Models.create(Models.find(LENET, List.of()));
    Checkpoint.load(calibrated, m, null);
    m.eval();
    float[] want;
    try (GradMode.Scope ignored = GradMode.noGrad()) {
      want = m.forward(Tensor.of(x, 48, 3, 32, 32)).toFloatArray();
    }
    assertThat(logits.floats()).usingTolerance(1e-6).containsExactly(want).inOrder();

    Path onnx = tmp.resolve("m.onnx");
    Result qcdq =
        CliRun.ok(
            "export",
            "--model",
            LENET,
            "--checkpoint",
            calibrated.toString(),
            "--output",
            onnx.toString(),
            "--input-name",
            "image",
            "--output-name",
            "logits");
    assertThat(qcdq.out()).contains("QCDQ ONNX of QuantWeightActBiasLeNet, opset 13");
    assertThat(qcdq.out()).contains("ONNX Runtime self-check: OK");
    Result qop =
        CliRun.ok(
            "export",
            "--model",
            LENET,
            "--checkpoint",
            calibrated.toString(),
            "--format",
            "qop",
            "--output",
            tmp.resolve("qop.onnx").toString());
    assertThat(qop.out()).contains("ONNX Runtime self-check: OK");
    Result qonnx =
        CliRun.ok(
            "export",
            "--model",
            LENET,
            "--checkpoint",
            calibrated.toString(),
            "--format",
            "QONNX",
            "--output",
            tmp.resolve("qonnx.onnx").toString());
    assertThat(qonnx.out()).contains("self-check: skipped");

    Result eval =
        CliRun.ok(
            "eval",
            "--model",
            LENET,
            "--checkpoint",
            calibrated.toString(),
            "--data",
            "npy:" + images + ":" + labels);
    assertThat(eval.out())
        .containsMatch(
            "QuantWeightActBiasLeNet on x.npy \\(48 images\\): accuracy [0-9.]+% "
                + "\\([0-9]+/48\\), loss [0-9.]+");
  }

  @Test
  void calibrateAcceptsOneBatch() throws IOException {
    Path out = tmp.resolve("cal.safetensors");
    Result r =
        CliRun.ok(
            "calibrate",
            "--model",
            "QuantWeightActLeNet",
            "--weights",
            checkpoint.toString(),
            "--calibration",
            images.toString(),
            "--out",
            out.toString());
    assertThat(r.out()).contains("on 1 batch(es), 48 images");
  }

  @Test
  void inspectShowsQuantizersShapesAndAccumulators() {
    Result r = CliRun.ok("inspect", "--model", LENET);
    String o = r.out();
    assertThat(o)
        .contains(
            "  (conv1): QuantConv2d(3, 6, kernel_size=(5, 5), stride=(1, 1), weight_quant=Int4WeightPerTensorFloat,"
                + " bias_quant=Int32Bias)");
    assertThat(o)
        .containsMatch("(?m)^quant_inp +act +4 +yes +no +no +float scale, percentile 99.999");
    assertThat(o).containsMatch("(?m)^conv1 +weight +4 +yes +yes +no +float scale, absmax");
    assertThat(o).containsMatch("(?m)^conv1 +bias +32 +yes +no");
    assertThat(o).containsMatch("(?m)^relu1 +act +4 +no +no +no ");
    assertThat(o).containsMatch("(?m)^ *2 +conv1 +\\[1, 6, 28, 28\\] +float$");
    assertThat(o).containsMatch("(?m)^ *4 +max_pool2d +\\[1, 6, 14, 14\\] +uint4 QuantTensor$");
    assertThat(o).containsMatch("(?m)^ *8 +flatten +\\[1, 400\\] +uint4 QuantTensor$");
    assertThat(o).containsMatch("(?m)^ *13 +fc3 +\\[1, 10\\] +float$");
    // ceil(log2(fan_in * max|in| * max|w|)) + 1: e.g. conv1 75 * 8 * 7 = 4200 -> 13 + 1.
    assertThat(o).containsMatch("(?m)^conv1 +75 +int4 +8 +int4 +7 +14 +yes$");
    assertThat(o).containsMatch("(?m)^conv2 +150 +uint4 +15 +int4 +7 +15 +yes$");
    assertThat(o).containsMatch("(?m)^fc1 +400 +uint4 +15 +int4 +7 +17 +yes$");
    assertThat(o).containsMatch("(?m)^fc2 +120 +uint4 +15 +int4 +7 +15 +yes$");
    assertThat(o).containsMatch("(?m)^fc3 +84 +uint4 +15 +int4 +7 +15 +yes$");

    String weightOnly = CliRun.ok("inspect", "--model", "QuantWeightLeNet").out();
    assertThat(weightOnly).containsMatch("(?m)^conv1 +75 +float +- +int4 +7 +unknown +-$");
  }

  @Test
  void inspectWithACheckpointShowsScales() {
    String o = CliRun.ok("inspect", "--model", LENET, "--checkpoint", checkpoint.toString()).out();
    assertThat(o).contains("Quantizers (scales in eval mode)");
    assertThat(o).containsMatch("(?m)^relu1 +act .* [0-9.e-]+$");
  }

  @Test
  void benchMeasuresTrainAndEvalThroughput() {
    Result r =
        CliRun.ok(
            "bench",
            "--model",
            "QuantWeightActBiasLeNet",
            "--batch-size",
            "8",
            "--eval-batch-size",
            "16",
            "--seconds",
            "0.5",
            "--warmup",
            "0.2",
            "--warmup-steps",
            "5");
    assertThat(r.out()).containsMatch("(?m)^train +tape +8 +[0-9]+\\.[0-9] +[0-9]+ +[0-9.]+$");
    assertThat(r.out()).containsMatch("(?m)^eval +tape +16 +[0-9]+\\.[0-9] +[0-9]+ +[0-9.]+$");
    // QuantWeightActBiasLeNet has a compiled step: both paths are listed.
    assertThat(r.out()).containsMatch("(?m)^train +compiled +8 +[0-9]+\\.[0-9] +[0-9]+ +[0-9.]+$");
    assertThat(r.out()).containsMatch("(?m)^eval +compiled +16 +[0-9]+\\.[0-9] +[0-9]+ +[0-9.]+$");
    assertThat(r.out()).containsMatch("peak resident memory \\(VmHWM\\): [0-9.]+ MiB; heap: ");
  }

  @Test
  void benchListsTheCompiledAndTheTapePathOfACompiledModel() {
    Result r =
        CliRun.ok(
            "bench",
            "--model",
            "FloatLeNet",
            "--batch-size",
            "8",
            "--eval-batch-size",
            "16",
            "--seconds",
            "0.3",
            "--warmup",
            "0.1",
            "--warmup-steps",
            "2");
    for (String phase :
        List.of("train +compiled +8", "train +tape +8", "eval +compiled +16", "eval +tape +16")) {
      assertThat(r.out()).containsMatch("(?m)^" + phase + " +[0-9]+\\.[0-9] +[0-9]+ +[0-9.]+$");
    }
  }

  @Test
  void inspectSaysWhichTrainingStepAModelUses() {
    // Every sample model compiles now, the demo model and the automatically quantized one too.
    for (String model : List.of("FloatLeNet", LENET, "AutoLeNet")) {
      assertThat(CliRun.ok("inspect", "--model", model).out())
          .contains("Training step: compiled (generated forward and backward pass)");
    }
    // F.affine and @TensorNorm have no compiled kernels yet: the zoo's FC models use the tape.
    assertThat(CliRun.ok("inspect", "--model", "tfc_1w1a").out())
        .contains(
            "Training step: autograd tape (no compiled step; the javac note of the model says why)");
  }

  // ---------------------------------------------------------------------------------------------

  static void assertOneLine(Result r, String fragment) {
    String err = r.errText();
    assertWithMessage(r.toString()).that(err).startsWith("qnn4j: ");
    assertWithMessage(r.toString()).that(err).doesNotContain("\n");
    assertWithMessage(r.toString()).that(err).contains(fragment);
  }

  static List<String> stepLosses(Path metrics) throws IOException {
    List<String> out = new ArrayList<>();
    for (String line : Files.readAllLines(metrics)) {
      if (line.startsWith("{\"event\":\"step\"")) {
        out.add(line.replaceAll(".*(\"step\":[0-9]+).*(\"loss\":[^,]+).*", "$1 $2"));
      }
    }
    return out;
  }

  static void writeImages(Path file, int n, long[] shape, long seed) throws IOException {
    Random r = new Random(seed);
    int size = 1;
    for (long d : shape) {
      size *= (int) d;
    }
    float[] x = new float[n * size];
    for (int i = 0; i < x.length; i++) {
      x[i] = r.nextFloat() * 2 - 1;
    }
    long[] full = new long[shape.length + 1];
    full[0] = n;
    System.arraycopy(shape, 0, full, 1, shape.length);
    Npy.write(file, ArrayData.ofFloats(x, full));
  }

  static void writeLabels(Path file, int n, int classes, long seed) throws IOException {
    Random r = new Random(seed);
    long[] y = new long[n];
    for (int i = 0; i < n; i++) {
      y[i] = i < classes ? i : r.nextInt(classes);
    }
    Npy.write(file, ArrayData.ofLongs(y, n));
  }
}
