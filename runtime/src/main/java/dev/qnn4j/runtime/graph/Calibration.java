package dev.qnn4j.runtime.graph;

import dev.qnn4j.runtime.GradMode;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.nn.CompiledStep;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.nn.Module;

/**
 * Post-training calibration with Brevitas' {@code calibration_mode} semantics: weights and biases
 * stay float and activations pass through unquantized while every activation quantizer averages its
 * statistic over the batches; afterwards evaluation uses the averages as scales. A model with a
 * compiled step calibrates through it (the same bits as the tape).
 */
public final class Calibration {
  private Calibration() {}

  public static void calibrate(Model model, Iterable<Tensor> batches) {
    boolean wasTraining = model.isTraining();
    for (Module m : model.layers()) {
      m.setCalibration(true);
    }
    CompiledStep step = model.compiledStep().orElse(null);
    try (GradMode.Scope ignored = GradMode.noGrad()) {
      for (Tensor batch : batches) {
        if (step != null && hasInputShape(model, batch)) {
          step.forward(batch.data(), (int) batch.size(0));
        } else {
          // The tape, which also reports a batch of the wrong shape.
          model.forward(batch);
        }
      }
    } finally {
      for (Module m : model.layers()) {
        m.setCalibration(false);
      }
      if (wasTraining) {
        model.train();
      } else {
        model.eval();
      }
    }
  }

  /** Whether {@code batch} is {@code [N, inputShape...]} for the model's declared input shape. */
  private static boolean hasInputShape(Model model, Tensor batch) {
    long[] shape = batch.shape();
    long[] input = model.inputShape();
    return input != null
        && shape.length == input.length + 1
        && java.util.Arrays.equals(shape, 1, shape.length, input, 0, input.length);
  }
}
