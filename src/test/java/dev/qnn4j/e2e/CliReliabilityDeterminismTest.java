package dev.qnn4j.e2e;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static dev.qnn4j.e2e.CliReliabilityChild.LENET;

import dev.qnn4j.e2e.CliReliabilityChild.Proc;
import dev.qnn4j.runtime.io.ArrayData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same seed on the same machine gives bit-identical weights and metrics, in separate JVMs
 * (default ND4J threading, shuffled batches, Adam); another seed gives other weights.
 */
class CliReliabilityDeterminismTest {
  @TempDir Path tmp;

  @Test
  void theSameSeedGivesBitIdenticalCheckpointsAndMetricsAndAnotherSeedDoesNot() throws Exception {
    Path dataDir = Files.createDirectory(tmp.resolve("data"));
    Path logs = Files.createDirectory(tmp.resolve("logs"));
    String data = CliReliabilityChild.writeData(dataDir, 256, 5);
    Path a = train(data, 1, tmp.resolve("a"), logs);
    Path b = train(data, 1, tmp.resolve("b"), logs);
    Path c = train(data, 2, tmp.resolve("c"), logs);

    // Same command line (relative paths), same seed: the whole file is the same, header included.
    assertThat(Files.readAllBytes(b.resolve("C.safetensors")))
        .isEqualTo(Files.readAllBytes(a.resolve("C.safetensors")));
    Map<String, String> metricsA = CliReliabilityChild.metricsWithoutTiming(a.resolve("m.jsonl"));
    assertThat(metricsA).hasSize(32 + 2);
    assertThat(CliReliabilityChild.metricsWithoutTiming(b.resolve("m.jsonl")))
        .containsExactlyEntriesIn(metricsA)
        .inOrder();

    Map<String, ArrayData> ta = CliReliabilityChild.tensors(a.resolve("C.safetensors"));
    Map<String, ArrayData> tc = CliReliabilityChild.tensors(c.resolve("C.safetensors"));
    for (String weight : new String[] {"conv1.weight", "conv2.weight", "fc1.weight", "fc3.bias"}) {
      assertWithMessage(weight + " with seeds 1 and 2")
          .that(tc.get(weight))
          .isNotEqualTo(ta.get(weight));
    }
    Map<String, String> metricsC = CliReliabilityChild.metricsWithoutTiming(c.resolve("m.jsonl"));
    assertThat(metricsC.get("step 000001")).isNotEqualTo(metricsA.get("step 000001"));
  }

  /** Two epochs of 16 steps in a child JVM, in directory {@code dir}; returns it. */
  private static Path train(String data, long seed, Path dir, Path logs) throws Exception {
    Files.createDirectory(dir);
    Proc r =
        CliReliabilityChild.run(
            dir,
            logs.resolve(dir.getFileName().toString()),
            "train",
            "--model",
            LENET,
            "--data",
            data,
            "--epochs",
            "2",
            "--batch-size",
            "16",
            "--seed",
            Long.toString(seed),
            "--out",
            "C.safetensors",
            "--metrics",
            "m.jsonl");
    assertWithMessage(r.toString()).that(r.code()).isEqualTo(0);
    CliReliabilityChild.assertNoCrashLog(dir);
    return dir;
  }
}
