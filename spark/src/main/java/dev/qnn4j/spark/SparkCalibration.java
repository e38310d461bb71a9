package dev.qnn4j.spark;

import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.data.Dataset;
import dev.qnn4j.runtime.graph.Calibration;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.nn.Module;
import dev.qnn4j.runtime.quant.ActQuantizer;
import dev.qnn4j.runtime.train.ModelQuantizers;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * Post-training calibration ({@link Calibration}'s semantics) with the batches spread over Spark
 * partitions.
 *
 * <p>While calibrating, activations pass through unquantized, so each batch's statistic depends on
 * the batch and the float weights only, never on the statistics gathered before it. Each task
 * therefore computes, for a contiguous run of batches, every activation quantizer's statistic of
 * each batch on its own; the driver collects them in partition order (which is batch order) and
 * folds them into the quantizers one batch at a time with {@link ActQuantizer#accumulateStatistic},
 * the very update a single-process calibration makes. The scales are bit-identical to {@link
 * Calibration#calibrate} over the same batches in the same order.
 */
public final class SparkCalibration {
  private SparkCalibration() {}

  /**
   * Calibrates {@code model} on the first {@code batches} batches of {@code batchSize} examples of
   * {@code data} in data set order (as {@code ./qnn4j calibrate --data} does), over {@code
   * partitions} tasks.
   *
   * @return the number of batches used (fewer if the data set is smaller)
   */
  public static int calibrate(
      JavaSparkContext spark,
      Model model,
      ModelSource source,
      DataSource data,
      int batchSize,
      int batches,
      int partitions) {
    if (batchSize <= 0 || batches <= 0 || partitions <= 0) {
      throw new IllegalArgumentException(
          "batch size, batches and partitions must be positive, got "
              + batchSize
              + ", "
              + batches
              + " and "
              + partitions);
    }
    Broadcast<Workers.DataRef> dataB = spark.broadcast(Workers.ref(data));
    Broadcast<ModelState> stateB = spark.broadcast(ModelState.of(model, null));
    try {
      Dataset local = Workers.dataset(dataB);
      int n = Math.min(batches, (local.size() + batchSize - 1) / batchSize);
      if (n == 0) {
        throw new IllegalArgumentException("cannot calibrate on an empty data set");
      }
      List<int[]> ranges = new ArrayList<>();
      for (int b = 0; b < n; b++) {
        int from = b * batchSize;
        int to = Math.min(from + batchSize, local.size());
        ranges.add(new int[] {from, to});
      }
      List<float[]> stats =
          spark
              .parallelize(ranges, Math.min(partitions, n))
              .map(r -> batchStatistics(stateB.value(), source, Workers.dataset(dataB), r[0], r[1]))
              .collect();
      combine(model, stats);
      return n;
    } finally {
      stateB.destroy();
      dataB.destroy();
    }
  }

  /**
   * Every activation quantizer's statistic (in {@link ModelQuantizers#byPrefix} order) of examples
   * [from, to).
   */
  static float[] batchStatistics(
      ModelState state, ModelSource source, Dataset data, int from, int to) {
    Model model = source.create();
    state.loadInto(model, null);
    List<ActQuantizer> quantizers = new ArrayList<>(ModelQuantizers.byPrefix(model).values());
    for (ActQuantizer q : quantizers) {
      // A fresh statistic: after one batch the buffer is exactly that batch's statistic.
      q.restoreState(0, q.collectStatsSteps(), 1f, q.value().item());
    }
    int[] indices = new int[to - from];
    for (int i = 0; i < indices.length; i++) {
      indices[i] = from + i;
    }
    model.eval();
    Calibration.calibrate(
        model,
        List.of(Tensor.of(Workers.images(data, indices), Workers.shape(data, indices.length))));
    float[] out = new float[quantizers.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = quantizers.get(i).buffer();
    }
    return out;
  }

  /**
   * Folds per-batch statistics, in batch order, into the model's quantizers as calibration would.
   */
  static void combine(Model model, List<float[]> statsPerBatch) {
    List<ActQuantizer> quantizers = new ArrayList<>(ModelQuantizers.byPrefix(model).values());
    for (Module m : model.layers()) {
      m.setCalibration(true);
    }
    try {
      for (float[] stats : statsPerBatch) {
        for (int i = 0; i < quantizers.size(); i++) {
          quantizers.get(i).accumulateStatistic(stats[i]);
        }
      }
    } finally {
      for (Module m : model.layers()) {
        m.setCalibration(false);
      }
    }
  }
}
