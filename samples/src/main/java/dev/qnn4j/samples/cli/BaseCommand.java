package dev.qnn4j.samples.cli;

import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.nn.ModelFactory;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** What every subcommand shares: the streams of the {@link Qnn4jCli} it runs under. */
abstract class BaseCommand implements Callable<Integer> {
  @ParentCommand Qnn4jCli cli;

  @Option(
      names = "--classpath",
      paramLabel = "JAR",
      split = ":",
      description =
          "Extra jar(s) (or class directories) with @QuantModel classes of your own, ':'-separated"
              + " or repeated; their models are found through ServiceLoader<ModelFactory>.")
  List<Path> classpath = new ArrayList<>();

  PrintStream out() {
    return cli.out;
  }

  PrintStream err() {
    return cli.err;
  }

  ModelFactory factory(String name) {
    return Models.find(name, classpath);
  }

  Model createModel(String name) {
    return Models.create(factory(name));
  }

  /** Console progress: redrawn in place on a terminal, plain lines otherwise (and in tests). */
  ProgressBar progressBar() {
    return out() == System.out ? ProgressBar.forConsole() : new ProgressBar(out(), false, 10);
  }

  /** The command line as typed, for checkpoint metadata. */
  String commandLine() {
    return "qnn4j " + String.join(" ", cli.spec.commandLine().getParseResult().originalArgs());
  }

  static void positive(String option, long value) {
    if (value <= 0) {
      throw new CliException(option + " must be positive, got " + value);
    }
  }

  static void nonNegative(String option, long value) {
    if (value < 0) {
      throw new CliException(option + " must not be negative, got " + value);
    }
  }
}
