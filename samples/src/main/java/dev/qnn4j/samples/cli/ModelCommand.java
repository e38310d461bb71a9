package dev.qnn4j.samples.cli;

import dev.qnn4j.runtime.nn.Model;
import picocli.CommandLine.Option;

/** A command that works on one model given with {@code --model}. */
abstract class ModelCommand extends BaseCommand {
  @Option(
      names = "--model",
      required = true,
      paramLabel = "NAME",
      description =
          "The model: the simple or fully qualified name of a @QuantModel class, e.g."
              + " QuantWeightActBiasLeNet ('qnn4j models' lists them).")
  String modelName;

  Model createModel() {
    return createModel(modelName);
  }
}
