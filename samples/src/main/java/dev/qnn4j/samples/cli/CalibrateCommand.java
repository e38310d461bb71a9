package dev.qnn4j.samples.cli;

import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.data.BatchLoader;
import dev.qnn4j.runtime.data.Dataset;
import dev.qnn4j.runtime.graph.BiasCorrection;
import dev.qnn4j.runtime.graph.Calibration;
import dev.qnn4j.runtime.graph.CrossLayerEqualization;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.train.Checkpoint;
import dev.qnn4j.runtime.train.TrainingState;
import dev.qnn4j.spark.ModelSource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "calibrate",
    sortOptions = false,
    description = {
      "Post-training quantization with Brevitas' calibration_mode semantics: float weights are loaded,"
          + " then every activation quantizer averages its statistic over the calibration batches (weights"
          + " unquantized, activations passed through); the averages become the scales.",
      "--equalize runs cross-layer equalization on the float weights first; --bias-correction corrects the"
          + " biases for the weight quantization error afterwards."
    },
    footer = {
      "",
      "Example:",
      "  qnn4j calibrate --model QuantWeightActLeNet --weights float.safetensors --calibration calib.npy"
          + " --out calibrated.safetensors"
    })
final class CalibrateCommand extends ModelCommand {
  @Mixin InputFormatOptions inputFormat;

  @Option(
      names = "--weights",
      required = true,
      paramLabel = "W.pth|W.safetensors",
      description =
          "Float or Brevitas weights: a torch.save state dict (.pth/.pt/.tar) or safetensors with PyTorch names, or a float model's qnn4j checkpoint.")
  Path weights;

  @Option(
      names = "--calibration",
      paramLabel = "X.npy",
      description =
          "Calibration images: float32 [B, C, H, W] (one batch) or [K, B, C, H, W] (K batches, in order).")
  Path calibration;

  @Option(
      names = "--data",
      paramLabel = "DATA",
      description =
          "Or calibrate on the first --batches batches of a data set's training split: "
              + DataSpec.HELP
              + ".")
  String data;

  @Option(
      names = "--batches",
      paramLabel = "N",
      defaultValue = "16",
      description = "With --data: how many batches (default ${DEFAULT-VALUE}).")
  int batches;

  @Option(
      names = "--batch-size",
      paramLabel = "N",
      defaultValue = "64",
      description = "With --data: the batch size (default ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(
      names = "--equalize",
      description = "Cross-layer equalization of the float weights before calibration.")
  boolean equalize;

  @Option(names = "--bias-correction", description = "Bias correction after calibration.")
  boolean biasCorrection;

  @Option(
      names = "--spark",
      paramLabel = "MASTER",
      description =
          SparkJob.HELP
              + " With --data: the batches' statistics are computed on the partitions and combined in batch order"
              + " (the same scales as on one machine).")
  String spark;

  @Option(
      names = "--partitions",
      paramLabel = "N",
      defaultValue = "0",
      description = "With --spark: tasks (default: Spark's default parallelism).")
  int partitions;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "C.safetensors",
      description =
          "The calibrated checkpoint (use it with eval, predict, export, or train --init-checkpoint).")
  Path outFile;

  @Override
  public Integer call() throws Exception {
    if ((calibration == null) == (data == null)) {
      throw new CliException(
          "give the calibration images with exactly one of --calibration X.npy or --data DATA");
    }
    positive("--batches", batches);
    nonNegative("--partitions", partitions);
    if (spark != null && data == null) {
      throw new CliException(
          "--spark calibrates on --data DATA (the executors read it), not on --calibration");
    }
    positive("--batch-size", batchSize);
    Model model = createModel();
    Inputs.requireFile(weights, "--weights");
    Inputs.requireWritable(outFile, "--out");

    List<Tensor> calib;
    String source;
    DataSpec.Format format =
        calibration != null
            ? DataSpec.Format.SEED
            : inputFormat.resolve(DataSpec.parse(data), model, declaringClassName());
    if (calibration != null) {
      calib = Inputs.readBatches(calibration, model, "--calibration");
      source = calibration.toString();
    } else {
      DataSpec spec = DataSpec.parse(data);
      Dataset train = spec.load(DataSpec.Split.TRAIN, 0, 0, format).train();
      Inputs.checkDataset(train, model, Integer.MAX_VALUE, spec.describe());
      calib = new ArrayList<>();
      BatchLoader loader = new BatchLoader(train, batchSize, false, 0);
      int used = Math.min(batches, loader.numBatches());
      for (BatchLoader.Batch b : loader.epoch(0)) {
        if (calib.size() == batches) {
          break;
        }
        if (!b.knownFinite()) {
          Inputs.requireFinite(
              spec.describe(),
              "--data",
              b.images(),
              train.imageSize(),
              b.indices()[0],
              batchSize,
              used);
        }
        calib.add(Tensor.of(b.images(), b.shape()));
      }
      source = spec.describe() + " (" + format.describe(spec) + ")";
    }
    long images = calib.stream().mapToLong(t -> t.size(0)).sum();

    Inputs.loadWeights(weights, model, "--weights");
    model.eval();
    if (equalize) {
      List<CrossLayerEqualization.Pair> pairs =
          CrossLayerEqualization.equalize(model, calib.get(0));
      out()
          .println(
              "cross-layer equalization: "
                  + (pairs.isEmpty()
                      ? "no eligible layer pairs"
                      : pairs.stream()
                          .map(p -> p.source() + " -> " + p.sink())
                          .reduce((a, b) -> a + ", " + b)
                          .get()));
    }
    if (spark == null) {
      Calibration.calibrate(model, calib);
    } else {
      SparkJob.run(
          spark,
          partitions,
          out(),
          cluster ->
              cluster.calibrate(
                  model,
                  ModelSource.named(model.modelName()),
                  SparkJob.data(data, false, 0, format),
                  batchSize,
                  batches));
    }
    out()
        .printf(
            Locale.ROOT,
            "calibrated %s on %d batch(es), %d images, from %s%n",
            model.modelName(),
            calib.size(),
            images,
            source);
    if (biasCorrection) {
      Map<String, float[]> corrected = BiasCorrection.apply(model, calib);
      out()
          .println(
              "bias correction: "
                  + (corrected.isEmpty()
                      ? "no layer with a bias and quantizers"
                      : String.join(", ", corrected.keySet())));
    }
    model.eval();
    Quantizers.printActivationScales(model, out());
    TrainingState state =
        TrainingState.start(0, (int) calib.get(0).size(0))
            .withMetadata("qnn4j.command", commandLine());
    Checkpoint.save(outFile, model, null, state);
    out().println("checkpoint: " + outFile);
    return Qnn4jCli.OK;
  }
}
