package dev.qnn4j.samples.cli;

import dev.qnn4j.runtime.data.Dataset;
import dev.qnn4j.runtime.io.ArrayData;
import dev.qnn4j.runtime.io.Npy;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.train.EvalResult;
import dev.qnn4j.runtime.train.Evaluator;
import dev.qnn4j.spark.Evaluation;
import dev.qnn4j.spark.ModelSource;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "eval",
    sortOptions = false,
    description =
        "Accuracy and mean cross-entropy of a model in eval mode on the test split of a data set"
            + " (for npy data: on the given data).",
    footer = {
      "",
      "Example:",
      "  qnn4j eval --model QuantWeightActBiasLeNet --checkpoint lenet.safetensors"
    })
final class EvalCommand extends ModelCommand {
  @Mixin WeightsOptions params;
  @Mixin InputFormatOptions inputFormat;

  @Option(
      names = "--data",
      paramLabel = "DATA",
      defaultValue = "fashion-mnist",
      description = "Evaluation data: " + DataSpec.HELP + ". Default: ${DEFAULT-VALUE}.")
  String data;

  @Option(
      names = "--batch-size",
      paramLabel = "N",
      defaultValue = "256",
      description = "Batch size (default ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(
      names = "--limit",
      paramLabel = "N",
      defaultValue = "0",
      description = "Only the first N examples (0 = all).")
  int limit;

  @Option(
      names = "--spark",
      paramLabel = "MASTER",
      description =
          SparkJob.HELP
              + " The batches are spread over the partitions; the result equals a single-process evaluation.")
  String spark;

  @Option(
      names = "--partitions",
      paramLabel = "N",
      defaultValue = "0",
      description = "With --spark: tasks (default: Spark's default parallelism).")
  int partitions;

  @Option(
      names = "--predictions",
      paramLabel = "P.npy",
      description =
          "With --spark: also write every example's predicted class, int64 [N] in data set order.")
  Path predictions;

  @Override
  public Integer call() throws Exception {
    positive("--batch-size", batchSize);
    nonNegative("--limit", limit);
    nonNegative("--partitions", partitions);
    if (predictions != null && spark == null) {
      throw new CliException("--predictions needs --spark (use 'qnn4j predict' on one machine)");
    }
    if (predictions != null) {
      Inputs.requireWritable(predictions, "--predictions");
    }
    DataSpec spec = DataSpec.parse(data);
    Model model = createModel();
    params.check();
    DataSpec.Format format = inputFormat.resolve(spec, model, declaringClassName());
    DataSpec.Loaded loaded = spec.load(DataSpec.Split.TEST, limit, limit, format);
    Dataset test = loaded.test();
    int classes = Models.outputClasses(model);
    Inputs.checkDataset(test, model, classes, loaded.testName());
    params.load(model);
    EvalResult r;
    if (spark == null) {
      r = Evaluator.evaluate(model, test, batchSize);
    } else {
      Evaluation result =
          SparkJob.run(
              spark,
              partitions,
              out(),
              cluster ->
                  cluster.evaluate(
                      model,
                      ModelSource.named(model.modelName()),
                      SparkJob.data(data, true, limit, format),
                      batchSize));
      r = result.eval();
      if (predictions != null) {
        long[] predicted = new long[result.predictions().length];
        for (int i = 0; i < predicted.length; i++) {
          predicted[i] = result.predictions()[i];
        }
        Npy.write(predictions, ArrayData.ofLongs(predicted, predicted.length));
        out().println("predictions: " + predictions);
      }
    }
    out()
        .printf(
            Locale.ROOT,
            "%s on %s (%d images): accuracy %.2f%% (%d/%d), loss %.4f%n",
            model.modelName(),
            loaded.testName(),
            test.size(),
            100 * r.accuracy(),
            r.correct(),
            r.count(),
            r.loss());
    return Qnn4jCli.OK;
  }
}
