package dev.qnn4j.spark;

import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.train.Checkpoint;
import dev.qnn4j.runtime.train.Optimizer;
import dev.qnn4j.runtime.train.TrainingState;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

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
      Path file = Files.createTempFile("qnn4j-spark-state", ".safetensors");
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
      throw new IllegalArgumentException("the executor's model is " + model.modelName() + " but the driver's is "
          + modelName + "; both must build the same model");
    }
    try {
      Path file = Files.createTempFile("qnn4j-spark-state", ".safetensors");
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

  /** Size in bytes, for measurements. */
  int size() {
    return checkpoint.length;
  }
}
