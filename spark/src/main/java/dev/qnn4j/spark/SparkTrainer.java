package dev.qnn4j.spark;

import dev.qnn4j.runtime.Parameter;
import dev.qnn4j.runtime.data.BatchLoader;
import dev.qnn4j.runtime.data.Dataset;
import dev.qnn4j.runtime.nn.BatchNorm2d;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.nn.Module;
import dev.qnn4j.runtime.quant.ActQuantizer;
import dev.qnn4j.runtime.train.Checkpoint;
import dev.qnn4j.runtime.train.EpochMetrics;
import dev.qnn4j.runtime.train.EvalResult;
import dev.qnn4j.runtime.train.GradientShards;
import dev.qnn4j.runtime.train.ModelQuantizers;
import dev.qnn4j.runtime.train.Optimizer;
import dev.qnn4j.runtime.train.StepMetrics;
import dev.qnn4j.runtime.train.Trainer;
import dev.qnn4j.runtime.train.TrainerConfig;
import dev.qnn4j.runtime.train.TrainingListener;
import dev.qnn4j.runtime.train.TrainingState;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * Synchronous data-parallel quantization-aware training on Spark.
 *
 * <p>Each step the driver broadcasts the model's current state, cuts the global batch (the same
 * batch {@link Trainer} would take: same seed, same shuffled order) into one contiguous shard per
 * partition ({@link GradientShards#bounds}), runs one Spark job whose task {@code i} computes the
 * gradient of shard {@code i}'s share of the batch-mean loss, collects the results in partition
 * order, sums them in that order ({@link GradientShards#apply}) and lets the optimizer step once,
 * on the driver. Learned quantizer scales are parameters like the weights. The result is
 * bit-identical to {@link Trainer} with {@link TrainerConfig#accumulationShards()} equal to the
 * partition count. Tasks have no side effects, so a retried task returns the same gradient.
 *
 * <p>Activation statistics: a quantizer still in its statistics phase would collect a different
 * statistic on every shard; training refuses such a model. Calibrate it first ({@link
 * SparkCalibration}, Brevitas' recommended PTQ-then-QAT recipe): the first step then turns each
 * calibrated statistic into the learned scale, as it does on one machine. BatchNorm's running
 * statistics would be updated on the executors' copies only, so models with BatchNorm are refused.
 */
public final class SparkTrainer {
  private final JavaSparkContext spark;
  private final Model model;
  private final ModelSource source;
  private final Optimizer optimizer;
  private final TrainerConfig config;
  private final int partitions;
  private final List<TrainingListener> listeners = new ArrayList<>();

  /**
   * Parameter averaging: local steps per round, and how executors build their optimizer; null for
   * synchronous.
   */
  private int localSteps;

  private OptimizerFactory optimizerFactory;

  /**
   * Where the driver's time went, in nanoseconds: state serialisation, Spark jobs, reduction and
   * optimizer step.
   */
  private long stateNanos;

  private long jobNanos;
  private long reduceNanos;

  /** Summed over the synchronous tasks: loading the broadcast state, forward and backward. */
  private long taskLoadNanos;

  private long taskComputeNanos;

  /**
   * Tests only: the wrong reduction (mean of the shards' means) that must make the comparison fail.
   */
  boolean meanOfShardMeans;

  /**
   * @param model the driver's model (calibrated), updated in place
   * @param source builds the same model on the executors
   * @param optimizer steps {@code model}'s parameters on the driver
   * @param config as for {@link Trainer}; {@code accumulationShards} is ignored (one shard per
   *     partition)
   * @param partitions shards (tasks) per step
   */
  public SparkTrainer(
      JavaSparkContext spark,
      Model model,
      ModelSource source,
      Optimizer optimizer,
      TrainerConfig config,
      int partitions) {
    if (partitions <= 0) {
      throw new IllegalArgumentException("partitions must be positive, got " + partitions);
    }
    this.spark = spark;
    this.model = model;
    this.source = source;
    this.optimizer = optimizer;
    this.config = config;
    this.partitions = partitions;
  }

  /**
   * Switches to periodic parameter averaging: in each round every partition takes {@code
   * localSteps} optimizer steps on its own copy, one per global batch, on its shard of that batch
   * (loss: the shard's mean), then the driver averages the partitions' parameters and optimizer
   * state in partition order ({@link ModelState#average}). One Spark job per {@code localSteps}
   * steps instead of one per step, at the price of results that differ from single-process training
   * (each partition sees a smaller batch and drifts from the others between averages). A batch with
   * fewer examples than partitions (a tiny last batch) is skipped, so every partition takes the
   * same steps.
   *
   * @param factory builds, on the executors, the same kind of optimizer as the driver's
   */
  public SparkTrainer withParameterAveraging(int localSteps, OptimizerFactory factory) {
    if (localSteps <= 0) {
      throw new IllegalArgumentException("local steps must be positive, got " + localSteps);
    }
    this.localSteps = localSteps;
    this.optimizerFactory = factory;
    return this;
  }

  public SparkTrainer addListener(TrainingListener listener) {
    listeners.add(listener);
    return this;
  }

  /** Trains from the first step. */
  public TrainingState fit(DataSource train, DataSource test) throws IOException {
    return fit(train, test, TrainingState.start(config.seed(), config.batchSize()));
  }

  /**
   * Trains from {@code from} (a state from {@link Checkpoint#load}, at an epoch boundary or
   * mid-epoch) until the configured epochs or step limit.
   *
   * @param test evaluated (distributed) after each epoch; may be null
   */
  public TrainingState fit(DataSource train, DataSource test, TrainingState from)
      throws IOException {
    checkTrainable();
    Broadcast<Workers.DataRef> trainB = spark.broadcast(Workers.ref(train));
    Broadcast<Workers.DataRef> testB = test == null ? null : spark.broadcast(Workers.ref(test));
    try {
      return run(trainB, testB, from);
    } finally {
      trainB.destroy();
      if (testB != null) {
        testB.destroy();
      }
    }
  }

  private TrainingState run(
      Broadcast<Workers.DataRef> trainB, Broadcast<Workers.DataRef> testB, TrainingState from)
      throws IOException {
    Dataset trainData = Workers.dataset(trainB);
    BatchLoader loader =
        new BatchLoader(trainData, config.batchSize(), config.shuffle(), config.seed());
    int batchesPerEpoch = loader.numBatches();
    long runStart = System.nanoTime();
    long step = from.step();
    TrainingState state = from;
    for (int epoch = from.epoch(); epoch < config.epochs() && !limitReached(step); epoch++) {
      int[] order = loader.order(epoch);
      int first = epoch == from.epoch() ? from.batchInEpoch() : 0;
      long epochStart = System.nanoTime();
      double lossSum = 0;
      long images = 0;
      long correct = 0;
      int batchesRun = 0;
      int batch = first;
      model.train();
      for (; batch < batchesPerEpoch; batch++) {
        if (limitReached(step)) {
          break;
        }
        if (optimizerFactory != null) {
          int rounds = Math.min(localSteps, batchesPerEpoch - batch);
          if (config.maxSteps() > 0) {
            rounds = (int) Math.min(rounds, config.maxSteps() - step);
          }
          List<int[]> batchIndices = new ArrayList<>();
          for (int b = batch; b < batch + rounds; b++) {
            int[] idx =
                Arrays.copyOfRange(
                    order,
                    b * config.batchSize(),
                    Math.min((b + 1) * config.batchSize(), order.length));
            if (idx.length >= partitions) {
              batchIndices.add(idx);
            }
          }
          AveragingRound r = averagingRound(trainB, batchIndices);
          step += batchIndices.size();
          batch += rounds - 1;
          batchesRun += batchIndices.size();
          lossSum += r.lossSum() / partitions;
          for (int[] idx : batchIndices) {
            images += idx.length;
          }
          correct += r.correct();
          double epochSeconds = seconds(epochStart);
          StepMetrics m =
              new StepMetrics(
                  step,
                  epoch + 1,
                  config.epochs(),
                  batch + 1,
                  batchesPerEpoch,
                  batchIndices.isEmpty() ? 0 : batchIndices.get(0).length,
                  batchIndices.isEmpty()
                      ? Float.NaN
                      : (float) (r.lossSum() / partitions / batchIndices.size()),
                  lossSum / Math.max(1, batchesRun),
                  (double) correct / Math.max(1, images),
                  optimizer.lr(),
                  epochSeconds > 0 ? images / epochSeconds : 0,
                  seconds(runStart));
          for (TrainingListener l : listeners) {
            l.onStep(m);
          }
          continue;
        }
        int[] indices =
            Arrays.copyOfRange(
                order,
                batch * config.batchSize(),
                Math.min((batch + 1) * config.batchSize(), order.length));
        List<GradientShards.Result> shards = step(trainB, indices);
        float lossValue = 0f;
        int batchCorrect = 0;
        for (GradientShards.Result r : shards) {
          lossValue += r.loss();
          batchCorrect += r.correct();
        }
        long failingStep = step + 1;
        if (!Float.isFinite(lossValue)) {
          throw new IllegalStateException(
              "training diverged at step "
                  + failingStep
                  + " (epoch "
                  + (epoch + 1)
                  + ", batch "
                  + (batch + 1)
                  + " of "
                  + batchesPerEpoch
                  + "): loss is "
                  + lossValue);
        }
        long reduceStart = System.nanoTime();
        GradientShards.apply(model, shards);
        optimizer.step();
        reduceNanos += System.nanoTime() - reduceStart;
        step = failingStep;
        batchesRun++;
        lossSum += lossValue;
        images += indices.length;
        correct += batchCorrect;
        double epochSeconds = seconds(epochStart);
        StepMetrics m =
            new StepMetrics(
                step,
                epoch + 1,
                config.epochs(),
                batch + 1,
                batchesPerEpoch,
                indices.length,
                lossValue,
                lossSum / batchesRun,
                (double) correct / images,
                optimizer.lr(),
                epochSeconds > 0 ? images / epochSeconds : 0,
                seconds(runStart));
        for (TrainingListener l : listeners) {
          l.onStep(m);
        }
        if (config.checkpoint() != null
            && config.checkpointEvery() > 0
            && step % config.checkpointEvery() == 0
            && batch + 1 < batchesPerEpoch) {
          Checkpoint.save(
              config.checkpoint(), model, optimizer, position(step, epoch, batch + 1, from));
        }
      }
      if (batch < batchesPerEpoch) {
        state = position(step, epoch, batch, from);
        if (config.checkpoint() != null) {
          Checkpoint.save(config.checkpoint(), model, optimizer, state);
        }
        break;
      }
      EvalResult result =
          testB == null
              ? null
              : SparkEvaluator.evaluate(
                      spark, model, source, testB, config.evalBatchSize(), partitions)
                  .eval();
      state = position(step, epoch + 1, 0, from);
      if (config.checkpoint() != null) {
        Checkpoint.save(config.checkpoint(), model, optimizer, state);
      }
      EpochMetrics em =
          EpochMetrics.fromSums(
              epoch + 1,
              config.epochs(),
              step,
              lossSum,
              batchesRun,
              correct,
              images,
              result,
              seconds(epochStart));
      for (TrainingListener l : listeners) {
        l.onEpoch(em);
      }
    }
    for (TrainingListener l : listeners) {
      l.onEnd(state);
    }
    return state;
  }

  /** One synchronous step's Spark job: the gradients of the batch's shards, in partition order. */
  private List<GradientShards.Result> step(Broadcast<Workers.DataRef> trainB, int[] indices) {
    int[] bounds = GradientShards.bounds(indices.length, partitions);
    List<int[]> shards = new ArrayList<>();
    for (int i = 0; i < partitions; i++) {
      shards.add(Arrays.copyOfRange(indices, bounds[i], bounds[i + 1]));
    }
    int batchSize = indices.length;
    boolean wrong = meanOfShardMeans;
    int parts = partitions;
    ModelSource src = source;
    long t0 = System.nanoTime();
    Broadcast<ModelState> stateB = spark.broadcast(ModelState.of(model, null));
    long t1 = System.nanoTime();
    stateNanos += t1 - t0;
    try {
      List<ShardOutcome> results =
          spark
              .parallelize(shards, partitions)
              .map(
                  shard ->
                      shardGradient(
                          stateB.value(),
                          src,
                          Workers.dataset(trainB),
                          shard,
                          wrong ? shard.length * parts : batchSize))
              .collect();
      jobNanos += System.nanoTime() - t1;
      List<GradientShards.Result> nonEmpty = new ArrayList<>();
      for (ShardOutcome r : results) {
        taskLoadNanos += r.loadNanos();
        taskComputeNanos += r.computeNanos();
        if (r.result() != null) {
          nonEmpty.add(r.result());
        }
      }
      return nonEmpty;
    } finally {
      stateB.destroy();
    }
  }

  /**
   * What the partitions of one averaging round return: their states, loss sums (of shard means) and
   * correct counts.
   */
  record AveragingRound(double lossSum, long correct) {}

  /** One parameter-averaging round over {@code batches} (each cut into one shard per partition). */
  private AveragingRound averagingRound(Broadcast<Workers.DataRef> trainB, List<int[]> batches) {
    List<int[][]> work = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      int[][] shards = new int[batches.size()][];
      for (int b = 0; b < batches.size(); b++) {
        int[] bounds = GradientShards.bounds(batches.get(b).length, partitions);
        shards[b] = Arrays.copyOfRange(batches.get(b), bounds[p], bounds[p + 1]);
      }
      work.add(shards);
    }
    ModelSource src = source;
    OptimizerFactory factory = optimizerFactory;
    long t0 = System.nanoTime();
    Broadcast<ModelState> stateB = spark.broadcast(ModelState.of(model, optimizer));
    long t1 = System.nanoTime();
    stateNanos += t1 - t0;
    try {
      List<LocalSteps> results =
          spark
              .parallelize(work, partitions)
              .map(
                  shards ->
                      localSteps(stateB.value(), src, factory, Workers.dataset(trainB), shards))
              .collect();
      long t2 = System.nanoTime();
      jobNanos += t2 - t1;
      List<ModelState> states = new ArrayList<>();
      double loss = 0;
      long correct = 0;
      for (LocalSteps r : results) {
        states.add(r.state());
        loss += r.lossSum();
        correct += r.correct();
      }
      if (!Double.isFinite(loss)) {
        throw new IllegalStateException("training diverged: a partition's loss is " + loss);
      }
      ModelState.average(states).loadInto(model, optimizer);
      reduceNanos += System.nanoTime() - t2;
      return new AveragingRound(loss, correct);
    } finally {
      stateB.destroy();
    }
  }

  /** A partition's result in averaging mode. */
  record LocalSteps(ModelState state, double lossSum, long correct)
      implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
  }

  /**
   * An executor's averaging task: one local optimizer step per shard, in order, from the broadcast
   * state.
   */
  static LocalSteps localSteps(
      ModelState state,
      ModelSource source,
      OptimizerFactory factory,
      Dataset data,
      int[][] shards) {
    Workers.beforeTask();
    Model m = Workers.model(source, state.modelName());
    Optimizer opt = factory.create(m.parameters());
    state.loadInto(m, opt);
    m.train();
    double loss = 0;
    long correct = 0;
    for (int[] shard : shards) {
      GradientShards.Result r =
          GradientShards.compute(
              m,
              Workers.images(data, shard),
              Workers.labels(data, shard),
              Workers.shape(data, shard.length),
              shard.length);
      GradientShards.apply(m, List.of(r));
      opt.step();
      loss += r.loss();
      correct += r.correct();
    }
    return new LocalSteps(ModelState.of(m, opt), loss, correct);
  }

  /**
   * Seconds the driver spent so far serialising and broadcasting the state, waiting for the Spark
   * jobs (task launch, the tasks' own work, result transfer) and reducing plus stepping (or
   * averaging); in synchronous mode also the tasks' own time.
   */
  public String timeSpent() {
    String driver =
        String.format(
            java.util.Locale.ROOT,
            "state+broadcast %.1f s, Spark jobs %.1f s, reduce+step %.1f s",
            stateNanos / 1e9,
            jobNanos / 1e9,
            reduceNanos / 1e9);
    return taskComputeNanos == 0
        ? driver
        : driver
            + String.format(
                java.util.Locale.ROOT,
                "; in the tasks (summed over partitions): state load %.1f s, forward+backward %.1f s",
                taskLoadNanos / 1e9,
                taskComputeNanos / 1e9);
  }

  /**
   * An executor's task: the gradient of one shard; null for an empty shard (a batch smaller than
   * the partition count).
   */
  static ShardOutcome shardGradient(
      ModelState state, ModelSource source, Dataset data, int[] shard, int divisor) {
    Workers.beforeTask();
    if (shard.length == 0) {
      return new ShardOutcome(null, 0, 0);
    }
    long start = System.nanoTime();
    Model m = Workers.model(source, state.modelName());
    state.loadInto(m, null);
    m.train();
    long loaded = System.nanoTime();
    GradientShards.Result r =
        GradientShards.compute(
            m,
            Workers.images(data, shard),
            Workers.labels(data, shard),
            Workers.shape(data, shard.length),
            divisor);
    return new ShardOutcome(r, loaded - start, System.nanoTime() - loaded);
  }

  /**
   * A gradient task's result (null for an empty shard) and its own time: loading the state,
   * computing.
   */
  record ShardOutcome(GradientShards.Result result, long loadNanos, long computeNanos)
      implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
  }

  /**
   * Refuses what data-parallel steps cannot reproduce, and makes the one state change a first
   * training step makes on every copy (a calibrated statistic becomes the learned scale) on the
   * driver, so the optimizer updates the value the executors differentiated.
   */
  private void checkTrainable() {
    for (Module m : model.layers()) {
      if (m instanceof BatchNorm2d) {
        throw new IllegalArgumentException(
            model.modelName()
                + " has BatchNorm layer "
                + m.name()
                + ": data-parallel training on Spark does not update BatchNorm running statistics; fold or remove it");
      }
    }
    for (Map.Entry<String, ActQuantizer> e : ModelQuantizers.byPrefix(model).entrySet()) {
      ActQuantizer q = e.getValue();
      if (q.counter() < q.collectStatsSteps()) {
        throw new IllegalArgumentException(
            model.modelName()
                + ": activation quantizer "
                + e.getKey()
                + " is still collecting statistics ("
                + q.counter()
                + " of "
                + q.collectStatsSteps()
                + " steps); calibrate the model first (SparkCalibration, or --calibrate-batches)");
      }
      if (q.counter() == q.collectStatsSteps()) {
        q.restoreState(q.counter() + 1, q.collectStatsSteps(), q.buffer(), q.buffer());
      }
    }
    List<Parameter> mine = model.parameters();
    for (Parameter p : optimizer.parameters()) {
      if (!mine.contains(p)) {
        throw new IllegalArgumentException(
            "the optimizer updates "
                + p.name()
                + ", which is not a parameter of "
                + model.modelName());
      }
    }
  }

  private TrainingState position(long step, int epoch, int batchInEpoch, TrainingState from) {
    return new TrainingState(
        step, epoch, batchInEpoch, config.seed(), config.batchSize(), from.metadata());
  }

  private boolean limitReached(long step) {
    return config.maxSteps() > 0 && step >= config.maxSteps();
  }

  private static double seconds(long sinceNanos) {
    return (System.nanoTime() - sinceNanos) / 1e9;
  }
}
