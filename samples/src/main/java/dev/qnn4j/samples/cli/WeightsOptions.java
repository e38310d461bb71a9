package dev.qnn4j.samples.cli;

import dev.qnn4j.runtime.nn.Model;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where a command's parameters come from: a qnn4j checkpoint or float/Brevitas weights. */
final class WeightsOptions {
  @Option(
      names = "--checkpoint",
      paramLabel = "C.safetensors",
      description = "A qnn4j checkpoint (from train or calibrate): parameters and quantizer state.")
  Path checkpoint;

  @Option(
      names = "--weights",
      paramLabel = "W.pth|W.safetensors",
      description =
          "Or float/Brevitas weights (a PyTorch state dict: torch.save .pth or safetensors).")
  Path weights;

  /** Loads exactly one of the two into {@code model}. */
  void load(Model model) throws IOException {
    if ((checkpoint == null) == (weights == null)) {
      throw new CliException(
          "give the model's parameters with exactly one of --checkpoint C.safetensors or"
              + " --weights W.safetensors");
    }
    if (checkpoint != null) {
      Inputs.loadCheckpoint(checkpoint, model, "--checkpoint");
    } else {
      Inputs.loadWeights(weights, model, "--weights");
    }
  }

  /** Checks the file before other work starts. */
  void check() {
    if ((checkpoint == null) == (weights == null)) {
      throw new CliException(
          "give the model's parameters with exactly one of --checkpoint C.safetensors or"
              + " --weights W.safetensors");
    }
    Inputs.requireFile(
        checkpoint != null ? checkpoint : weights,
        checkpoint != null ? "--checkpoint" : "--weights");
  }
}
