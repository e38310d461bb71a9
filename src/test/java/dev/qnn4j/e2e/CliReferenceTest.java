package dev.qnn4j.e2e;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.qnn4j.runtime.io.ArrayData;
import dev.qnn4j.runtime.io.Npy;
import dev.qnn4j.runtime.io.Safetensors;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.nn.ModelFactory;
import dev.qnn4j.runtime.reference.Matching;
import dev.qnn4j.runtime.reference.Reference;
import dev.qnn4j.runtime.reference.TrainingStepReference;
import dev.qnn4j.runtime.train.Checkpoint;
import dev.qnn4j.samples.cli.CliRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Brevitas 0.11 reference vectors ({@code /work/shared/reference/brevitas}, on the test
 * classpath through the runtime's test jar), reproduced through the command line alone: {@code
 * calibrate} then {@code predict} for every {@code model_ptq} case, {@code train} for the {@code
 * qat_steps} case.
 */
class CliReferenceTest {
  @TempDir Path tmp;

  static Stream<JsonObject> ptqCases() {
    return Reference.cases("model_ptq").stream();
  }

  /** calibrate --weights --calibration, then predict: the logits match Brevitas'. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("ptqCases")
  void calibrateThenPredictMatchesBrevitas(JsonObject c) throws IOException {
    String name = c.get("name").getAsString();
    String model = c.get("model").getAsString();
    JsonObject in = c.getAsJsonObject("inputs");
    Path weights = copy(in.get("float_weights").getAsString());
    Path calib = copy(in.get("calibration_batches").getAsString());
    Path input = copy(in.get("input").getAsString());
    Path calibrated = tmp.resolve(name + ".calibrated.safetensors");
    Path logits = tmp.resolve(name + ".logits.npy");

    CliRun.Result cal =
        CliRun.ok(
            "calibrate",
            "--model",
            model,
            "--weights",
            weights.toString(),
            "--calibration",
            calib.toString(),
            "--out",
            calibrated.toString());
    assertThat(cal.out()).contains("calibrated " + model + " on 4 batch(es), 64 images");
    CliRun.ok(
        "predict",
        "--model",
        model,
        "--checkpoint",
        calibrated.toString(),
        "--input",
        input.toString(),
        "--output",
        logits.toString());

    ArrayData y = Npy.read(logits);
    ArrayData want = Reference.npy(c.getAsJsonObject("outputs").get("output").getAsString());
    assertThat(y.dtype()).isEqualTo(ArrayData.DType.FLOAT32);
    assertThat(y.shape()).isEqualTo(want.shape());
    Matching.assertMatches(
        name + " logits through the command line", want.toFloatArray(), y.floats());
    for (Map.Entry<String, com.google.gson.JsonElement> e :
        c.getAsJsonObject("outputs").getAsJsonObject("activation_scales").entrySet()) {
      assertThat(cal.out()).contains(" " + e.getKey() + " ");
    }
  }

  /**
   * The same case in a child JVM, the way the ./qnn4j launcher runs the command line: exit codes
   * and streams of a real process. Also exports the calibrated model to QCDQ with its ONNX Runtime
   * self-check.
   */
  @Test
  void theCommandLineWorksInAChildJvm() throws Exception {
    JsonObject c = Reference.caseNamed("lenet_weight_act_bias");
    JsonObject in = c.getAsJsonObject("inputs");
    Path weights = copy(in.get("float_weights").getAsString());
    Path calib = copy(in.get("calibration_batches").getAsString());
    Path input = copy(in.get("input").getAsString());
    Path calibrated = tmp.resolve("calibrated.safetensors");
    Path logits = tmp.resolve("logits.npy");
    Path onnx = tmp.resolve("lenet.onnx");

    Proc cal =
        java(
            "calibrate",
            "--model",
            "QuantWeightActBiasLeNet",
            "--weights",
            weights.toString(),
            "--calibration",
            calib.toString(),
            "--out",
            calibrated.toString());
    assertWithMessage(cal.toString()).that(cal.code).isEqualTo(0);
    Proc predict =
        java(
            "predict",
            "--model",
            "QuantWeightActBiasLeNet",
            "--checkpoint",
            calibrated.toString(),
            "--input",
            input.toString(),
            "--output",
            logits.toString());
    assertWithMessage(predict.toString()).that(predict.code).isEqualTo(0);
    Matching.assertMatches(
        "child JVM logits",
        Reference.floats(c.getAsJsonObject("outputs").get("output").getAsString()),
        Npy.read(logits).floats());
    Proc export =
        java(
            "export",
            "--model",
            "QuantWeightActBiasLeNet",
            "--checkpoint",
            calibrated.toString(),
            "--output",
            onnx.toString());
    assertWithMessage(export.toString()).that(export.code).isEqualTo(0);
    assertThat(export.out).contains("ONNX Runtime self-check: OK");

    Proc bad =
        java(
            "predict",
            "--model",
            "QuantWeightActBiasLeNet",
            "--checkpoint",
            calibrated.toString(),
            "--input",
            weights.toString(),
            "--output",
            tmp.resolve("never.npy").toString());
    assertWithMessage(bad.toString()).that(bad.code).isEqualTo(2);
    assertThat(bad.err.strip()).startsWith("qnn4j: " + weights + ": ");
    assertThat(bad.err.strip()).doesNotContain("\n");
    assertThat(Files.exists(tmp.resolve("never.npy"))).isFalse();

    Proc usage = java("predict", "--model", "QuantWeightActBiasLeNet", "--frobnicate");
    assertThat(usage.code).isEqualTo(2);
    assertThat(usage.err.strip())
        .isEqualTo("qnn4j: Unknown option: '--frobnicate' (see 'qnn4j predict --help')");
  }

  /**
   * The qat_steps case through {@code train}: SGD at the reference's learning rate, batches of 16
   * in order, from the reference's initial weights; the losses (from the metrics file) and the
   * weights (from the checkpoint) match Brevitas' under the reference's training-step rule.
   */
  @Test
  void trainMatchesTheQatStepsReference() throws IOException {
    TrainingStepReference reference = TrainingStepReference.load();
    ArrayData inputs = Reference.npy(reference.inputsFile());
    long[] s = inputs.shape();
    assertThat(s.length).isEqualTo(5);
    Path x = tmp.resolve("qat.inputs.npy");
    Npy.write(x, ArrayData.ofFloats(inputs.toFloatArray(), s[0] * s[1], s[2], s[3], s[4]));
    ArrayData labels = Reference.npy(reference.labelsFile());
    Path y = tmp.resolve("qat.labels.npy");
    Npy.write(y, ArrayData.ofLongs(labels.toLongArray(), labels.numElements()));
    Path before = copy(reference.weightsBeforeFile());
    Path metrics = tmp.resolve("m.jsonl");
    Path ckpt = tmp.resolve("qat.safetensors");

    CliRun.ok(
        "train",
        "--model",
        reference.modelName(),
        "--data",
        "npy:" + x + ":" + y,
        "--optimizer",
        "sgd",
        "--lr",
        Float.toString(reference.learningRate()),
        "--batch-size",
        Long.toString(s[1]),
        "--no-shuffle",
        "--epochs",
        "1",
        "--init-weights",
        before.toString(),
        "--metrics",
        metrics.toString(),
        "--out",
        ckpt.toString());

    List<Float> losses = new ArrayList<>();
    for (String line : Files.readAllLines(metrics)) {
      JsonObject o = JsonParser.parseString(line).getAsJsonObject();
      if (o.get("event").getAsString().equals("step")) {
        losses.add(o.get("loss").getAsFloat());
      }
    }
    Model model = create(reference.modelName());
    assertThat(Checkpoint.load(ckpt, model, null).step()).isEqualTo(reference.steps());
    float[] stepLosses = new float[losses.size()];
    for (int i = 0; i < stepLosses.length; i++) {
      stepLosses[i] = losses.get(i);
    }
    Map<String, ArrayData> trained = Safetensors.read(ckpt).tensors();
    reference.assertMatches(
        "qnn4j train",
        stepLosses,
        name -> trained.containsKey(name) ? trained.get(name).toFloatArray() : null);
  }

  // ---------------------------------------------------------------------------------------------

  private Path copy(String referenceFile) throws IOException {
    Path tmpFile = Reference.copyToTemp(referenceFile);
    Path target = tmp.resolve(referenceFile);
    Files.move(tmpFile, target);
    return target;
  }

  private static Model create(String name) {
    for (ModelFactory f : ServiceLoader.load(ModelFactory.class)) {
      if (f.modelName().equals(name)) {
        return f.create();
      }
    }
    throw new AssertionError("no model " + name);
  }

  private record Proc(int code, String out, String err) {
    @Override
    public String toString() {
      return "exit " + code + "\n--- stdout ---\n" + out + "--- stderr ---\n" + err;
    }
  }

  /**
   * Runs the command line's main class in a child JVM on this test's class path (surefire's may be
   * a manifest-only jar, which {@code java -cp} accepts as well).
   */
  private Proc java(String... args) throws IOException, InterruptedException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> command =
        new ArrayList<>(
            List.of(
                java.toString(),
                "-Xmx1g",
                "-cp",
                System.getProperty("java.class.path"),
                "dev.qnn4j.samples.cli.Qnn4jCli"));
    command.addAll(List.of(args));
    Path out = Files.createTempFile(tmp, "out", ".txt");
    Path err = Files.createTempFile(tmp, "err", ".txt");
    Process p =
        new ProcessBuilder(command)
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    if (!p.waitFor(300, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("qnn4j " + String.join(" ", args) + " did not finish in 300 s");
    }
    Proc r = new Proc(p.exitValue(), Files.readString(out), Files.readString(err));
    Files.delete(out);
    Files.delete(err);
    return r;
  }
}
