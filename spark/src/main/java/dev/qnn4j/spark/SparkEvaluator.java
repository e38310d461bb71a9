package dev.qnn4j.spark;

import dev.qnn4j.runtime.GradMode;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.data.Dataset;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.train.CrossEntropyLoss;
import dev.qnn4j.runtime.train.EvalResult;
import dev.qnn4j.runtime.train.Evaluator;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * {@link Evaluator}'s accuracy and mean loss, with the evaluation batches spread over Spark
 * partitions: each task evaluates whole batches (the same batches as a single-process evaluation
 * with the same batch size) and the driver adds their sums in batch order, so the result is
 * bit-identical to {@link Evaluator#evaluate}. Also returns every example's predicted class.
 */
public final class SparkEvaluator {
  private SparkEvaluator() {}

  /** One batch's share: its loss (mean over the batch), correct count and predictions. */
  record BatchResult(float loss, int correct, int[] predictions) implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  public static Evaluation evaluate(
      JavaSparkContext spark,
      Model model,
      ModelSource source,
      DataSource data,
      int batchSize,
      int partitions) {
    Broadcast<Workers.DataRef> dataB = spark.broadcast(Workers.ref(data));
    try {
      return evaluate(spark, model, source, dataB, batchSize, partitions);
    } finally {
      dataB.destroy();
    }
  }

  static Evaluation evaluate(
      JavaSparkContext spark,
      Model model,
      ModelSource source,
      Broadcast<Workers.DataRef> dataB,
      int batchSize,
      int partitions) {
    if (batchSize <= 0 || partitions <= 0) {
      throw new IllegalArgumentException(
          "batch size and partitions must be positive, got " + batchSize + " and " + partitions);
    }
    Dataset local = Workers.dataset(dataB);
    if (local.size() == 0) {
      throw new IllegalArgumentException("cannot evaluate on an empty data set");
    }
    List<int[]> ranges = new ArrayList<>();
    for (int from = 0; from < local.size(); from += batchSize) {
      ranges.add(new int[] {from, Math.min(from + batchSize, local.size())});
    }
    Broadcast<ModelState> stateB = spark.broadcast(ModelState.of(model, null));
    List<BatchResult> batches;
    try {
      batches =
          spark
              .parallelize(ranges, Math.min(partitions, ranges.size()))
              .map(r -> evaluateBatch(stateB.value(), source, Workers.dataset(dataB), r[0], r[1]))
              .collect();
    } finally {
      stateB.destroy();
    }
    double lossSum = 0;
    int correct = 0;
    int[] predictions = new int[local.size()];
    int at = 0;
    for (BatchResult b : batches) {
      // As Evaluator: weighted by batch size so a smaller last batch counts per example.
      lossSum += (double) b.loss() * b.predictions().length;
      correct += b.correct();
      System.arraycopy(b.predictions(), 0, predictions, at, b.predictions().length);
      at += b.predictions().length;
    }
    return new Evaluation(
        new EvalResult(
            (double) correct / local.size(), lossSum / local.size(), correct, local.size()),
        predictions);
  }

  static BatchResult evaluateBatch(
      ModelState state, ModelSource source, Dataset data, int from, int to) {
    Model model = Workers.model(source, state.modelName());
    state.loadInto(model, null);
    model.eval();
    int[] indices = new int[to - from];
    for (int i = 0; i < indices.length; i++) {
      indices[i] = from + i;
    }
    float[] images = Workers.images(data, indices);
    for (int i = 0; i < images.length; i++) {
      if (!Float.isFinite(images[i])) {
        throw new IllegalArgumentException(
            "evaluating "
                + model.modelName()
                + ": input image "
                + indices[i / data.imageSize()]
                + " of the data set contains "
                + images[i]);
      }
    }
    int[] labels = Workers.labels(data, indices);
    try (GradMode.Scope ignored = GradMode.noGrad()) {
      Tensor logits = model.forward(Tensor.of(images, Workers.shape(data, indices.length)));
      float loss = CrossEntropyLoss.mean(logits, labels).item();
      if (!Float.isFinite(loss)) {
        throw new IllegalStateException(
            "evaluating "
                + model.modelName()
                + ": loss is "
                + loss
                + " on data set examples "
                + from
                + ".."
                + (to - 1));
      }
      return new BatchResult(loss, Evaluator.countCorrect(logits, labels), argmax(logits));
    }
  }

  /**
   * The first maximum of each row of {@code logits [N, C]}, as {@link Evaluator#countCorrect} picks
   * it.
   */
  static int[] argmax(Tensor logits) {
    float[] v = logits.toFloatArray();
    int c = (int) logits.size(1);
    int[] out = new int[(int) logits.size(0)];
    for (int i = 0; i < out.length; i++) {
      int best = 0;
      for (int j = 1; j < c; j++) {
        if (v[i * c + j] > v[i * c + best]) {
          best = j;
        }
      }
      out[i] = best;
    }
    return out;
  }
}
