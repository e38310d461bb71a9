package dev.qnn4j.runtime.train;

import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.autograd.GradMode;
import dev.qnn4j.runtime.data.BatchLoader;
import dev.qnn4j.runtime.data.Dataset;
import dev.qnn4j.runtime.nn.Model;

/**
 * Measures accuracy and mean cross-entropy of a model in evaluation mode, batch by batch, without
 * recording gradients. The model's previous mode is restored afterwards.
 */
public final class Evaluator {
  private Evaluator() {}

  public static EvalResult evaluate(Model model, Dataset data, int batchSize) {
    if (data.size() == 0) {
      throw new IllegalArgumentException("cannot evaluate on an empty data set");
    }
    boolean wasTraining = model.isTraining();
    model.eval();
    double lossSum = 0;
    int correct = 0;
    try (GradMode.Scope ignored = GradMode.noGrad()) {
      for (BatchLoader.Batch batch : new BatchLoader(data, batchSize, false, 0).epoch(0)) {
        Tensor logits = model.forward(Tensor.of(batch.images(), batch.shape()));
        // Weighted by batch size so a smaller last batch counts per example, like a full pass.
        lossSum += (double) CrossEntropyLoss.mean(logits, batch.labels()).item() * batch.size();
        correct += countCorrect(logits, batch.labels());
      }
    } finally {
      if (wasTraining) {
        model.train();
      }
    }
    return new EvalResult((double) correct / data.size(), lossSum / data.size(), correct, data.size());
  }

  /** How many rows of {@code logits [N, C]} have their maximum at the label (first maximum on ties). */
  public static int countCorrect(Tensor logits, int[] labels) {
    float[] v = logits.toFloatArray();
    int c = (int) logits.size(1);
    int correct = 0;
    for (int i = 0; i < labels.length; i++) {
      int best = 0;
      for (int j = 1; j < c; j++) {
        if (v[i * c + j] > v[i * c + best]) {
          best = j;
        }
      }
      if (best == labels[i]) {
        correct++;
      }
    }
    return correct;
  }
}
