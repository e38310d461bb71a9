package dev.qnn4j.spark;

import static com.google.common.truth.Truth.assertThat;
import static dev.qnn4j.spark.SparkTestSupport.LENET;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.qnn4j.runtime.GradMode;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.data.BatchLoader;
import dev.qnn4j.runtime.data.Dataset;
import dev.qnn4j.runtime.data.FashionMnist;
import dev.qnn4j.runtime.io.ArrayData;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.reference.HandWiredLeNets;
import dev.qnn4j.runtime.train.Adam;
import dev.qnn4j.runtime.train.EvalResult;
import dev.qnn4j.runtime.train.Evaluator;
import dev.qnn4j.runtime.train.Trainer;
import dev.qnn4j.runtime.train.TrainerConfig;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Distributed evaluation and bad input on {@code local[2]}. */
class SparkEvaluationTest {
  private static SparkSession session;
  private static JavaSparkContext spark;

  @BeforeAll
  static void start() {
    session = SparkTestSupport.session("local[2]");
    spark = SparkTestSupport.context(session);
  }

  @AfterAll
  static void stop() {
    session.stop();
  }

  /** Fashion-MNIST's 10 000 test images: the same accuracy, loss and predictions as Evaluator. */
  @Test
  void evaluationOnFashionMnistEqualsSingleProcess() throws Exception {
    assumeTrue(
        FashionMnist.isAvailable(FashionMnist.DEFAULT_DIR),
        "Fashion-MNIST is not installed at " + FashionMnist.DEFAULT_DIR);
    String dir = FashionMnist.DEFAULT_DIR.toString();
    Dataset train = FashionMnist.train();
    Model model = LENET.create();
    Trainer.initialize(model, 1);
    SparkCalibration.calibrate(
        spark, model, LENET, () -> FashionMnist.train(java.nio.file.Path.of(dir)), 64, 8, 2);
    // A short QAT run (single process) so the accuracy means something.
    new Trainer(
            model, new Adam(model.parameters(), 2e-3f), TrainerConfig.of(1, 64, 1).withMaxSteps(60))
        .fit(train, null);

    Dataset test = FashionMnist.test();
    EvalResult local = Evaluator.evaluate(model, test, 256);
    Evaluation distributed =
        SparkEvaluator.evaluate(
            spark, model, LENET, () -> FashionMnist.test(java.nio.file.Path.of(dir)), 256, 2);
    assertThat(distributed.eval()).isEqualTo(local);
    assertThat(local.count()).isEqualTo(10_000);
    assertThat(local.accuracy()).isGreaterThan(0.5);
    int[] expected = new int[test.size()];
    model.eval();
    try (GradMode.Scope ignored = GradMode.noGrad()) {
      int at = 0;
      for (BatchLoader.Batch b : new BatchLoader(test, 1000, false, 0).epoch(0)) {
        int[] p = SparkEvaluator.argmax(model.forward(Tensor.of(b.images(), b.shape())));
        System.arraycopy(p, 0, expected, at, p.length);
        at += p.length;
      }
    }
    assertThat(distributed.predictions()).isEqualTo(expected);
  }

  @Test
  void aBatchSmallerThanThePartitionCountLeavesAnEmptyShardAndStillMatches() throws Exception {
    Dataset data =
        SparkTestSupport.images(129, 5); // batches of 64, 64 and 1: the last has an empty shard
    Model calibrated = LENET.create();
    Trainer.initialize(calibrated, 2);
    SparkCalibration.calibrate(spark, calibrated, LENET, DataSource.of(data), 64, 3, 2);
    TrainerConfig config = TrainerConfig.of(1, 64, 4);
    Model viaSpark = SparkTestSupport.copy(calibrated);
    Adam a1 = new Adam(viaSpark.parameters(), 1e-3f);
    new SparkTrainer(spark, viaSpark, LENET, a1, config, 2).fit(DataSource.of(data), null);
    Model local = SparkTestSupport.copy(calibrated);
    Adam a2 = new Adam(local.parameters(), 1e-3f);
    new Trainer(local, a2, config.withAccumulationShards(2)).fit(data, null);
    Map<String, ArrayData> expected = SparkTestSupport.state(local, a2);
    assertThat(SparkTestSupport.state(viaSpark, a1)).isEqualTo(expected);
    assertThat(a1.stateDict().get("conv1.weight.step").toLongArray()).isEqualTo(new long[] {3});
  }

  @Test
  void aDifferentModelOnTheExecutorsIsOneClearLine() {
    Model model = LENET.create();
    Dataset data = SparkTestSupport.images(16, 3);
    ModelSource other = () -> HandWiredLeNets.create("QuantWeightLeNet");
    Exception e =
        assertThrows(
            Exception.class,
            () -> SparkEvaluator.evaluate(spark, model, other, DataSource.of(data), 8, 2));
    assertThat(SparkErrors.message(e))
        .isEqualTo(
            "the executor's model is QuantWeightLeNet but the driver's is QuantWeightActBiasLeNet; both must build the"
                + " same model");
  }

  @Test
  void anUncalibratedModelIsRefusedBeforeAnyJob() {
    Model model = LENET.create();
    Dataset data = SparkTestSupport.images(16, 3);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new SparkTrainer(
                        spark,
                        model,
                        LENET,
                        new Adam(model.parameters(), 1e-3f),
                        TrainerConfig.of(1, 8, 1),
                        2)
                    .fit(DataSource.of(data), null));
    assertThat(e).hasMessageThat().contains("is still collecting statistics");
  }

  @Test
  void aDataFileAnExecutorCannotReadIsOneClearLine() {
    Model model = LENET.create();
    Exception e =
        assertThrows(
            Exception.class,
            () ->
                SparkEvaluator.evaluate(
                    spark,
                    model,
                    LENET,
                    () ->
                        FashionMnist.load(
                            java.nio.file.Path.of("/nonexistent/images.gz"),
                            java.nio.file.Path.of("/nonexistent/labels.gz")),
                    8,
                    2));
    // Both files are missing; the reader names the first one it opens (the labels, since the image
    // cache).
    assertThat(SparkErrors.message(e)).containsMatch("/nonexistent/(images|labels)\\.gz");
    assertThat(SparkErrors.message(e)).doesNotContain("\n");
  }
}
