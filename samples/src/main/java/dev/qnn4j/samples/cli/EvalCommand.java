package dev.qnn4j.samples.cli;

import dev.qnn4j.runtime.data.Dataset;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.train.EvalResult;
import dev.qnn4j.runtime.train.Evaluator;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "eval", sortOptions = false,
    description = "Accuracy and mean cross-entropy of a model in eval mode on the test split of a data set"
        + " (for npy data: on the given data).",
    footer = {"", "Example:", "  qnn4j eval --model QuantWeightActBiasLeNet --checkpoint lenet.safetensors"})
final class EvalCommand extends ModelCommand {
  @Mixin
  WeightsOptions params;

  @Option(names = "--data", paramLabel = "DATA", defaultValue = "fashion-mnist",
      description = "Evaluation data: " + DataSpec.HELP + ". Default: ${DEFAULT-VALUE}.")
  String data;

  @Option(names = "--batch-size", paramLabel = "N", defaultValue = "256", description = "Batch size (default ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--limit", paramLabel = "N", defaultValue = "0", description = "Only the first N examples (0 = all).")
  int limit;

  @Override
  public Integer call() throws Exception {
    positive("--batch-size", batchSize);
    nonNegative("--limit", limit);
    DataSpec spec = DataSpec.parse(data);
    Model model = createModel();
    params.check();
    DataSpec.Loaded loaded = spec.load(DataSpec.Split.TEST, limit, limit);
    Dataset test = loaded.test();
    int classes = Models.outputClasses(model);
    Inputs.checkDataset(test, model, classes, loaded.testName());
    params.load(model);
    EvalResult r = Evaluator.evaluate(model, test, batchSize);
    out().printf(Locale.ROOT, "%s on %s (%d images): accuracy %.2f%% (%d/%d), loss %.4f%n", model.modelName(),
        loaded.testName(), test.size(), 100 * r.accuracy(), r.correct(), r.count(), r.loss());
    return Qnn4jCli.OK;
  }
}
