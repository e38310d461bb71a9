package dev.qnn4j.e2e;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import dev.qnn4j.runtime.data.FashionMnist;
import dev.qnn4j.samples.cli.CliRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code qnn4j demo} on a small part of Fashion-MNIST (the full demo takes minutes and is run by
 * hand): it trains, exports QCDQ, runs the file in ONNX Runtime and reports both accuracies, and
 * leaves its four files.
 */
class CliDemoTest {
  @TempDir Path tmp;

  @Test
  void demoTrainsExportsAndComparesWithOnnxRuntime() throws IOException {
    Assumptions.assumeTrue(
        FashionMnist.isAvailable(FashionMnist.DEFAULT_DIR),
        "Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)");
    Path dir = tmp.resolve("runs/demo");
    CliRun.Result r =
        CliRun.ok(
            "demo",
            "--epochs",
            "1",
            "--limit",
            "2000",
            "--test-limit",
            "1000",
            "--out-dir",
            dir.toString());
    String out = r.out();
    assertThat(out).contains("data: 2000 training and 1000 test images");
    assertThat(out)
        .containsMatch(
            "(?m)^epoch 1/1 done: train loss [0-9.]+, train acc [0-9.]+%, test acc [0-9.]+%");
    Matcher java =
        Pattern.compile("(?m)^qnn4j QAT model \\(Java\\) +([0-9.]+)% +([0-9]+)/1000$").matcher(out);
    Matcher ort =
        Pattern.compile("(?m)^exported QCDQ ONNX \\(ONNX Runtime\\) +([0-9.]+)% +([0-9]+)/1000$")
            .matcher(out);
    assertWithMessage(out).that(java.find()).isTrue();
    assertWithMessage(out).that(ort.find()).isTrue();
    // A model this undertrained has near-ties that a different summation order in ONNX Runtime can
    // flip (the full demo's accuracies agree to 0.1 points).
    assertWithMessage(out)
        .that(Math.abs(Double.parseDouble(java.group(1)) - Double.parseDouble(ort.group(1))))
        .isAtMost(0.5);
    Matcher agree =
        Pattern.compile("predictions agree on ([0-9]+) of 1000 test images").matcher(out);
    assertWithMessage(out).that(agree.find()).isTrue();
    assertThat(Integer.parseInt(agree.group(1))).isAtLeast(990);

    for (String file :
        List.of(
            "checkpoint.safetensors", "metrics.jsonl", "model_qcdq.onnx", "training_curve.png")) {
      Path p = dir.resolve(file);
      assertWithMessage(file).that(Files.size(p)).isGreaterThan(100L);
      assertThat(out).contains(p.toString());
    }
    List<String> metrics = Files.readAllLines(dir.resolve("metrics.jsonl"));
    assertThat(metrics).hasSize(32 + 1);
    assertThat(metrics.get(32)).startsWith("{\"event\":\"epoch\",\"epoch\":1,\"step\":32,");
  }
}
