package dev.qnn4j.spark;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static dev.qnn4j.spark.SparkTestSupport.LENET;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.qnn4j.runtime.Parameter;
import dev.qnn4j.runtime.data.Dataset;
import dev.qnn4j.runtime.data.FashionMnist;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.reference.TrainingStepReference;
import dev.qnn4j.runtime.reference.TrainingStepReference.Run;
import dev.qnn4j.runtime.reference.TrainingStepReference.Verdict;
import dev.qnn4j.runtime.train.Adam;
import dev.qnn4j.runtime.train.StepMetrics;
import dev.qnn4j.runtime.train.Trainer;
import dev.qnn4j.runtime.train.TrainerConfig;
import dev.qnn4j.runtime.train.TrainingListener;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * 20 synchronous data-parallel Adam steps against plain single-process training on the same global
 * batches, under the training-step rule of the Brevitas reference vectors' README, in the command
 * line's own recipe: Fashion-MNIST, a model calibrated on 16 batches of 64, Adam at lr 1e-3, global
 * batch 64, three partitions on {@code local[3]} (shards of 21, 21 and 22).
 *
 * <p>The rule's bounds are twice the spread of equally valid runs; for Brevitas' three SGD steps
 * that spread was measured from five runs: PyTorch's other convolution backend (another summation
 * order), and both backends from starts moved by +-1 ulp (two seeds). Here it is measured the same
 * way for this procedure, with the other order being two accumulated shards instead of one (not the
 * three under test). Only the order of the gradient sums differs between the Spark run and plain
 * training, and with 4-bit roundings that order matters as much as an ulp of the start: Adam's
 * first step is about {@code lr * sign(g)}, so a gradient element that is almost zero (a nearly
 * dead unit's bias) takes a full step in a direction the rounding decides, and the changed weights
 * flip 4-bit roundings from then on. On a toy set (640 synthetic images, lr 2e-3, {@link
 * SparkTrainingTest}) the ulp-moved plain runs themselves break the cosine bound (conv2.bias 0.50
 * after 4 steps), so the rule is checked here, where training is in its ordinary regime.
 */
class SparkTrainingStepRuleTest {
  private static final int PARTITIONS = 3;
  private static final int STEPS = 20;
  private static final int BATCH = 64;
  private static final float LR = 1e-3f;

  private static SparkSession session;
  private static JavaSparkContext spark;
  private static Dataset train;
  private static DataSource source;
  private static Model calibrated;

  @BeforeAll
  static void start() throws Exception {
    assumeTrue(
        FashionMnist.isAvailable(FashionMnist.DEFAULT_DIR),
        "Fashion-MNIST is not installed at " + FashionMnist.DEFAULT_DIR);
    session = SparkTestSupport.session("local[3]");
    spark = SparkTestSupport.context(session);
    train = FashionMnist.train();
    String dir = FashionMnist.DEFAULT_DIR.toString();
    source = () -> FashionMnist.train(Path.of(dir));
    calibrated = LENET.create();
    Trainer.initialize(calibrated, 7);
    // As `qnn4j train --spark` does for an uncalibrated model: 16 batches of the batch size.
    SparkCalibration.calibrate(spark, calibrated, LENET, source, BATCH, 16, PARTITIONS);
  }

  @AfterAll
  static void stop() {
    if (session != null) {
      session.stop();
    }
  }

  @Test
  void twentySynchronousAdamStepsStayWithinTheTrainingStepRuleOfPlainTraining() throws Exception {
    Map<String, float[]> before = weights(calibrated);
    Run plain = localRun(1, 0);
    TrainingStepReference rule =
        TrainingStepReference.measured(
            "plain training, 20 Adam steps",
            LENET.create().modelName(),
            LR,
            before,
            plain,
            // The reference's five: the other backend (here: another sum order, two shards),
            // and both orders from starts moved by +-1 ulp (two seeds).
            List.of(
                localRun(2, 0), localRun(1, 1), localRun(1, 2), localRun(2, 1), localRun(2, 2)));

    Run distributed = sparkRun(false);
    // Bit-identical to accumulating the same shards in the same order ...
    Run accumulated = localRun(PARTITIONS, 0);
    assertThat(distributed.losses()).isEqualTo(accumulated.losses());
    for (String tensor : before.keySet()) {
      assertWithMessage(tensor)
          .that(distributed.weights().get(tensor))
          .isEqualTo(accumulated.weights().get(tensor));
    }
    // ... and within the rule against plain whole-batch training.
    rule.assertMatches("synchronous Spark training on " + PARTITIONS + " partitions", distributed);

    // A wrong reduction (the mean of the shard means: shards of 21, 21 and 22 weigh differently).
    Run wrong = sparkRun(true);
    Verdict wrongVerdict = rule.check(wrong);
    System.out.println("mean of shard means: " + wrongVerdict);
    assertThat(wrong.weights().get("conv1.weight"))
        .isNotEqualTo(accumulated.weights().get("conv1.weight"));
  }

  /** The layers' weights and biases: the tensors the rule names. */
  private static Map<String, float[]> weights(Model model) {
    Map<String, float[]> w = new LinkedHashMap<>();
    for (Parameter p : model.parameters()) {
      if (p.name().endsWith(".weight") || p.name().endsWith(".bias")) {
        w.put(p.name(), p.toFloatArray().clone());
      }
    }
    return w;
  }

  private static TrainerConfig config() {
    return TrainerConfig.of(1, BATCH, 3).withMaxSteps(STEPS);
  }

  /**
   * Single process, accumulating {@code shards} shards per step, from the calibrated start moved by
   * +-1 ulp at random (seed {@code ulpSeed}; 0: the start as it is).
   */
  private static Run localRun(int shards, long ulpSeed) throws Exception {
    Model model = SparkTestSupport.copy(calibrated);
    if (ulpSeed != 0) {
      Random rng = new Random(ulpSeed);
      for (Parameter p : model.parameters()) {
        if (p.name().endsWith(".weight") || p.name().endsWith(".bias")) {
          float[] v = p.toFloatArray().clone();
          for (int i = 0; i < v.length; i++) {
            int move = rng.nextInt(3);
            v[i] = move == 0 ? Math.nextDown(v[i]) : move == 1 ? v[i] : Math.nextUp(v[i]);
          }
          p.set(v);
        }
      }
    }
    List<Float> losses = new ArrayList<>();
    Trainer trainer =
        new Trainer(
            model, new Adam(model.parameters(), LR), config().withAccumulationShards(shards));
    trainer.addListener(lossesInto(losses));
    trainer.fit(train, null);
    return new Run(toArray(losses), weights(model));
  }

  private static Run sparkRun(boolean meanOfShardMeans) throws Exception {
    Model model = SparkTestSupport.copy(calibrated);
    List<Float> losses = new ArrayList<>();
    SparkTrainer trainer =
        new SparkTrainer(
            spark, model, LENET, new Adam(model.parameters(), LR), config(), PARTITIONS);
    trainer.meanOfShardMeans = meanOfShardMeans;
    trainer.addListener(lossesInto(losses));
    trainer.fit(source, null);
    return new Run(toArray(losses), weights(model));
  }

  private static TrainingListener lossesInto(List<Float> losses) {
    return new TrainingListener() {
      @Override
      public void onStep(StepMetrics m) {
        losses.add(m.loss());
      }
    };
  }

  private static float[] toArray(List<Float> values) {
    float[] a = new float[values.size()];
    for (int i = 0; i < a.length; i++) {
      a[i] = values.get(i);
    }
    return a;
  }
}
