package dev.qnn4j.runtime.io;

import dev.qnn4j.runtime.io.Safetensors.SafetensorsFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Reads a file of named weights, whichever format it is in: a PyTorch {@code torch.save} file (zip
 * or older pickle format, see {@link TorchFiles}) or safetensors. The format is told by the file's
 * first bytes, not its name, so {@code model.pth}, {@code model.pt}, {@code model.tar} and {@code
 * model.safetensors} all work whatever they are called.
 */
public final class WeightFiles {
  private WeightFiles() {}

  /**
   * The tensors of {@code file}, in file order, and its safetensors header metadata (empty for a
   * PyTorch file, which has none).
   */
  public static SafetensorsFile read(Path file) throws IOException {
    if (TorchFiles.isTorchFile(file)) {
      return new SafetensorsFile(TorchFiles.readStateDict(file), Map.of());
    }
    return Safetensors.read(file);
  }
}
