package dev.qnn4j.e2e;

import static com.google.common.truth.Truth.assertWithMessage;

import dev.qnn4j.runtime.io.ArrayData;
import dev.qnn4j.runtime.io.Npy;
import dev.qnn4j.runtime.io.Safetensors;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.train.Adam;
import dev.qnn4j.runtime.train.Checkpoint;
import dev.qnn4j.runtime.train.TrainingState;
import dev.qnn4j.samples.QuantModel_QuantWeightActBiasLeNet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Shared by the CliReliability* tests: the command line in a child JVM (real exit codes, a real
 * SIGKILL, hs_err crash logs in its working directory), a small learnable npy data set, and checks
 * of checkpoints and metrics files.
 */
final class CliReliabilityChild {
  static final String LENET = "QuantWeightActBiasLeNet";

  private CliReliabilityChild() {}

  /** What a finished child printed, and its exit code. */
  record Proc(int code, String out, String err) {
    String errText() {
      return err.stripTrailing();
    }

    @Override
    public String toString() {
      return "exit " + code + "\n--- stdout ---\n" + out + "--- stderr ---\n" + err;
    }
  }

  /** The java command running the command line on this test's class path. */
  static List<String> command(String... args) {
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
    return command;
  }

  /** Starts the command line in a child JVM; stdout/stderr go to {@code log}.out/.err. */
  static Process start(Path cwd, Path log, String... args) throws IOException {
    return start(cwd, log, command(args));
  }

  static Process start(Path cwd, Path log, List<String> command) throws IOException {
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .directory(cwd.toFile())
            .redirectOutput(log.resolveSibling(log.getFileName() + ".out").toFile())
            .redirectError(log.resolveSibling(log.getFileName() + ".err").toFile());
    return pb.start();
  }

  /** Runs the command line in a child JVM to its end (at most 120 s). */
  static Proc run(Path cwd, Path log, String... args) throws IOException, InterruptedException {
    return finish(start(cwd, log, args), log, String.join(" ", args));
  }

  /**
   * Runs the command line under {@code bash -c 'ulimit -f BLOCKS; exec java ...'} (1 block = 1 KiB
   * in bash).
   */
  static Proc runWithFileSizeLimit(long kib, Path cwd, Path log, String... args)
      throws IOException, InterruptedException {
    StringBuilder sh = new StringBuilder("ulimit -f " + kib + " && exec");
    for (String a : command(args)) {
      sh.append(" '").append(a.replace("'", "'\\''")).append('\'');
    }
    return finish(
        start(cwd, log, List.of("bash", "-c", sh.toString())), log, String.join(" ", args));
  }

  static Proc finish(Process p, Path log, String what) throws IOException, InterruptedException {
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor();
      throw new AssertionError("qnn4j " + what + " did not finish in 120 s");
    }
    return new Proc(
        p.exitValue(),
        Files.readString(log.resolveSibling(log.getFileName() + ".out")),
        Files.readString(log.resolveSibling(log.getFileName() + ".err")));
  }

  /** Fails on a JVM crash log (a crash in native code) in {@code dir}. */
  static void assertNoCrashLog(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      List<String> crashes =
          files
              .map(f -> f.getFileName().toString())
              .filter(n -> n.startsWith("hs_err_pid"))
              .toList();
      assertWithMessage("JVM crash logs in " + dir).that(crashes).isEmpty();
    }
  }

  /** Fails unless the one stderr line starts with "qnn4j: " and contains {@code fragment}. */
  static void assertOneLine(Proc r, String fragment) {
    assertWithMessage(r.toString()).that(r.errText()).startsWith("qnn4j: ");
    assertWithMessage(r.toString()).that(r.errText()).doesNotContain("\n");
    assertWithMessage(r.toString()).that(r.errText()).contains(fragment);
  }

  /**
   * {@code n} images [3, 32, 32] (noise plus a stripe pattern that gives away the label, so the
   * model learns something) as x.npy and int64 labels 0..9 as y.npy in {@code dir}; returns
   * "npy:X:Y".
   */
  static String writeData(Path dir, int n, long seed) throws IOException {
    Random r = new Random(seed);
    int size = 3 * 32 * 32;
    float[] x = new float[n * size];
    long[] y = new long[n];
    for (int i = 0; i < n; i++) {
      y[i] = r.nextInt(10);
      for (int j = 0; j < size; j++) {
        x[i * size + j] = (float) (0.5 * r.nextGaussian() + (j % 10 == y[i] ? 1 : 0));
      }
    }
    Path images = dir.resolve("x.npy");
    Path labels = dir.resolve("y.npy");
    Npy.write(images, ArrayData.ofFloats(x, n, 3, 32, 32));
    Npy.write(labels, ArrayData.ofLongs(y, n));
    return "npy:" + images + ":" + labels;
  }

  /** Loads {@code checkpoint} (model and Adam state) into a fresh model, as a resumed run would. */
  static TrainingState load(Path checkpoint) throws IOException {
    Model model = new QuantModel_QuantWeightActBiasLeNet.Factory().create();
    return Checkpoint.load(checkpoint, model, new Adam(model.parameters(), 1e-3f));
  }

  /** Every tensor of a safetensors file (model, quantizer and optimizer state). */
  static Map<String, ArrayData> tensors(Path file) throws IOException {
    return Safetensors.read(file).tensors();
  }

  /**
   * The step lines of a metrics file by step and the epoch lines by epoch, the last one kept when a
   * resumed run logged it again, without the timing fields (images_per_s, elapsed_s, seconds).
   */
  static Map<String, String> metricsWithoutTiming(Path metrics) throws IOException {
    Map<String, String> out = new TreeMap<>();
    for (String line : Files.readAllLines(metrics)) {
      assertWithMessage(metrics + ": " + line)
          .that(line)
          .matches("\\{\"event\":\"(step|epoch)\".*\\}");
      String key = line.replaceAll("^\\{\"event\":\"(step|epoch)\",\"\\1\":([0-9]+),.*", "$1 $2");
      key =
          key.startsWith("step")
              ? String.format("step %06d", Long.parseLong(key.substring(5)))
              : String.format("epoch %03d", Long.parseLong(key.substring(6)));
      out.put(key, line.replaceAll(",\"(images_per_s|elapsed_s|seconds)\":[^,}]+", ""));
    }
    return out;
  }

  /** Whether this JVM runs as root (which ignores file permissions, but may mount file systems). */
  static boolean isRoot() {
    try {
      Process p = new ProcessBuilder("id", "-u").redirectErrorStream(true).start();
      String uid = new String(p.getInputStream().readAllBytes()).strip();
      return p.waitFor() == 0 && uid.equals("0");
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Runs a system command; returns its exit code and output. */
  static Proc system(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return new Proc(-1, out, "timeout");
    }
    return new Proc(p.exitValue(), out, "");
  }

  /** A tmpfs mounted for one test (root only); {@link #close} unmounts it. */
  static final class Mount implements AutoCloseable {
    final Path dir;

    private Mount(Path dir) {
      this.dir = dir;
    }

    /**
     * Mounts a tmpfs with {@code options} (e.g. "size=2m") on {@code dir}, or returns null if that
     * is impossible.
     */
    static Mount tmpfs(Path dir, String options) throws IOException, InterruptedException {
      Files.createDirectories(dir);
      if (!isRoot()) {
        return null;
      }
      Proc r = system("mount", "-t", "tmpfs", "-o", options, "tmpfs", dir.toString());
      return r.code() == 0 ? new Mount(dir) : null;
    }

    void remount(String options) throws IOException, InterruptedException {
      Proc r = system("mount", "-o", "remount," + options, dir.toString());
      if (r.code() != 0) {
        throw new IOException("mount -o remount," + options + " " + dir + " failed: " + r.out());
      }
    }

    @Override
    public void close() throws IOException, InterruptedException {
      if (system("umount", dir.toString()).code() != 0) {
        system("umount", "-l", dir.toString());
      }
    }
  }
}
