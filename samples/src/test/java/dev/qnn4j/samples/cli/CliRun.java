package dev.qnn4j.samples.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Runs the command line in this JVM and captures its streams; shared by the CLI and end-to-end
 * tests.
 */
public final class CliRun {
  private CliRun() {}

  /** What one command printed, and its exit code. */
  public record Result(int code, String out, String err) {
    /** stderr without the trailing newline. */
    public String errText() {
      return err.stripTrailing();
    }

    @Override
    public String toString() {
      return "exit " + code + "\n--- stdout ---\n" + out + "--- stderr ---\n" + err;
    }
  }

  public static Result run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code;
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      code = Qnn4jCli.run(o, e, args);
    }
    return new Result(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  public static Result run(List<String> args) {
    return run(args.toArray(String[]::new));
  }

  /** Runs and fails with the whole output unless the exit code is 0. */
  public static Result ok(String... args) {
    Result r = run(args);
    if (r.code() != 0) {
      throw new AssertionError("qnn4j " + String.join(" ", args) + " failed:\n" + r);
    }
    return r;
  }
}
