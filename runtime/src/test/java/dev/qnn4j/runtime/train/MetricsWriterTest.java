package dev.qnn4j.runtime.train;

import static com.google.common.truth.Truth.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The metrics log only ever holds complete lines, also when appended to after a crash. */
class MetricsWriterTest {
  @TempDir Path dir;

  private static StepMetrics step(long n) {
    return new StepMetrics(n, 1, 1, (int) n, 10, 16, 2.5f, 2.5, 0.1, 1e-3f, 100, 0.5);
  }

  @Test
  void appendingDropsAnIncompleteLastLineFirst() throws Exception {
    Path file = dir.resolve("m.jsonl");
    try (MetricsWriter w = new MetricsWriter(file, false)) {
      w.onStep(step(1));
      w.onStep(step(2));
    }
    List<String> two = Files.readAllLines(file);
    Files.writeString(
        file, Files.readString(file) + "{\"event\":\"step\",\"st", StandardCharsets.UTF_8);
    try (MetricsWriter w = new MetricsWriter(file, true)) {
      w.onStep(step(3));
    }
    List<String> lines = Files.readAllLines(file);
    assertThat(lines).hasSize(3);
    assertThat(lines.subList(0, 2)).isEqualTo(two);
    assertThat(lines.get(2)).startsWith("{\"event\":\"step\",\"step\":3,");
    assertThat(Files.readString(file)).endsWith("}\n");
  }

  @Test
  void appendingToACompleteOrEmptyFileKeepsEverything() throws Exception {
    Path file = dir.resolve("m.jsonl");
    Files.writeString(file, "");
    try (MetricsWriter w = new MetricsWriter(file, true)) {
      w.onStep(step(1));
    }
    try (MetricsWriter w = new MetricsWriter(file, true)) {
      w.onStep(step(2));
    }
    assertThat(Files.readAllLines(file)).hasSize(2);
    try (MetricsWriter w = new MetricsWriter(file, false)) {
      w.onStep(step(3));
    }
    assertThat(Files.readAllLines(file)).hasSize(1);
  }
}
