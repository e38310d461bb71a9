package dev.qnn4j.e2e;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static dev.qnn4j.e2e.CliReliabilityChild.LENET;

import dev.qnn4j.e2e.CliReliabilityChild.Proc;
import dev.qnn4j.runtime.io.ArrayData;
import dev.qnn4j.runtime.train.TrainingState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train} killed with SIGKILL at seeded pseudo-random moments (while training, while writing
 * a checkpoint, while evaluating) and restarted with {@code --resume} each time, like a job under a
 * supervisor: the checkpoint on disk is always loadable and never goes backwards, the temporary
 * files of interrupted saves are never taken for checkpoints (and the next run removes them), and
 * the final weights, optimizer state and metrics are bit-identical to an uninterrupted run.
 */
class CliReliabilityKillResumeTest {
  private static final int KILLS = 6;

  /** 256 images in batches of 16: 16 steps per epoch, 48 in all. */
  private static final int STEPS = 48;

  private static final Pattern STEP_LINE =
      Pattern.compile("^\\{\"event\":\"step\",\"step\":([0-9]+),");
  private static final Pattern TEMP = Pattern.compile("\\.C\\.safetensors\\.[0-9a-f]{12}\\.tmp");

  @TempDir Path tmp;

  @Test
  void killedAtRandomMomentsTheCheckpointIsAlwaysLoadableAndResumingIsBitIdentical()
      throws Exception {
    Path dataDir = Files.createDirectory(tmp.resolve("data"));
    Path logs = Files.createDirectory(tmp.resolve("logs"));
    String data = CliReliabilityChild.writeData(dataDir, 256, 11);
    List<String> common =
        List.of(
            "train",
            "--model",
            LENET,
            "--data",
            data,
            "--epochs",
            "3",
            "--batch-size",
            "16",
            "--seed",
            "1",
            "--out",
            "C.safetensors",
            "--metrics",
            "m.jsonl");

    // The uninterrupted run (checkpoints after each epoch only: saving more often must not change
    // anything).
    Path straight = Files.createDirectory(tmp.resolve("straight"));
    Proc ref =
        CliReliabilityChild.run(straight, logs.resolve("straight"), common.toArray(String[]::new));
    assertWithMessage(ref.toString()).that(ref.code()).isEqualTo(0);

    // The same run, checkpointing every 3 steps, killed KILLS times and restarted with --resume.
    Path killed = Files.createDirectory(tmp.resolve("killed"));
    List<String> args = new ArrayList<>(common);
    args.addAll(List.of("--checkpoint-every", "3", "--resume"));
    Path ckpt = killed.resolve("C.safetensors");
    Path metrics = killed.resolve("m.jsonl");
    Random random = new Random(20240611L);
    long checkpointStep = 0;
    int kills = 0;
    int interruptedSaves = 0;
    StringBuilder story = new StringBuilder();
    for (int i = 0; i < KILLS; i++) {
      long logged = maxLoggedStep(metrics);
      long target = Math.min(logged + 1 + random.nextInt(8), STEPS - 2);
      int delayMillis = random.nextInt(60);
      Path log = logs.resolve("run" + i);
      Process p = CliReliabilityChild.start(killed, log, args.toArray(String[]::new));
      long deadline = System.nanoTime() + 90_000_000_000L;
      while (p.isAlive() && maxLoggedStep(metrics) < target && System.nanoTime() < deadline) {
        Thread.sleep(2);
      }
      boolean duringSave = i % 2 == 1;
      if (duringSave) {
        // Every other kill aims at a checkpoint save: as soon as its temporary file appears.
        while (p.isAlive() && temps(killed).isEmpty() && System.nanoTime() < deadline) {
          Thread.onSpinWait();
        }
      } else {
        Thread.sleep(delayMillis);
      }
      p.destroyForcibly().waitFor(); // SIGKILL on Linux
      Proc r = CliReliabilityChild.finish(p, log, "(run " + i + ")");
      if (r.code() == 0) {
        break; // finished just before the kill: nothing more to interrupt
      }
      assertWithMessage(r.toString()).that(r.code()).isEqualTo(128 + 9);
      kills++;

      List<String> files = names(killed);
      List<String> temps = temps(killed);
      interruptedSaves += temps.isEmpty() ? 0 : 1;
      List<String> others = new ArrayList<>(files);
      others.removeAll(temps);
      others.removeAll(List.of("C.safetensors", "m.jsonl"));
      assertWithMessage("files after kill " + i).that(others).isEmpty();
      // Whatever the moment, the checkpoint is either not there yet or complete and loadable.
      if (Files.exists(ckpt)) {
        TrainingState s = CliReliabilityChild.load(ckpt);
        assertWithMessage("checkpoint step after kill " + i)
            .that(s.step())
            .isAtLeast(checkpointStep);
        assertWithMessage("a checkpoint is written every 3 steps and at epoch ends")
            .that(s.step() % 3 == 0 || s.step() % 16 == 0)
            .isTrue();
        checkpointStep = s.step();
      }
      CliReliabilityChild.metricsWithoutTiming(metrics); // complete JSON lines only
      story.append(
          String.format(
              "kill %d: after step %d (%s), checkpoint at step %d, %d temporary file(s)%n",
              i,
              maxLoggedStep(metrics),
              duringSave ? "during a save" : "+" + delayMillis + " ms",
              checkpointStep,
              temps.size()));
    }
    System.out.print(story);
    System.out.println(kills + " kills, " + interruptedSaves + " of them during a checkpoint save");
    assertThat(kills).isAtLeast(4);
    assertWithMessage("kills that interrupted a save").that(interruptedSaves).isAtLeast(1);

    Proc last = CliReliabilityChild.run(killed, logs.resolve("last"), args.toArray(String[]::new));
    assertWithMessage(last.toString()).that(last.code()).isEqualTo(0);
    assertThat(last.out()).contains("checkpoint: C.safetensors (epoch 3, step 48)");
    assertWithMessage("temporary files are removed by the next run")
        .that(names(killed))
        .containsExactly("C.safetensors", "m.jsonl");
    CliReliabilityChild.assertNoCrashLog(killed);

    Map<String, ArrayData> want = CliReliabilityChild.tensors(straight.resolve("C.safetensors"));
    Map<String, ArrayData> got = CliReliabilityChild.tensors(ckpt);
    assertThat(got.keySet()).containsExactlyElementsIn(want.keySet()).inOrder();
    for (String k : want.keySet()) {
      assertWithMessage(k).that(got.get(k)).isEqualTo(want.get(k));
    }
    Map<String, String> wantMetrics =
        CliReliabilityChild.metricsWithoutTiming(straight.resolve("m.jsonl"));
    assertThat(wantMetrics).hasSize(STEPS + 3);
    assertThat(CliReliabilityChild.metricsWithoutTiming(metrics))
        .containsExactlyEntriesIn(wantMetrics)
        .inOrder();
  }

  private static long maxLoggedStep(Path metrics) throws IOException {
    long max = 0;
    if (!Files.exists(metrics)) {
      return 0;
    }
    for (String line : Files.readAllLines(metrics)) {
      Matcher m = STEP_LINE.matcher(line);
      if (m.find()) {
        max = Math.max(max, Long.parseLong(m.group(1)));
      }
    }
    return max;
  }

  private static List<String> temps(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> TEMP.matcher(n).matches()).toList();
    }
  }

  private static List<String> names(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
