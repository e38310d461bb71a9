package dev.qnn4j.runtime.train;

import dev.qnn4j.runtime.Parameter;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.data.BatchLoader;
import dev.qnn4j.runtime.data.Dataset;
import dev.qnn4j.runtime.nn.CompiledStep;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.nn.Module;
import dev.qnn4j.runtime.nn.TraceEvent;
import dev.qnn4j.runtime.nn.Tracer;
import dev.qnn4j.runtime.nn.WeightLayer;
import dev.qnn4j.runtime.quant.NonFiniteStatisticException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Quantization-aware training: mini-batch gradient descent on the mean cross-entropy, with the
 * model's fake quantization in the forward pass and straight-through gradients in the backward
 * pass.
 *
 * <p>Each step: clear gradients, forward in training mode, loss, backward, optimizer step. After
 * each epoch the test set (if any) is evaluated and a checkpoint (if configured) is written; with
 * {@link TrainerConfig#checkpointEvery()} also every that many steps, mid-epoch. A mid-epoch
 * checkpoint carries the epoch's running loss and accuracy sums in its header, so a run resumed
 * from it reports the same epoch results as the uninterrupted run.
 *
 * <p>Runs are deterministic: with the same seed, data and configuration, two runs produce
 * bit-identical parameters, and a run resumed from a checkpoint continues exactly as the
 * uninterrupted run would have ({@link #initialize} seeds the parameters; shuffling depends on the
 * seed and epoch only).
 *
 * <p>With {@link TrainerConfig#accumulationShards()} above 1 each batch's gradient is computed
 * shard by shard and summed in order ({@link GradientShards}) before the optimizer's one step.
 *
 * <p>A NaN or infinite input, loss or gradient stops the run with a {@link
 * TrainingDivergedException} naming the step, before the parameters are updated; so does an update
 * that makes a parameter NaN or infinite (then the parameters in memory are not usable any more,
 * but no checkpoint is written with them).
 */
public final class Trainer {
  /**
   * Header entries of a mid-epoch checkpoint: the epoch's running sums so far (see the class
   * comment).
   */
  static final String EPOCH_LOSS_SUM_KEY = "qnn4j.epoch_loss_sum";

  static final String EPOCH_CORRECT_KEY = "qnn4j.epoch_correct";
  static final String EPOCH_IMAGES_KEY = "qnn4j.epoch_images";

  private final Model model;
  private final Optimizer optimizer;
  private final TrainerConfig config;
  private final List<TrainingListener> listeners = new ArrayList<>();
  private Loss loss = Loss.CROSS_ENTROPY;
  private WeightClipping clipping;

  public Trainer(Model model, Optimizer optimizer, TrainerConfig config) {
    this.model = model;
    this.optimizer = optimizer;
    this.config = config;
  }

  /**
   * The training loss (default {@link Loss#CROSS_ENTROPY}). A loss other than cross-entropy trains
   * on the tape (the compiled step computes cross-entropy) and whole batches only ({@code
   * accumulationShards = 1}). The test loss reported after each epoch stays cross-entropy.
   */
  public Trainer withLoss(Loss loss) {
    if (loss != Loss.CROSS_ENTROPY && config.accumulationShards() > 1) {
      throw new IllegalArgumentException(
          "the " + loss.id() + " loss trains whole batches only, not accumulated shards");
    }
    this.loss = loss;
    return this;
  }

  public Loss loss() {
    return loss;
  }

  /**
   * Clamps the constant-scale quantized weights to {@code [-bound, bound]} after every optimizer
   * step, as the bnn_pynq trainer does with bound 1 ({@link WeightClipping}).
   */
  public Trainer withWeightClipping(float bound) {
    this.clipping = WeightClipping.of(model, bound);
    return this;
  }

  public Trainer addListener(TrainingListener listener) {
    listeners.add(listener);
    return this;
  }

  /** The listeners added so far, in order (e.g. to hand the same ones to another training loop). */
  public List<TrainingListener> listeners() {
    return List.copyOf(listeners);
  }

  /**
   * Re-initialises every {@link WeightLayer}, in layer order, from one generator seeded with {@code
   * seed}, so the initial parameters depend on the seed alone.
   */
  public static void initialize(Model model, long seed) {
    Random rng = new Random(seed);
    for (Module m : model.layers()) {
      if (m instanceof WeightLayer w) {
        w.resetParameters(rng);
      }
    }
  }

  /** Trains from the first step. */
  public TrainingState fit(Dataset train, Dataset test) throws IOException {
    return fit(train, test, TrainingState.start(config.seed(), config.batchSize()));
  }

  /**
   * Trains from {@code from} (e.g. a state returned by {@link Checkpoint#load}) until {@link
   * TrainerConfig#epochs()} epochs are complete or {@link TrainerConfig#maxSteps()} is reached.
   *
   * @param test evaluated after each epoch; may be null
   * @return the state at the end, also saved as the final checkpoint if one is configured
   * @throws TrainingDivergedException if the input, loss or a gradient is not finite
   * @throws IOException if a checkpoint cannot be written
   */
  public TrainingState fit(Dataset train, Dataset test, TrainingState from) throws IOException {
    checkResumable(from);
    checkInputShape(train);
    if (test != null) {
      checkInputShape(test);
    }
    BatchLoader loader =
        new BatchLoader(train, config.batchSize(), config.shuffle(), config.seed());
    int batchesPerEpoch = loader.numBatches();
    long runStart = System.nanoTime();
    long step = from.step();
    // The compiled step computes cross-entropy; other losses run on the tape.
    CompiledStep compiled = loss == Loss.CROSS_ENTROPY ? model.compiledStep().orElse(null) : null;
    TrainingState state = from;
    Path lastCheckpoint = null;
    long lastCheckpointStep = -1;

    for (int epoch = from.epoch(); epoch < config.epochs() && !limitReached(step); epoch++) {
      int skip = epoch == from.epoch() ? from.batchInEpoch() : 0;
      long epochStart = System.nanoTime();
      double lossSum = 0;
      long images = 0;
      long correct = 0;
      int batchesRun = 0;
      int batchIndex = 0;
      boolean stopped = false;
      Map<String, String> meta = from.metadata();
      if (skip > 0 && meta.containsKey(EPOCH_LOSS_SUM_KEY)) {
        // Resuming mid-epoch: continue the epoch's sums where the checkpoint left them.
        lossSum = Double.parseDouble(meta.get(EPOCH_LOSS_SUM_KEY));
        correct = Long.parseLong(meta.getOrDefault(EPOCH_CORRECT_KEY, "0"));
        images = Long.parseLong(meta.getOrDefault(EPOCH_IMAGES_KEY, "0"));
        batchesRun = skip;
      }
      model.train();
      for (BatchLoader.Batch batch : loader.epoch(epoch)) {
        if (batchIndex < skip) {
          batchIndex++;
          continue;
        }
        if (limitReached(step)) {
          stopped = true;
          break;
        }
        // Where a divergence would be reported: this step, and the last checkpoint written so far.
        StepPosition at =
            new StepPosition(
                step + 1,
                epoch + 1,
                batchIndex + 1,
                batchesPerEpoch,
                lastCheckpoint,
                lastCheckpointStep);
        // Byte-coded images (uint8 files, IDX, CIFAR-10) cannot hold NaN: no scan on that path.
        String inputProblem = batch.knownFinite() ? null : nonFiniteInput(batch);
        if (inputProblem != null) {
          throw diverged(inputProblem, at);
        }
        model.zeroGrad();
        optimizer.zeroGrad();
        float lossValue;
        int batchCorrect;
        if (config.accumulationShards() > 1) {
          List<GradientShards.Result> shards = shardGradients(batch);
          lossValue = 0f;
          batchCorrect = 0;
          for (GradientShards.Result r : shards) {
            lossValue += r.loss();
            batchCorrect += r.correct();
          }
          if (!Float.isFinite(lossValue)) {
            throw diverged("loss is " + lossValue, at);
          }
          GradientShards.apply(model, shards);
        } else if (compiled != null) {
          // The compiled step: the tape's arithmetic, without the tape.
          float[] logits;
          try {
            logits = compiled.forward(batch.images(), batch.size());
          } catch (NonFiniteStatisticException e) {
            throw diverged(e.getMessage() + firstNonFiniteOnTheTape(batch), at);
          }
          lossValue = compiled.loss(batch.labels());
          if (!Float.isFinite(lossValue)) {
            // A compiled model keeps no state in its forward, so the tape may re-run it to name the
            // layer.
            Tensor input = Tensor.of(batch.images(), batch.shape());
            throw diverged(
                "loss is "
                    + lossValue
                    + Evaluator.firstNonFiniteStep(Tracer.trace(() -> model.forward(input))),
                at);
          }
          batchCorrect = Evaluator.countCorrect(logits, compiled.classes(), batch.labels());
          compiled.backward();
        } else {
          Tensor input = Tensor.of(batch.images(), batch.shape());
          // The trace costs a list of references per step and names the layer if the loss diverges.
          Tensor[] logitsHolder = new Tensor[1];
          List<TraceEvent> trace = new ArrayList<>();
          try {
            Tracer.trace(() -> logitsHolder[0] = model.forward(input), trace);
          } catch (NonFiniteStatisticException e) {
            // Caught while the quantizers collect statistics, before it becomes a scale; the layers
            // traced so far show where the non-finite values came from.
            throw diverged(e.getMessage() + Evaluator.firstNonFiniteStep(trace), at);
          }
          Tensor logits = logitsHolder[0];
          Tensor batchLoss = loss.mean(logits, batch.labels());
          lossValue = batchLoss.item();
          if (!Float.isFinite(lossValue)) {
            throw diverged("loss is " + lossValue + Evaluator.firstNonFiniteStep(trace), at);
          }
          batchCorrect = Evaluator.countCorrect(logits, batch.labels());
          batchLoss.backward();
        }
        String gradProblem = nonFiniteGradient();
        if (gradProblem != null) {
          throw diverged(gradProblem, at);
        }
        optimizer.step();
        if (clipping != null) {
          clipping.apply();
        }
        String paramProblem = nonFiniteParameter();
        if (paramProblem != null) {
          // Too large a step (e.g. the learning rate): never saved, so the last checkpoint stays
          // good.
          throw diverged(paramProblem, at);
        }
        step = at.step();
        batchIndex++;
        batchesRun++;
        lossSum += lossValue;
        images += batch.size();
        correct += batchCorrect;
        double epochSeconds = seconds(epochStart);
        StepMetrics m =
            new StepMetrics(
                step,
                at.epoch(),
                config.epochs(),
                at.batch(),
                batchesPerEpoch,
                batch.size(),
                lossValue,
                lossSum / batchesRun,
                (double) correct / images,
                optimizer.lr(),
                epochSeconds > 0 ? images / epochSeconds : 0,
                seconds(runStart));
        for (TrainingListener l : listeners) {
          l.onStep(m);
        }
        // Periodic mid-epoch checkpoint (the end of the epoch saves below, after the evaluation).
        if (config.checkpoint() != null
            && config.checkpointEvery() > 0
            && step % config.checkpointEvery() == 0
            && batchIndex < batchesPerEpoch
            && !limitReached(step)) {
          Checkpoint.save(
              config.checkpoint(),
              model,
              optimizer,
              position(step, epoch, batchIndex, from, lossSum, correct, images));
          lastCheckpoint = config.checkpoint();
          lastCheckpointStep = step;
        }
      }
      if (stopped) {
        state = position(step, epoch, batchIndex, from, lossSum, correct, images);
        break;
      }
      EvalResult result =
          test == null ? null : Evaluator.evaluate(model, test, config.evalBatchSize());
      state = position(step, epoch + 1, 0, from, 0, 0, 0);
      if (config.checkpoint() != null) {
        Checkpoint.save(config.checkpoint(), model, optimizer, state);
        lastCheckpoint = config.checkpoint();
        lastCheckpointStep = step;
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
    // A run cut short mid-epoch by the step limit saves where it stands, so it can be resumed.
    if (state.midEpoch() && config.checkpoint() != null && lastCheckpointStep != state.step()) {
      Checkpoint.save(config.checkpoint(), model, optimizer, state);
    }
    for (TrainingListener l : listeners) {
      l.onEnd(state);
    }
    return state;
  }

  /**
   * The gradients of the batch's {@link TrainerConfig#accumulationShards()} shards, in shard order.
   */
  private List<GradientShards.Result> shardGradients(BatchLoader.Batch batch) {
    int[] bounds = GradientShards.bounds(batch.size(), config.accumulationShards());
    int imageSize = batch.images().length / batch.size();
    long[] shape = batch.shape();
    List<GradientShards.Result> shards = new ArrayList<>();
    for (int i = 0; i + 1 < bounds.length; i++) {
      int from = bounds[i];
      int to = bounds[i + 1];
      if (from == to) {
        continue; // a batch smaller than the shard count leaves some shards empty
      }
      shape[0] = to - from;
      shards.add(
          GradientShards.compute(
              model,
              Arrays.copyOfRange(batch.images(), from * imageSize, to * imageSize),
              Arrays.copyOfRange(batch.labels(), from, to),
              shape.clone(),
              batch.size()));
    }
    return shards;
  }

  /**
   * The state after {@code step}: {@code batchInEpoch} batches into epoch {@code epoch} (0 at a
   * boundary), with the epoch's running sums in the metadata when mid-epoch.
   */
  private TrainingState position(
      long step,
      int epoch,
      int batchInEpoch,
      TrainingState from,
      double lossSum,
      long correct,
      long images) {
    Map<String, String> meta = new LinkedHashMap<>(from.metadata());
    meta.remove(EPOCH_LOSS_SUM_KEY);
    meta.remove(EPOCH_CORRECT_KEY);
    meta.remove(EPOCH_IMAGES_KEY);
    if (batchInEpoch > 0) {
      meta.put(EPOCH_LOSS_SUM_KEY, Double.toString(lossSum)); // round-trips exactly
      meta.put(EPOCH_CORRECT_KEY, Long.toString(correct));
      meta.put(EPOCH_IMAGES_KEY, Long.toString(images));
    }
    return new TrainingState(step, epoch, batchInEpoch, config.seed(), config.batchSize(), meta);
  }

  /** A training step's place in the run, for the message of a divergence found in it. */
  private record StepPosition(
      long step,
      int epoch,
      int batch,
      int batchesPerEpoch,
      Path lastCheckpoint,
      long lastCheckpointStep) {}

  /**
   * Where a compiled step's non-finite values came from, as the tape path says it: the batch again
   * through the tape, traced until its quantizer statistic turns non-finite once more (the
   * quantizers before that layer count the batch twice; training stops here anyway).
   */
  private String firstNonFiniteOnTheTape(BatchLoader.Batch batch) {
    Tensor input = Tensor.of(batch.images(), batch.shape());
    List<TraceEvent> trace = new ArrayList<>();
    try {
      Tracer.trace(() -> model.forward(input), trace);
    } catch (NonFiniteStatisticException again) {
      // Expected: the trace so far names the layer.
    }
    return Evaluator.firstNonFiniteStep(trace);
  }

  private TrainingDivergedException diverged(String problem, StepPosition at) {
    TrainingDivergedException e =
        new TrainingDivergedException(
            problem,
            at.step(),
            at.epoch(),
            at.batch(),
            at.batchesPerEpoch(),
            at.lastCheckpoint(),
            at.lastCheckpointStep());
    for (TrainingListener l : listeners) {
      l.onDiverged(e);
    }
    return e;
  }

  private boolean limitReached(long step) {
    return config.maxSteps() > 0 && step >= config.maxSteps();
  }

  private void checkResumable(TrainingState from) {
    if (from.seed() != config.seed()) {
      throw new IllegalArgumentException(
          "the state to resume was trained with seed "
              + from.seed()
              + " but the configuration has seed "
              + config.seed()
              + "; the data order would differ");
    }
    if (from.midEpoch() && from.batchSize() != config.batchSize()) {
      throw new IllegalArgumentException(
          "the state to resume stopped mid-epoch with batch size "
              + from.batchSize()
              + " but the configuration has batch size "
              + config.batchSize());
    }
  }

  private void checkInputShape(Dataset data) {
    long[] expected = model.inputShape();
    long[] actual = {data.channels(), data.height(), data.width()};
    if (expected.length > 0 && !Arrays.equals(expected, actual)) {
      throw new IllegalArgumentException(
          model.modelName()
              + " expects inputs of shape "
              + Arrays.toString(expected)
              + " but the data set has images of shape "
              + Arrays.toString(actual));
    }
  }

  /** Describes the first non-finite input value, or returns null. */
  private static String nonFiniteInput(BatchLoader.Batch batch) {
    float[] x = batch.images();
    for (int i = 0; i < x.length; i++) {
      if (!Float.isFinite(x[i])) {
        int image = i / (x.length / batch.size());
        return "the input contains "
            + x[i]
            + " (image "
            + image
            + " of the batch, data set example "
            + batch.indices()[image]
            + ")";
      }
    }
    return null;
  }

  /** Names the first parameter with a non-finite gradient, or returns null. */
  private String nonFiniteGradient() {
    for (Parameter p : optimizer.parameters()) {
      if (p.gradData() == null) {
        continue;
      }
      for (float g : p.gradData()) {
        if (!Float.isFinite(g)) {
          return "the gradient of " + p.name() + " contains " + g;
        }
      }
    }
    return null;
  }

  /** Names the first parameter the optimizer step made non-finite, or returns null. */
  private String nonFiniteParameter() {
    for (Parameter p : optimizer.parameters()) {
      for (float v : p.data()) {
        if (!Float.isFinite(v)) {
          return "the update left "
              + v
              + " in "
              + p.name()
              + " (the learning rate or weight decay may be too high)";
        }
      }
    }
    return null;
  }

  private static double seconds(long sinceNanos) {
    return (System.nanoTime() - sinceNanos) / 1e9;
  }
}
