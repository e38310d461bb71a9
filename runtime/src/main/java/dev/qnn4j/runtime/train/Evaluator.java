package dev.qnn4j.runtime.train;

import dev.qnn4j.runtime.GradMode;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.data.BatchLoader;
import dev.qnn4j.runtime.data.Dataset;
import dev.qnn4j.runtime.nn.CompiledStep;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.nn.TraceEvent;
import dev.qnn4j.runtime.nn.Tracer;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Measures accuracy and mean cross-entropy of a model in evaluation mode, batch by batch, without
 * recording gradients. The model's previous mode is restored afterwards.
 *
 * <p>Nothing non-finite is averaged into a result: a NaN or infinite input value fails with an
 * {@link IllegalArgumentException} naming the data set example, and a model that turns finite
 * inputs into NaN or infinite logits (e.g. NaN weights) or loss fails with an {@link
 * IllegalStateException} naming the first layer whose output is not finite.
 */
public final class Evaluator {
  private Evaluator() {}

  public static EvalResult evaluate(Model model, Dataset data, int batchSize) {
    if (data.size() == 0) {
      throw new IllegalArgumentException("cannot evaluate on an empty data set");
    }
    long[] expected = model.inputShape();
    long[] actual = {data.channels(), data.height(), data.width()};
    if (expected.length > 0 && !Arrays.equals(expected, actual)) {
      throw new IllegalArgumentException(
          model.modelName()
              + " expects inputs of shape "
              + Arrays.toString(expected)
              + " but the evaluation data set has images of shape "
              + Arrays.toString(actual));
    }
    boolean wasTraining = model.isTraining();
    model.eval();
    double lossSum = 0;
    int correct = 0;
    CompiledStep step = model.compiledStep().orElse(null);
    try (GradMode.Scope ignored = GradMode.noGrad()) {
      for (BatchLoader.Batch batch : new BatchLoader(data, batchSize, false, 0).epoch(0)) {
        checkFiniteInput(model, batch);
        float loss;
        if (step != null) {
          // The compiled forward: the same bits as the tape's, on buffers reused batch after batch.
          float[] logits = step.forward(batch.images(), batch.size());
          loss = step.loss(batch.labels());
          correct += countCorrect(logits, step.classes(), batch.labels());
        } else {
          Tensor logits = model.forward(Tensor.of(batch.images(), batch.shape()));
          loss = CrossEntropyLoss.mean(logits, batch.labels()).item();
          correct += countCorrect(logits, batch.labels());
        }
        if (!Float.isFinite(loss)) {
          throw nonFiniteOutput(model, Tensor.of(batch.images(), batch.shape()), batch, loss);
        }
        // Weighted by batch size so a smaller last batch counts per example, like a full pass.
        lossSum += (double) loss * batch.size();
      }
    } finally {
      if (wasTraining) {
        model.train();
      }
    }
    return new EvalResult(
        (double) correct / data.size(), lossSum / data.size(), correct, data.size());
  }

  private static void checkFiniteInput(Model model, BatchLoader.Batch batch) {
    float[] x = batch.images();
    int perImage = x.length / batch.size();
    for (int i = 0; i < x.length; i++) {
      if (!Float.isFinite(x[i])) {
        throw new IllegalArgumentException(
            "evaluating "
                + model.modelName()
                + ": input image "
                + batch.indices()[i / perImage]
                + " of the data set contains "
                + x[i]
                + " (at flat position "
                + i % perImage
                + " of its "
                + perImage
                + " values)");
      }
    }
  }

  /**
   * Finite inputs gave a non-finite loss: re-runs the batch with tracing to name the first layer
   * (or functional operation) whose output is not finite.
   */
  static IllegalStateException nonFiniteOutput(
      Model model, Tensor input, BatchLoader.Batch batch, float loss) {
    String where = "the loss (the logits are finite)";
    for (TraceEvent e : Tracer.trace(() -> model.forward(input))) {
      String bad = firstNonFinite(e.output());
      if (bad != null) {
        where =
            (e.layer() != null
                    ? "layer "
                        + e.layer().name()
                        + " ("
                        + e.layer().getClass().getSimpleName()
                        + ")"
                    : "operation " + e.op().name().toLowerCase(Locale.ROOT))
                + ", whose output contains "
                + bad;
        break;
      }
    }
    int[] idx = batch.indices();
    return new IllegalStateException(
        "evaluating "
            + model.modelName()
            + ": loss is "
            + loss
            + " on data set examples "
            + idx[0]
            + ".."
            + idx[idx.length - 1]
            + " although their inputs are finite; the first non-finite value comes from "
            + where);
  }

  /** The first NaN or infinite value of {@code t} as text, or null. */
  /**
   * ", first non-finite output at layer X (Kind)" for the first traced step whose output is not
   * finite, or "" when every step's output is finite.
   */
  static String firstNonFiniteStep(List<TraceEvent> trace) {
    for (TraceEvent e : trace) {
      String bad = firstNonFinite(e.output());
      if (bad != null) {
        return "; the first non-finite output is at "
            + (e.layer() != null
                ? "layer " + e.layer().name() + " (" + e.layer().getClass().getSimpleName() + ")"
                : "operation " + e.op().name().toLowerCase(Locale.ROOT))
            + ", which contains "
            + bad;
      }
    }
    return "";
  }

  private static String firstNonFinite(Tensor t) {
    for (float v : t.toFloatArray()) {
      if (!Float.isFinite(v)) {
        return Float.toString(v);
      }
    }
    return null;
  }

  /**
   * How many rows of {@code logits [N, C]} have their maximum at the label (first maximum on ties).
   */
  public static int countCorrect(Tensor logits, int[] labels) {
    return countCorrect(logits.toFloatArray(), (int) logits.size(1), labels);
  }

  /** As {@link #countCorrect(Tensor, int[])} for row-major logits of {@code c} classes. */
  public static int countCorrect(float[] v, int c, int[] labels) {
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
