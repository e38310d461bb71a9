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
              + " QuantWeightActBiasLeNet, or Brevitas' zoo name, e.g. tfc_1w1a ('qnn4j models'"
              + " lists them).")
  String modelName;

  Model createModel() {
    return createModel(modelName);
  }

  /** The fully qualified name of the model's {@code @QuantModel} class. */
  String declaringClassName() {
    return factory(modelName).declaringClassName();
  }
}
