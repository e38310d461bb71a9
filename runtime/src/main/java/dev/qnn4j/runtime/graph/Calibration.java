package dev.qnn4j.runtime.graph;

import dev.qnn4j.runtime.GradMode;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.nn.Module;

/**
 * Post-training calibration with Brevitas' {@code calibration_mode} semantics: weights and biases
 * stay float and activations pass through unquantized while every activation quantizer averages its
 * statistic over the batches; afterwards evaluation uses the averages as scales.
 */
public final class Calibration {
  private Calibration() {}

  public static void calibrate(Model model, Iterable<Tensor> batches) {
    boolean wasTraining = model.isTraining();
    for (Module m : model.layers()) {
      m.setCalibration(true);
    }
    try (GradMode.Scope ignored = GradMode.noGrad()) {
      for (Tensor batch : batches) {
        model.forward(batch);
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
}
