package dev.qnn4j.samples.cli;

import dev.qnn4j.runtime.data.FashionMnist;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Fashion-MNIST comes from the Debian package {@code dataset-fashion-mnist}; the demo installs it
 * when it runs as root, and otherwise says how.
 */
final class FashionMnistInstaller {
  static final String PACKAGE = "dataset-fashion-mnist";
  static final String INSTALL_COMMAND = "apt-get install " + PACKAGE;

  private FashionMnistInstaller() {}

  static String missingMessage(Path dir) {
    return dir
        + ": Fashion-MNIST is not installed (expected "
        + FashionMnist.TRAIN_IMAGES
        + ", "
        + FashionMnist.TRAIN_LABELS
        + ", "
        + FashionMnist.TEST_IMAGES
        + ", "
        + FashionMnist.TEST_LABELS
        + "); install it with `"
        + INSTALL_COMMAND
        + "` (as root, e.g. `sudo "
        + INSTALL_COMMAND
        + "`)";
  }

  /** Whether this process runs as root (effective uid 0, from /proc/self/status). */
  static boolean isRoot() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.UTF_8)) {
        if (line.startsWith("Uid:")) {
          String[] f = line.substring(4).trim().split("\\s+");
          return f.length > 1 && f[1].equals("0");
        }
      }
    } catch (IOException | RuntimeException e) {
      // Not Linux: fall back to the user name.
    }
    return "root".equals(System.getProperty("user.name"));
  }

  /**
   * Makes sure Fashion-MNIST is in {@code dir}: if it is missing from the package's directory and
   * this process is root, runs {@code apt-get update} and {@code apt-get install -y
   * dataset-fashion-mnist}, showing their output on {@code log}.
   *
   * @throws CliException saying how to install it when it is missing and cannot be installed here
   */
  static void ensureAvailable(Path dir, boolean mayInstall, PrintStream log) {
    if (FashionMnist.isAvailable(dir)) {
      return;
    }
    boolean packageDir = dir.toAbsolutePath().normalize().equals(FashionMnist.DEFAULT_DIR);
    if (!packageDir || !mayInstall || !isRoot()) {
      throw new CliException(missingMessage(dir));
    }
    log.println(
        "qnn4j: Fashion-MNIST is not installed; installing the Debian package "
            + PACKAGE
            + " (apt-get update && apt-get install -y "
            + PACKAGE
            + ") ...");
    run(List.of("apt-get", "update"), log);
    run(List.of("apt-get", "install", "-y", PACKAGE), log);
    if (!FashionMnist.isAvailable(dir)) {
      throw new CliException("installed " + PACKAGE + " but " + missingMessage(dir));
    }
    log.println("qnn4j: installed " + PACKAGE + " into " + dir);
  }

  private static void run(List<String> command, PrintStream log) {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
    int code;
    try {
      Process p = pb.start();
      try (InputStream in = p.getInputStream()) {
        in.transferTo(log);
      }
      code = p.waitFor();
    } catch (IOException e) {
      throw new CliException(
          "cannot run "
              + String.join(" ", command)
              + " ("
              + e.getMessage()
              + "); install Fashion-MNIST with `"
              + INSTALL_COMMAND
              + "`");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException("interrupted while running " + String.join(" ", command));
    }
    log.flush();
    if (code != 0) {
      throw new CliException(
          String.join(" ", command)
              + " failed with exit code "
              + code
              + "; install Fashion-MNIST with `"
              + INSTALL_COMMAND
              + "`");
    }
  }
}
