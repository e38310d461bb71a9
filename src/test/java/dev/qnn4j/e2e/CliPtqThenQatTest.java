package dev.qnn4j.e2e;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.qnn4j.runtime.data.FashionMnist;
import dev.qnn4j.samples.cli.CliRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Post-training quantization followed by QAT beats QAT from scratch for the same training budget: a
 * float LeNet trained for one epoch, calibrated into QuantWeightActBiasLeNet and fine-tuned for one
 * epoch is more accurate than QuantWeightActBiasLeNet trained from scratch for one epoch, all
 * through the command line, on the first 10000 Fashion-MNIST training images (to keep it to about a
 * minute).
 */
class CliPtqThenQatTest {
  private static final String LIMIT = "10000";

  @TempDir Path tmp;

  @Test
  void calibratingAFloatModelThenFineTuningBeatsQatFromScratch() throws IOException {
    Assumptions.assumeTrue(
        FashionMnist.isAvailable(FashionMnist.DEFAULT_DIR),
        "Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)");
    Path floatCkpt = tmp.resolve("float.safetensors");
    Path calibrated = tmp.resolve("calibrated.safetensors");
    Path ptqQat = tmp.resolve("ptq_qat.safetensors");
    Path scratch = tmp.resolve("scratch.safetensors");

    CliRun.ok(
        "train",
        "--model",
        "FloatLeNet",
        "--data",
        "fashion-mnist",
        "--limit",
        LIMIT,
        "--test-limit",
        "1000",
        "--epochs",
        "1",
        "--seed",
        "0",
        "--out",
        floatCkpt.toString());
    CliRun.Result cal =
        CliRun.ok(
            "calibrate",
            "--model",
            "QuantWeightActBiasLeNet",
            "--weights",
            floatCkpt.toString(),
            "--data",
            "fashion-mnist",
            "--batches",
            "16",
            "--out",
            calibrated.toString());
    assertThat(cal.out())
        .contains("calibrated QuantWeightActBiasLeNet on 16 batch(es), 1024 images");
    double ptqOnly =
        accuracy(
            CliRun.ok(
                    "eval",
                    "--model",
                    "QuantWeightActBiasLeNet",
                    "--checkpoint",
                    calibrated.toString())
                .out());

    Path ptqMetrics = tmp.resolve("ptq_qat.jsonl");
    Path scratchMetrics = tmp.resolve("scratch.jsonl");
    CliRun.ok(
        "train",
        "--model",
        "QuantWeightActBiasLeNet",
        "--data",
        "fashion-mnist",
        "--limit",
        LIMIT,
        "--epochs",
        "1",
        "--seed",
        "0",
        "--init-checkpoint",
        calibrated.toString(),
        "--metrics",
        ptqMetrics.toString(),
        "--out",
        ptqQat.toString());
    CliRun.ok(
        "train",
        "--model",
        "QuantWeightActBiasLeNet",
        "--data",
        "fashion-mnist",
        "--limit",
        LIMIT,
        "--epochs",
        "1",
        "--seed",
        "0",
        "--metrics",
        scratchMetrics.toString(),
        "--out",
        scratch.toString());

    double withPtq = lastTestAccuracy(ptqMetrics);
    double fromScratch = lastTestAccuracy(scratchMetrics);
    String summary =
        String.format(
            Locale.ROOT,
            "test accuracy after PTQ only %.2f%%, PTQ then 1 QAT epoch %.2f%%,"
                + " 1 QAT epoch from scratch %.2f%%",
            100 * ptqOnly,
            100 * withPtq,
            100 * fromScratch);
    System.out.println(summary);
    assertWithMessage(summary).that(ptqOnly).isGreaterThan(0.5);
    assertWithMessage(summary).that(withPtq).isGreaterThan(fromScratch);
  }

  /** "... accuracy 81.23% (8123/10000) ..." of the eval command. */
  private static double accuracy(String evalOutput) {
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("accuracy ([0-9.]+)% ").matcher(evalOutput);
    assertWithMessage(evalOutput).that(m.find()).isTrue();
    return Double.parseDouble(m.group(1)) / 100;
  }

  private static double lastTestAccuracy(Path metrics) throws IOException {
    double acc = Double.NaN;
    for (String line : Files.readAllLines(metrics)) {
      JsonObject o = JsonParser.parseString(line).getAsJsonObject();
      if (o.get("event").getAsString().equals("epoch")) {
        acc = o.get("test_accuracy").getAsDouble();
      }
    }
    assertWithMessage("no epoch line in " + metrics).that(Double.isNaN(acc)).isFalse();
    return acc;
  }
}
