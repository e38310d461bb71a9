package dev.qnn4j.samples.cli;

import static com.google.common.truth.Truth.assertThat;

import dev.qnn4j.runtime.io.ArrayData;
import dev.qnn4j.runtime.io.Safetensors;
import dev.qnn4j.samples.cli.CliRun.Result;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Brevitas' zoo names on the command line, and data that follows the model: native 1x28x28
 * Fashion-MNIST for the FC models and users' MLPs, [0, 1] for the zoo, the bnn_pynq recipe's loss
 * and weight clipping.
 */
class ZooCliTest {
  @TempDir static Path dir;
  static Path fashion;

  /** A Fashion-MNIST directory of 40 training and 20 test images (gray ramps by label). */
  @BeforeAll
  static void writeTinyFashionMnist() throws IOException {
    fashion = Files.createDirectories(dir.resolve("fashion"));
    writeSet("train", 40);
    writeSet("t10k", 20);
  }

  private static void writeSet(String prefix, int n) throws IOException {
    byte[] pixels = new byte[n * 784];
    byte[] labels = new byte[n];
    for (int i = 0; i < n; i++) {
      labels[i] = (byte) (i % 10);
      for (int p = 0; p < 784; p++) {
        pixels[i * 784 + p] = (byte) ((p % 28) * (i % 10) + i);
      }
    }
    Files.write(fashion.resolve(prefix + "-images-idx3-ubyte.gz"), idx(pixels, n, 28, 28));
    Files.write(fashion.resolve(prefix + "-labels-idx1-ubyte.gz"), idx(labels, n));
  }

  private static byte[] idx(byte[] data, int... dims) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(bytes))) {
      out.writeInt(0x0800 | dims.length);
      for (int d : dims) {
        out.writeInt(d);
      }
      out.write(data);
    }
    return bytes.toByteArray();
  }

  @Test
  void modelsListsBrevitasZooNamesAndTheyResolve() {
    assertThat(CliRun.ok("models").out())
        .containsMatch("(?m)^Tfc1W1A +tfc_1w1a +dev.qnn4j.samples.zoo.Tfc1W1A +\\[1, 28, 28\\]$");
    Result inspect = CliRun.ok("inspect", "--model", "tfc_2w2a");
    assertThat(inspect.out()).contains("Tfc2W2A (dev.qnn4j.samples.zoo.QuantModel_Tfc2W2A)");
    assertThat(inspect.out())
        .contains(
            "Data: fashion-mnist layout 1x28x28 (native), normalisation unit [0, 1]; cifar10 does"
                + " not fit (images [3, 32, 32])");
    assertThat(inspect.out()).contains("features.2");
  }

  @Test
  void aUserMlpOnNativeFashionMnistTrains() throws IOException {
    Path out = dir.resolve("mlp.safetensors");
    Result r =
        CliRun.ok(
            "train",
            "--model",
            "FashionMlp",
            "--data",
            "fashion-mnist:" + fashion,
            "--batch-size",
            "8",
            "--out",
            out.toString());
    assertThat(r.out()).contains("input: layout 1x28x28 (native), normalisation symmetric [-1, 1]");
    assertThat(r.out()).contains("loss cross-entropy");
    assertThat(r.out()).contains("checkpoint: " + out + " (epoch 1, step 5)");
    // The seed LeNets still get their 3x32x32 replicate-and-pad layout from the same data.
    Result lenet =
        CliRun.ok(
            "train",
            "--model",
            "QuantWeightLeNet",
            "--data",
            "fashion-mnist:" + fashion,
            "--max-steps",
            "1",
            "--out",
            dir.resolve("lenet.safetensors").toString());
    assertThat(lenet.out())
        .contains("input: layout 3x32x32 (padded by 2, gray replicated), normalisation symmetric");
  }

  @Test
  void theBnnPynqRecipeTrainsTfcWithClippedWeights() throws IOException {
    Path out = dir.resolve("tfc.safetensors");
    Result r =
        CliRun.ok(
            "train",
            "--model",
            "tfc_1w1a",
            "--data",
            "fashion-mnist:" + fashion,
            "--batch-size",
            "10",
            "--lr",
            "0.5",
            "--epochs",
            "2",
            "--loss",
            "sqr-hinge",
            "--clip-weights",
            "--out",
            out.toString());
    assertThat(r.out()).contains("input: layout 1x28x28 (native), normalisation unit [0, 1]");
    assertThat(r.out()).contains("loss sqr-hinge, weights clipped to [-1.0, 1.0]");
    // With lr 0.5 Adam moves weights by about 0.5 a step: clipping is what keeps them in [-1, 1].
    Map<String, ArrayData> state = Safetensors.read(out).tensors();
    float max = 0f;
    for (String key :
        new String[] {"features.2.weight", "features.6.weight", "features.14.weight"}) {
      for (float w : state.get(key).toFloatArray()) {
        max = Math.max(max, Math.abs(w));
      }
    }
    assertThat(max).isEqualTo(1f);
  }

  @Test
  void badCombinationsAreOneLineExitTwo() {
    assertBad(
        new String[] {
          "train",
          "--model",
          "tfc_1w1a",
          "--data",
          "fashion-mnist:" + fashion,
          "--input-layout",
          "2x28x28",
          "--out",
          dir.resolve("x.safetensors").toString()
        },
        "--input-layout: unknown layout '2x28x28'; use auto or one of 1x28x28, 1x32x32,"
            + " 3x28x28, 3x32x32");
    assertBad(
        new String[] {
          "train",
          "--model",
          "tfc_1w1a",
          "--data",
          "cifar10:" + dir,
          "--input-layout",
          "1x28x28",
          "--out",
          dir.resolve("x.safetensors").toString()
        },
        "--input-layout applies to fashion-mnist (28x28 gray images); cifar10 images are used in"
            + " their own shape");
    assertBad(
        new String[] {
          "train",
          "--model",
          "tfc_1w1a",
          "--data",
          "fashion-mnist:" + fashion,
          "--input-layout",
          "3x32x32",
          "--out",
          dir.resolve("x.safetensors").toString()
        },
        "images have shape [N, 3, 32, 32] but Tfc1W1A expects [N, 1, 28, 28]");
    assertBad(
        new String[] {
          "train",
          "--model",
          "tfc_1w1a",
          "--loss",
          "hinge",
          "--out",
          dir.resolve("x.safetensors").toString()
        },
        "--loss: unknown loss 'hinge'; use cross-entropy or sqr-hinge");
    assertBad(
        new String[] {
          "train",
          "--model",
          "tfc_1w1a",
          "--loss",
          "sqr-hinge",
          "--spark",
          "local[1]",
          "--out",
          dir.resolve("x.safetensors").toString()
        },
        "--loss sqr-hinge and --clip-weights train on one machine only, not with --spark");
    assertBad(
        new String[] {
          "train",
          "--model",
          "tfc_1w1a",
          "--clip-weights",
          "0",
          "--out",
          dir.resolve("x.safetensors").toString()
        },
        "--clip-weights must be a positive number, got 0.0");
    assertBad(
        new String[] {
          "train",
          "--model",
          "tfc_1w1a",
          "--normalisation",
          "zscore",
          "--out",
          dir.resolve("x.safetensors").toString()
        },
        "--normalisation: unknown value 'zscore'; use auto, symmetric or unit");
  }

  private static void assertBad(String[] args, String message) {
    Result r = CliRun.run(args);
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.errText()).contains(message);
    assertThat(r.errText().lines().count()).isEqualTo(1);
  }
}
