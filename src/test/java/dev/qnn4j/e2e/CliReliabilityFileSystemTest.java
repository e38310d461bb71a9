package dev.qnn4j.e2e;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static dev.qnn4j.e2e.CliReliabilityChild.LENET;

import dev.qnn4j.e2e.CliReliabilityChild.Mount;
import dev.qnn4j.e2e.CliReliabilityChild.Proc;
import dev.qnn4j.runtime.io.ArrayData;
import dev.qnn4j.runtime.io.Npy;
import dev.qnn4j.samples.cli.CliRun;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full disk, a file-size limit, a read-only output directory and a missing data set end a command
 * with exit code 2 and one line naming the file, leave no partial file (an existing file keeps its
 * content) and no JVM crash log. The full disk and the read-only file system are real tmpfs mounts
 * (root only; root ignores permissions, so without root a chmod-ed directory stands in for the
 * read-only case and the full disk is skipped); the file-size limit is {@code ulimit -f}.
 */
class CliReliabilityFileSystemTest {
  @TempDir static Path fixtures;

  @TempDir Path tmp;

  static String data;
  static Path images;

  /** One epoch on {@link #data} with --seed 1, --batch-size 16 (step 2). */
  static Path trained;

  @BeforeAll
  static void trainOnce() throws IOException {
    Path dir = Files.createDirectory(fixtures.resolve("data"));
    data = CliReliabilityChild.writeData(dir, 32, 9);
    images = dir.resolve("x.npy");
    trained = fixtures.resolve("trained.safetensors");
    CliRun.ok(
        "train",
        "--model",
        LENET,
        "--data",
        data,
        "--batch-size",
        "16",
        "--seed",
        "1",
        "--out",
        trained.toString());
  }

  @Test
  void aFullDiskFailsWithExit2AndKeepsTheFilesThatWereThere() throws Exception {
    Path full = tmp.resolve("full");
    Mount mount = Mount.tmpfs(full, "size=2m");
    Assumptions.assumeTrue(mount != null, "needs root to mount a small tmpfs");
    try (mount) {
      Path ckpt = full.resolve("c.safetensors");
      Path logits = full.resolve("y.npy");
      Files.copy(trained, ckpt);
      Npy.write(logits, ArrayData.ofFloats(new float[] {1, 2, 3, 4}, 1, 4));
      fill(full.resolve("filler"));
      byte[] ckptBefore = Files.readAllBytes(ckpt);
      byte[] logitsBefore = Files.readAllBytes(logits);

      // Resumed for a second epoch: the save at its end fails; the checkpoint of epoch 1 stays.
      Proc r =
          run(
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
              "1",
              "--resume",
              "--out",
              ckpt.toString());
      assertThat(r.code()).isEqualTo(2);
      CliReliabilityChild.assertOneLine(
          r, "qnn4j: cannot write " + ckpt + ": No space left on device");
      assertThat(Files.readAllBytes(ckpt)).isEqualTo(ckptBefore);
      assertThat(CliReliabilityChild.load(ckpt).step()).isEqualTo(2);

      // The metrics log on the full disk: the first line cannot be written.
      Path metrics = full.resolve("m.jsonl");
      r =
          run(
              "train",
              "--model",
              LENET,
              "--data",
              data,
              "--batch-size",
              "16",
              "--out",
              tmp.resolve("work/ok.safetensors").toString(),
              "--metrics",
              metrics.toString());
      assertThat(r.code()).isEqualTo(2);
      CliReliabilityChild.assertOneLine(
          r, "qnn4j: cannot write metrics to " + metrics + ": No space left on device");

      Path onnx = full.resolve("m.onnx");
      r =
          run(
              "export",
              "--model",
              LENET,
              "--checkpoint",
              trained.toString(),
              "--output",
              onnx.toString());
      assertThat(r.code()).isEqualTo(2);
      CliReliabilityChild.assertOneLine(
          r, "qnn4j: cannot write " + onnx + ": No space left on device");

      r =
          run(
              "predict",
              "--model",
              LENET,
              "--checkpoint",
              trained.toString(),
              "--input",
              images.toString(),
              "--output",
              logits.toString());
      assertThat(r.code()).isEqualTo(2);
      CliReliabilityChild.assertOneLine(
          r, "qnn4j: cannot write " + logits + ": No space left on device");
      assertThat(Files.readAllBytes(logits)).isEqualTo(logitsBefore);

      assertWithMessage("no partial or temporary files")
          .that(names(full))
          .containsExactly("c.safetensors", "filler", "y.npy");
      assertThat(names(tmp.resolve("work"))).isEmpty();
    }
  }

  @Test
  void aFileSizeLimitFailsWithExit2AndLeavesNoPartialFile() throws Exception {
    Path work = Files.createDirectories(tmp.resolve("work"));
    // 64 KiB: the metrics log fits, the 750 KB checkpoint does not (the JVM ignores SIGXFSZ:
    // EFBIG).
    Proc r =
        CliReliabilityChild.runWithFileSizeLimit(
            64,
            work,
            tmp.resolve("ulimit"),
            "train",
            "--model",
            LENET,
            "--data",
            data,
            "--batch-size",
            "16",
            "--out",
            "c.safetensors",
            "--metrics",
            "m.jsonl");
    assertThat(r.code()).isEqualTo(2);
    CliReliabilityChild.assertOneLine(r, "qnn4j: cannot write c.safetensors: File too large");
    assertThat(names(work)).containsExactly("m.jsonl"); // the steps it logged, whole lines
    assertThat(Files.readAllLines(work.resolve("m.jsonl"))).hasSize(2);

    r =
        CliReliabilityChild.runWithFileSizeLimit(
            16,
            work,
            tmp.resolve("ulimit-export"),
            "export",
            "--model",
            LENET,
            "--checkpoint",
            trained.toString(),
            "--output",
            "m.onnx");
    assertThat(r.code()).isEqualTo(2);
    CliReliabilityChild.assertOneLine(r, "qnn4j: cannot write m.onnx: File too large");
    assertThat(names(work)).containsExactly("m.jsonl");
    CliReliabilityChild.assertNoCrashLog(work);
  }

  @Test
  void aReadOnlyDirectoryFailsWithExit2BeforeAnyWork() throws Exception {
    Path ro = tmp.resolve("ro");
    Mount mount = Mount.tmpfs(ro, "size=2m");
    Path ckpt = ro.resolve("c.safetensors");
    Path logits = ro.resolve("y.npy");
    Files.copy(trained, ckpt);
    Npy.write(logits, ArrayData.ofFloats(new float[] {1, 2, 3, 4}, 1, 4));
    String why;
    if (mount != null) {
      mount.remount("ro");
      why = "directory " + ro + " is on a read-only file system";
    } else {
      Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r-xr-xr-x"));
      why = "directory " + ro + " is not writable";
    }
    try {
      Assumptions.assumeFalse(Files.isWritable(ro), "cannot make a read-only directory here");
      byte[] ckptBefore = Files.readAllBytes(ckpt);
      byte[] logitsBefore = Files.readAllBytes(logits);
      List<String> train =
          List.of("train", "--model", LENET, "--data", data, "--batch-size", "16", "--seed", "1");

      Proc r = run(concat(train, "--out", ro.resolve("new.safetensors").toString()));
      assertThat(r.code()).isEqualTo(2);
      CliReliabilityChild.assertOneLine(
          r, "qnn4j: cannot write " + ro.resolve("new.safetensors") + ": " + why + " (--out)");
      assertWithMessage("checked before training").that(r.out()).isEmpty();

      r = run(concat(train, "--epochs", "2", "--resume", "--out", ckpt.toString()));
      assertThat(r.code()).isEqualTo(2);
      CliReliabilityChild.assertOneLine(r, "qnn4j: cannot write " + ckpt + ": " + why + " (--out)");

      r =
          run(
              concat(
                  train,
                  "--out",
                  tmp.resolve("work/ok.safetensors").toString(),
                  "--metrics",
                  ro.resolve("m.jsonl").toString()));
      assertThat(r.code()).isEqualTo(2);
      CliReliabilityChild.assertOneLine(
          r, "qnn4j: cannot write " + ro.resolve("m.jsonl") + ": " + why + " (--metrics)");

      r =
          run(
              "export",
              "--model",
              LENET,
              "--checkpoint",
              ckpt.toString(),
              "--output",
              ro.resolve("m.onnx").toString());
      assertThat(r.code()).isEqualTo(2);
      CliReliabilityChild.assertOneLine(
          r, "qnn4j: cannot write " + ro.resolve("m.onnx") + ": " + why + " (--output)");

      r =
          run(
              "predict",
              "--model",
              LENET,
              "--checkpoint",
              ckpt.toString(),
              "--input",
              images.toString(),
              "--output",
              logits.toString());
      assertThat(r.code()).isEqualTo(2);
      CliReliabilityChild.assertOneLine(
          r, "qnn4j: cannot write " + logits + ": " + why + " (--output)");

      assertThat(Files.readAllBytes(ckpt)).isEqualTo(ckptBefore);
      assertThat(Files.readAllBytes(logits)).isEqualTo(logitsBefore);
      assertThat(names(ro)).containsExactly("c.safetensors", "y.npy");
      assertThat(names(tmp.resolve("work"))).isEmpty();
    } finally {
      if (mount != null) {
        mount.close();
      } else {
        Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("rwxr-xr-x"));
      }
    }
  }

  @Test
  void aDirectoryThatRefusesNewFilesIsFoundBeforeTraining() {
    // /proc exists and, for root, passes the permission check, but takes no new files.
    CliRun.Result r =
        CliRun.run(
            "train",
            "--model",
            LENET,
            "--data",
            data,
            "--batch-size",
            "16",
            "--out",
            "/proc/c.safetensors");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.errText())
        .matches(
            "qnn4j: cannot write /proc/c\\.safetensors: (cannot create a file in directory /proc"
                + " \\(No such file or directory\\)|directory /proc is not writable) \\(--out\\)");
    assertWithMessage("checked before training").that(r.out()).isEmpty();
  }

  @Test
  void aMissingDataSetFailsWithExit2AndTheInstallHintOrFileName() throws IOException {
    Path empty = Files.createDirectory(tmp.resolve("empty"));
    Path out = tmp.resolve("c.safetensors");
    String hint =
        "Fashion-MNIST is not installed (expected train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz,"
            + " t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz); install it with `apt-get install"
            + " dataset-fashion-mnist`";
    String o = out.toString();
    Object[][] cases = {
      {
        List.of("train", "--model", LENET, "--data", "fashion-mnist:/nonexistent", "--out", o),
        "qnn4j: /nonexistent: " + hint
      },
      {
        List.of("train", "--model", LENET, "--data", "fashion-mnist:" + empty, "--out", o),
        "qnn4j: " + empty + ": " + hint
      },
      {
        List.of(
            "eval",
            "--model",
            LENET,
            "--checkpoint",
            trained.toString(),
            "--data",
            "fashion-mnist:/nonexistent"),
        "qnn4j: /nonexistent: " + hint
      },
      {
        List.of(
            "calibrate",
            "--model",
            LENET,
            "--weights",
            trained.toString(),
            "--data",
            "fashion-mnist:/nonexistent",
            "--out",
            o),
        "qnn4j: /nonexistent: " + hint
      },
      {
        List.of(
            "demo",
            "--no-install",
            "--data-dir",
            "/nonexistent",
            "--out-dir",
            tmp.resolve("demo").toString()),
        "qnn4j: /nonexistent: " + hint
      },
      {
        List.of("train", "--model", LENET, "--data", "cifar10:/nonexistent", "--out", o),
        "qnn4j: /nonexistent: no such directory (--data cifar10:DIR)"
      },
      {
        List.of("train", "--model", LENET, "--data", "cifar10:" + empty, "--out", o),
        "qnn4j: " + empty + ": CIFAR-10 file(s) missing: data_batch_1.bin"
      },
      {
        List.of(
            "eval",
            "--model",
            LENET,
            "--checkpoint",
            trained.toString(),
            "--data",
            "cifar10:/nonexistent"),
        "qnn4j: /nonexistent: no such directory (--data cifar10:DIR)"
      },
      {
        List.of(
            "train",
            "--model",
            LENET,
            "--data",
            "npy:" + tmp.resolve("missing.npy") + ":" + images,
            "--out",
            o),
        "qnn4j: " + tmp.resolve("missing.npy") + ": no such file (--data npy images)"
      },
      {
        List.of(
            "train",
            "--model",
            LENET,
            "--data",
            "npy:" + images + ":" + tmp.resolve("missing.npy"),
            "--out",
            o),
        "qnn4j: " + tmp.resolve("missing.npy") + ": no such file (--data npy labels)"
      },
      {
        List.of(
            "predict",
            "--model",
            LENET,
            "--checkpoint",
            trained.toString(),
            "--input",
            tmp.resolve("missing.npy").toString(),
            "--output",
            tmp.resolve("y.npy").toString()),
        "qnn4j: " + tmp.resolve("missing.npy") + ": no such file (--input)"
      },
    };
    for (Object[] c : cases) {
      @SuppressWarnings("unchecked")
      List<String> args = (List<String>) c[0];
      CliRun.Result r = CliRun.run(args);
      assertWithMessage(String.join(" ", args) + "\n" + r).that(r.code()).isEqualTo(2);
      assertWithMessage(String.join(" ", args)).that(r.errText()).startsWith((String) c[1]);
      assertWithMessage(String.join(" ", args)).that(r.errText()).doesNotContain("\n");
    }
    assertThat(names(tmp)).containsExactly("empty");
  }

  /** A child run working in tmp/work (where a crash log would appear). */
  private Proc run(String... args) throws Exception {
    Path work = Files.createDirectories(tmp.resolve("work"));
    Path logs = Files.createDirectories(tmp.resolve("logs"));
    Proc r = CliReliabilityChild.run(work, Files.createTempFile(logs, "run", ""), args);
    CliReliabilityChild.assertNoCrashLog(work);
    return r;
  }

  private Proc run(List<String> args) throws Exception {
    return run(args.toArray(String[]::new));
  }

  private static List<String> concat(List<String> a, String... b) {
    return Stream.concat(a.stream(), Stream.of(b)).toList();
  }

  /** Writes {@code file} until the file system is full. */
  private static void fill(Path file) throws IOException {
    byte[] block = new byte[4096];
    try (OutputStream out = Files.newOutputStream(file)) {
      while (true) {
        out.write(block);
        out.flush();
      }
    } catch (IOException e) {
      assertThat(e).hasMessageThat().contains("No space left on device");
    }
  }

  private static List<String> names(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
