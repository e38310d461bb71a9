package dev.qnn4j.samples.cli;

import dev.qnn4j.export.ExportException;
import dev.qnn4j.runtime.io.Qnn4jFormatException;
import dev.qnn4j.runtime.quant.NonFiniteStatisticException;
import dev.qnn4j.runtime.train.TrainingDivergedException;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code qnn4j} command line: demo, train, calibrate, eval, predict, export, inspect, bench.
 *
 * <p>Exit codes: {@value #OK} success; {@value #INTERNAL_ERROR} unexpected internal error (one
 * line, plus the stack trace with {@code --verbose}); {@value #BAD_INPUT} bad input or usage (one
 * line on stderr naming the problem); {@value #FAILED} the command ran but failed on its own terms
 * (training diverged, the ONNX Runtime self-check of an export disagreed with the Java model).
 */
@Command(
    name = "qnn4j",
    mixinStandardHelpOptions = true,
    scope = ScopeType.INHERIT,
    usageHelpAutoWidth = true,
    versionProvider = Qnn4jCli.Version.class,
    description =
        "Quantization-aware training, post-training quantization and ONNX export of qnn4j"
            + " models (numerically matching Brevitas 0.11).",
    subcommands = {
      DemoCommand.class, TrainCommand.class, CalibrateCommand.class, EvalCommand.class,
      PredictCommand.class, ExportCommand.class, InspectCommand.class, BenchCommand.class,
      ModelsCommand.class, HelpCommand.class
    },
    footer = {
      "",
      "Exit codes: 0 success, 1 internal error, 2 bad input or usage, 3 training diverged or an"
          + " export failed its ONNX Runtime self-check.",
      "Run 'qnn4j COMMAND --help' for a command's options."
    })
public final class Qnn4jCli implements Callable<Integer> {
  public static final int OK = 0;
  public static final int INTERNAL_ERROR = 1;
  public static final int BAD_INPUT = 2;
  public static final int FAILED = 3;

  @Option(
      names = "--verbose",
      scope = ScopeType.INHERIT,
      description = "On an error, also print the stack trace.")
  boolean verbose;

  @Spec CommandSpec spec;

  final PrintStream out;
  final PrintStream err;

  Qnn4jCli(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  @Override
  public Integer call() {
    err.println(
        "qnn4j: missing command; one of: demo, train, calibrate, eval, predict, export, inspect,"
            + " bench, models (see qnn4j --help)");
    return BAD_INPUT;
  }

  public static void main(String[] args) {
    int code = run(System.out, System.err, args);
    System.exit(code);
  }

  /** Runs the command line in this JVM with the given streams; returns the exit code. */
  public static int run(PrintStream out, PrintStream err, String... args) {
    Qnn4jCli cli = new Qnn4jCli(out, err);
    CommandLine cl = new CommandLine(cli);
    cl.setOut(new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), true));
    cl.setErr(new PrintWriter(new OutputStreamWriter(err, StandardCharsets.UTF_8), true));
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.setParameterExceptionHandler(Qnn4jCli::usageError);
    cl.setExecutionExceptionHandler(
        (e, commandLine, parseResult) ->
            cli.report(e, cli.verbose || verboseRequested(parseResult)));
    try {
      return cl.execute(args);
    } catch (Throwable t) {
      // Errors (out of memory, a class missing from the class path) pass picocli's handler.
      ParseResult parsed = cl.getParseResult();
      return cli.report(t, cli.verbose || (parsed != null && verboseRequested(parsed)));
    } finally {
      out.flush();
      err.flush();
    }
  }

  /** A usage error (unknown option, missing or malformed value): one line, exit 2. */
  private static int usageError(ParameterException e, String[] args) {
    CommandLine cl = e.getCommandLine();
    PrintWriter err = cl.getErr();
    Throwable cause = e.getCause();
    String message = cause instanceof CliException ? cause.getMessage() : e.getMessage();
    if (e instanceof CommandLine.MissingParameterException
        && !cl.getUnmatchedArguments().isEmpty()) {
      // An unknown option is the real mistake; the missing one is often its misspelling.
      message = "Unknown option: '" + cl.getUnmatchedArguments().get(0) + "'";
    }
    String command = cl.getCommandSpec().qualifiedName(" ");
    err.println("qnn4j: " + oneLine(message) + " (see '" + command + " --help')");
    err.flush();
    return BAD_INPUT;
  }

  private static boolean verboseRequested(ParseResult parseResult) {
    for (ParseResult p = parseResult; p != null; p = p.subcommand()) {
      if (p.hasMatchedOption("--verbose")) {
        return true;
      }
    }
    return false;
  }

  /**
   * Prints one line for {@code e} (and its stack trace if {@code verbose}); returns the exit code.
   */
  int report(Throwable e, boolean verbose) {
    Throwable t = e;
    while ((t instanceof UncheckedIOException || t instanceof CommandLine.ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    int code;
    String message;
    if (t instanceof CliException) {
      code = BAD_INPUT;
      message = t.getMessage();
    } else if (t instanceof Qnn4jFormatException) {
      code = BAD_INPUT;
      message = t.getMessage();
    } else if (t instanceof FileSystemException fse) {
      code = BAD_INPUT;
      message = describe(fse);
    } else if (t instanceof IOException) {
      code = BAD_INPUT;
      message = String.valueOf(t.getMessage());
    } else if (t instanceof ExportException) {
      code = BAD_INPUT;
      message = "cannot export: " + t.getMessage();
    } else if (t instanceof NonFiniteStatisticException) {
      code = BAD_INPUT;
      message = t.getMessage();
    } else if (t instanceof TrainingDivergedException) {
      code = FAILED;
      message = t.getMessage();
    } else if (t instanceof CheckFailedException) {
      code = FAILED;
      message = t.getMessage();
    } else if (t instanceof OutOfMemoryError) {
      code = INTERNAL_ERROR;
      message =
          "out of memory ("
              + t.getMessage()
              + "); give Java more heap, e.g. QNN4J_JAVA_OPTS=-Xmx8g"
              + (verbose ? "" : " (rerun with --verbose for the stack trace)");
    } else {
      code = INTERNAL_ERROR;
      message =
          "internal error: "
              + t.getClass().getName()
              + (t.getMessage() == null ? "" : ": " + t.getMessage())
              + (verbose ? "" : " (rerun with --verbose for the stack trace)");
    }
    err.println("qnn4j: " + oneLine(message));
    if (verbose) {
      e.printStackTrace(err);
    }
    err.flush();
    return code;
  }

  /** A file-system error as "path: what went wrong". */
  static String describe(FileSystemException e) {
    String file = e.getFile();
    String reason = e.getReason();
    if (reason == null) {
      if (e instanceof NoSuchFileException) {
        reason = "no such file or directory";
      } else if (e instanceof AccessDeniedException) {
        reason = "permission denied";
      } else {
        reason = e.getClass().getSimpleName();
      }
    }
    if (file == null) {
      return reason;
    }
    return file + (e.getOtherFile() == null ? "" : " -> " + e.getOtherFile()) + ": " + reason;
  }

  static String oneLine(String s) {
    return String.valueOf(s).replaceAll("\\s*[\\r\\n\\u2028\\u2029]+\\s*", " ").strip();
  }

  /** The version from the jar manifest, or "development" when run from classes. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Qnn4jCli.class.getPackage().getImplementationVersion();
      return new String[] {"qnn4j " + (v == null ? "0.1.0-SNAPSHOT" : v)};
    }
  }
}
