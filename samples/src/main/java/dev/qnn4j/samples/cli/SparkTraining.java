package dev.qnn4j.samples.cli;

import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.quant.ActQuantizer;
import dev.qnn4j.runtime.train.ModelQuantizers;
import dev.qnn4j.runtime.train.Optimizer;
import dev.qnn4j.runtime.train.TrainerConfig;
import dev.qnn4j.runtime.train.TrainingListener;
import dev.qnn4j.runtime.train.TrainingState;
import dev.qnn4j.spark.DataSource;
import dev.qnn4j.spark.ModelSource;
import dev.qnn4j.spark.OptimizerFactory;
import java.util.List;
import java.util.Locale;

/**
 * {@code qnn4j train --spark}: calibrate if needed, then synchronous data-parallel QAT with the
 * same listeners.
 */
final class SparkTraining {
  private SparkTraining() {}

  static TrainingState fit(
      TrainCommand cmd,
      Model model,
      Optimizer opt,
      TrainerConfig config,
      List<TrainingListener> listeners,
      TrainingState from,
      OptimizerFactory averaging)
      throws Exception {
    return SparkJob.run(
        cmd.spark,
        cmd.partitions,
        cmd.out(),
        cluster -> {
          ModelSource source = ModelSource.named(model.modelName());
          DataSource train = SparkJob.data(cmd.data, false, cmd.limit, cmd.format);
          DataSource test = SparkJob.data(cmd.data, true, cmd.testLimit, cmd.format);
          if (collectingStatistics(model)) {
            // Statistics collected shard by shard would differ from one machine's: calibrate first.
            model.eval();
            int n =
                cluster.calibrate(model, source, train, config.batchSize(), cmd.calibrateBatches);
            cmd.out()
                .printf(
                    Locale.ROOT,
                    "calibrated the activation quantizers on %d batch(es) of %d first%n",
                    n,
                    config.batchSize());
          }
          TrainingState end =
              cluster.train(
                  model,
                  source,
                  opt,
                  config,
                  listeners,
                  train,
                  test,
                  from,
                  cmd.averageEvery,
                  averaging);
          cmd.out().println("driver time: " + cluster.lastTimeSpent());
          return end;
        });
  }

  private static boolean collectingStatistics(Model model) {
    for (ActQuantizer q : ModelQuantizers.byPrefix(model).values()) {
      if (q.counter() < q.collectStatsSteps()) {
        return true;
      }
    }
    return false;
  }
}
