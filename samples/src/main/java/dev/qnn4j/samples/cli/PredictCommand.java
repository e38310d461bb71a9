package dev.qnn4j.samples.cli;

import dev.qnn4j.runtime.io.ArrayData;
import dev.qnn4j.runtime.io.Npy;
import dev.qnn4j.runtime.nn.Model;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "predict",
    sortOptions = false,
    description =
        "Eval-mode logits of a model for the images of an .npy file, written as float32 [N, classes].",
    footer = {
      "",
      "Example:",
      "  qnn4j predict --model QuantWeightActBiasLeNet --checkpoint lenet.safetensors --input x.npy --output logits.npy"
    })
final class PredictCommand extends ModelCommand {
  @Mixin WeightsOptions params;

  @Option(
      names = "--input",
      required = true,
      paramLabel = "X.npy",
      description =
          "Images: float32 [N, C, H, W] with [C, H, W] the model's input shape, preprocessed as in training.")
  Path input;

  @Option(
      names = "--output",
      required = true,
      paramLabel = "Y.npy",
      description = "The logits, float32 [N, classes] (written atomically).")
  Path output;

  @Option(
      names = "--batch-size",
      paramLabel = "N",
      defaultValue = "256",
      description = "Batch size (default ${DEFAULT-VALUE}).")
  int batchSize;

  @Override
  public Integer call() throws Exception {
    positive("--batch-size", batchSize);
    Model model = createModel();
    params.check();
    Inputs.requireWritable(output, "--output");
    ArrayData x = Inputs.readImages(input, model, "--input");
    params.load(model);
    int classes = Models.outputClasses(model);
    long n = x.shape()[0];
    float[] images = x.floats();
    Inputs.requireFinite(
        input.toString(),
        "--input",
        images,
        (int) (images.length / n),
        0,
        batchSize,
        (int) ((n + batchSize - 1) / batchSize));
    float[] logits = Predictions.logits(model, images, n, batchSize, classes);
    Npy.write(output, ArrayData.ofFloats(logits, n, classes));
    out()
        .printf(
            Locale.ROOT,
            "%s: float32 [%d, %d] logits of %s (eval mode)%n",
            output,
            n,
            classes,
            model.modelName());
    return Qnn4jCli.OK;
  }
}
