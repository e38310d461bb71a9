package dev.qnn4j.e2e;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import dev.qnn4j.runtime.data.FashionMnist;
import dev.qnn4j.runtime.io.ArrayData;
import dev.qnn4j.runtime.io.Npy;
import dev.qnn4j.samples.cli.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train|calibrate|eval --spark local[2]} through the command line on Fashion-MNIST (a part
 * of it, to keep the run short; BENCHMARKS.md and docs/spark.md have the full-epoch figures), the
 * export of the result to QCDQ checked in ONNX Runtime, and bad input.
 */
class CliSparkTest {
  @TempDir Path tmp;

  @Test
  void trainCalibrateAndEvaluateOnSparkThenExport() throws Exception {
    Assumptions.assumeTrue(
        FashionMnist.isAvailable(FashionMnist.DEFAULT_DIR),
        "Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)");
    Path ckpt = tmp.resolve("spark.safetensors");
    CliRun.Result train =
        CliRun.ok(
            "train",
            "--spark",
            "local[2]",
            "--model",
            "QuantWeightActBiasLeNet",
            "--data",
            "fashion-mnist",
            "--limit",
            "3200",
            "--test-limit",
            "1000",
            "--epochs",
            "1",
            "--out",
            ckpt.toString());
    assertThat(train.out()).contains("on Spark 4.");
    assertThat(train.out())
        .contains("calibrated the activation quantizers on 16 batch(es) of 64 first");
    assertThat(train.out()).contains("checkpoint: " + ckpt + " (epoch 1, step 50)");
    double trained = accuracy(train.out(), "test accuracy ([0-9.]+)%");
    assertWithMessage(train.out()).that(trained).isGreaterThan(0.6);

    // The distributed evaluation prints what the single-process one prints.
    String local =
        CliRun.ok(
                "eval",
                "--model",
                "QuantWeightActBiasLeNet",
                "--checkpoint",
                ckpt.toString(),
                "--limit",
                "1000")
            .out();
    Path predictions = tmp.resolve("pred.npy");
    String distributed =
        CliRun.ok(
                "eval",
                "--spark",
                "local[2]",
                "--model",
                "QuantWeightActBiasLeNet",
                "--checkpoint",
                ckpt.toString(),
                "--limit",
                "1000",
                "--predictions",
                predictions.toString())
            .out();
    assertThat(distributed).contains(local.strip());
    assertThat(Files.size(predictions)).isEqualTo(128 + 8 * 1000);

    Path onnx = tmp.resolve("lenet.onnx");
    CliRun.Result export =
        CliRun.ok(
            "export",
            "--model",
            "QuantWeightActBiasLeNet",
            "--checkpoint",
            ckpt.toString(),
            "--format",
            "qcdq",
            "--output",
            onnx.toString());
    assertThat(Files.size(onnx)).isGreaterThan(0L);
    assertThat(export.code()).isEqualTo(0);

    Path calibrated = tmp.resolve("calibrated.safetensors");
    CliRun.Result cal =
        CliRun.ok(
            "calibrate",
            "--spark",
            "local[2]",
            "--model",
            "QuantWeightActBiasLeNet",
            "--weights",
            ckpt.toString(),
            "--data",
            "fashion-mnist",
            "--batches",
            "5",
            "--out",
            calibrated.toString());
    assertThat(cal.out()).contains("calibrated QuantWeightActBiasLeNet on 5 batch(es), 320 images");
  }

  @Test
  void anUnreachableMasterIsOneLineAndLeavesNoOutput() throws Exception {
    Path x = tmp.resolve("x.npy");
    Path y = tmp.resolve("y.npy");
    Npy.write(x, ArrayData.ofFloats(new float[8 * 3 * 32 * 32], 8, 3, 32, 32));
    Npy.write(y, ArrayData.ofLongs(new long[8], 8));
    Path out = tmp.resolve("never.safetensors");
    CliRun.Result r =
        CliRun.run(
            "train",
            "--spark",
            "spark://127.0.0.1:1",
            "--model",
            "QuantWeightActBiasLeNet",
            "--data",
            "npy:" + x + ":" + y,
            "--batch-size",
            "4",
            "--out",
            out.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err().strip())
        .startsWith("qnn4j: cannot reach the Spark master spark://127.0.0.1:1: ");
    assertThat(r.err().strip()).doesNotContain("\n");
    assertThat(Files.exists(out)).isFalse();
  }

  private static double accuracy(String output, String regex) {
    Matcher m = Pattern.compile(regex).matcher(output);
    assertWithMessage(output).that(m.find()).isTrue();
    return Double.parseDouble(m.group(1)) / 100;
  }
}
