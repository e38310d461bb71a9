package dev.qnn4j.spark;

import dev.qnn4j.runtime.io.ArrayData;
import dev.qnn4j.runtime.io.Safetensors;
import dev.qnn4j.runtime.io.Safetensors.SafetensorsFile;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.train.Checkpoint;
import dev.qnn4j.runtime.train.Optimizer;
import dev.qnn4j.runtime.train.TrainingState;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model's full state (parameters, buffers, activation quantizers' statistics and counters, and
 * optionally an optimizer's state) as the bytes of a qnn4j checkpoint: what the driver broadcasts
 * each step and what averaging tasks send back. Going through the checkpoint format keeps one
 * definition of "the state" and its validation.
 */
final class ModelState implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String modelName;
  private final byte[] checkpoint;

  private ModelState(String modelName, byte[] checkpoint) {
    this.modelName = modelName;
    this.checkpoint = checkpoint;
  }

  static ModelState of(Model model, Optimizer optimizer) {
    try {
      Path file = tempFile();
      try {
        Checkpoint.save(file, model, optimizer, TrainingState.start(0, 1));
        return new ModelState(model.modelName(), Files.readAllBytes(file));
      } finally {
        Files.deleteIfExists(file);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot serialise the state of " + model.modelName(), e);
    }
  }

  String modelName() {
    return modelName;
  }

  /** Loads this state into {@code model} (and {@code optimizer}'s state, if not null). */
  void loadInto(Model model, Optimizer optimizer) {
    if (!model.modelName().equals(modelName)) {
      throw new IllegalArgumentException(
          "the executor's model is "
              + model.modelName()
              + " but the driver's is "
              + modelName
              + "; both must build the same model");
    }
    try {
      Path file = tempFile();
      try {
        Files.write(file, checkpoint);
        Checkpoint.load(file, model, optimizer);
      } finally {
        Files.deleteIfExists(file);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot load the broadcast state of " + modelName, e);
    }
  }

  /**
   * The element-wise mean of {@code states} (same model, same optimizer kind): every floating-point
   * tensor (parameters, buffers, optimizer moments) is summed in list order in double precision and
   * divided by the count; integer entries (counters, optimizer step counts) must agree and are
   * kept.
   */
  static ModelState average(List<ModelState> states) {
    try {
      List<SafetensorsFile> files = new ArrayList<>();
      for (ModelState s : states) {
        files.add(s.read());
      }
      SafetensorsFile first = files.get(0);
      Map<String, ArrayData> mean = new LinkedHashMap<>();
      for (Map.Entry<String, ArrayData> e : first.tensors().entrySet()) {
        ArrayData a = e.getValue();
        if (a.dtype() == ArrayData.DType.FLOAT32) {
          double[] sum = new double[(int) a.numElements()];
          for (SafetensorsFile f : files) {
            float[] v = f.tensors().get(e.getKey()).toFloatArray();
            for (int i = 0; i < sum.length; i++) {
              sum[i] += v[i];
            }
          }
          float[] out = new float[sum.length];
          for (int i = 0; i < out.length; i++) {
            out[i] = (float) (sum[i] / files.size());
          }
          mean.put(e.getKey(), ArrayData.ofFloats(out, a.shape()));
        } else {
          for (SafetensorsFile f : files) {
            if (!f.tensors().get(e.getKey()).equals(a)) {
              throw new IllegalStateException(
                  "the partitions disagree on " + e.getKey() + ", which cannot be averaged");
            }
          }
          mean.put(e.getKey(), a);
        }
      }
      Path file = tempFile();
      try {
        Safetensors.write(file, mean, first.metadata());
        return new ModelState(states.get(0).modelName, Files.readAllBytes(file));
      } finally {
        Files.deleteIfExists(file);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot average the partitions' states", e);
    }
  }

  private SafetensorsFile read() throws IOException {
    Path file = tempFile();
    try {
      Files.write(file, checkpoint);
      return Safetensors.read(file);
    } finally {
      Files.deleteIfExists(file);
    }
  }

  /**
   * A scratch file for the checkpoint format, in memory ({@code /dev/shm}) where the system has it:
   * saving syncs the file to its device, which on a disk costs tens of milliseconds per step.
   */
  private static Path tempFile() throws IOException {
    Path shm = Path.of("/dev/shm");
    if (Files.isDirectory(shm) && Files.isWritable(shm)) {
      return Files.createTempFile(shm, "qnn4j-spark-state", ".safetensors");
    }
    return Files.createTempFile("qnn4j-spark-state", ".safetensors");
  }

  /** Size in bytes, for measurements. */
  int size() {
    return checkpoint.length;
  }
}
