package dev.qnn4j.runtime.train;

import java.nio.file.Path;

/**
 * How {@link Trainer} runs.
 *
 * @param epochs passes over the training set
 * @param batchSize training batch size (the last batch of an epoch may be smaller)
 * @param shuffle whether each epoch visits the examples in a seeded random order
 * @param seed the shuffling seed (use the same one for {@link Trainer#initialize})
 * @param maxSteps stop after this many optimizer steps in total, even mid-epoch; 0 for no limit
 * @param evalBatchSize batch size of the test-set evaluation after each epoch
 * @param checkpoint where to save a checkpoint after each epoch and when stopping at {@code
 *     maxSteps}, or null for none
 * @param checkpointEvery also save the checkpoint after every step whose number (counted from the
 *     start of the run, so a resumed run saves at the same steps) is a multiple of this, mid-epoch
 *     included; 0 for epoch ends only. Saving does not change the training result
 * @param accumulationShards cut every batch into this many contiguous shards (see {@link
 *     GradientShards#bounds}), run forward and backward shard by shard and sum their gradients in
 *     order before the optimizer's one step: trains with batches larger than memory allows at once,
 *     and reproduces a data-parallel run over as many workers bit for bit. 1 for whole batches. An
 *     activation quantizer still in its statistics phase counts each shard as a step
 */
public record TrainerConfig(
    int epochs,
    int batchSize,
    boolean shuffle,
    long seed,
    long maxSteps,
    int evalBatchSize,
    Path checkpoint,
    long checkpointEvery,
    int accumulationShards) {

  public TrainerConfig {
    if (epochs < 0) {
      throw new IllegalArgumentException("epochs must be non-negative, got " + epochs);
    }
    if (batchSize <= 0 || evalBatchSize <= 0) {
      throw new IllegalArgumentException(
          "batch sizes must be positive, got " + batchSize + " and " + evalBatchSize);
    }
    if (maxSteps < 0) {
      throw new IllegalArgumentException(
          "maxSteps must be non-negative (0 = no limit), got " + maxSteps);
    }
    if (checkpointEvery < 0) {
      throw new IllegalArgumentException(
          "checkpointEvery must be non-negative (0 = epoch ends only), got " + checkpointEvery);
    }
    if (accumulationShards <= 0) {
      throw new IllegalArgumentException(
          "accumulationShards must be positive (1 = whole batches), got " + accumulationShards);
    }
  }

  /** Whole batches (no gradient accumulation). */
  public TrainerConfig(
      int epochs,
      int batchSize,
      boolean shuffle,
      long seed,
      long maxSteps,
      int evalBatchSize,
      Path checkpoint,
      long checkpointEvery) {
    this(epochs, batchSize, shuffle, seed, maxSteps, evalBatchSize, checkpoint, checkpointEvery, 1);
  }

  /** Checkpoints (if any) at epoch ends and when stopping at {@code maxSteps} only. */
  public TrainerConfig(
      int epochs,
      int batchSize,
      boolean shuffle,
      long seed,
      long maxSteps,
      int evalBatchSize,
      Path checkpoint) {
    this(epochs, batchSize, shuffle, seed, maxSteps, evalBatchSize, checkpoint, 0);
  }

  /** Shuffled epochs, no step limit, evaluation in batches of 256, no checkpoints. */
  public static TrainerConfig of(int epochs, int batchSize, long seed) {
    return new TrainerConfig(epochs, batchSize, true, seed, 0, 256, null, 0);
  }

  public TrainerConfig withShuffle(boolean s) {
    return new TrainerConfig(
        epochs,
        batchSize,
        s,
        seed,
        maxSteps,
        evalBatchSize,
        checkpoint,
        checkpointEvery,
        accumulationShards);
  }

  public TrainerConfig withMaxSteps(long n) {
    return new TrainerConfig(
        epochs,
        batchSize,
        shuffle,
        seed,
        n,
        evalBatchSize,
        checkpoint,
        checkpointEvery,
        accumulationShards);
  }

  public TrainerConfig withEvalBatchSize(int n) {
    return new TrainerConfig(
        epochs,
        batchSize,
        shuffle,
        seed,
        maxSteps,
        n,
        checkpoint,
        checkpointEvery,
        accumulationShards);
  }

  public TrainerConfig withCheckpoint(Path file) {
    return new TrainerConfig(
        epochs,
        batchSize,
        shuffle,
        seed,
        maxSteps,
        evalBatchSize,
        file,
        checkpointEvery,
        accumulationShards);
  }

  /**
   * Also checkpoints after every {@code n}-th step (0: epoch ends only); needs {@link
   * #withCheckpoint}.
   */
  public TrainerConfig withCheckpointEvery(long n) {
    return new TrainerConfig(
        epochs,
        batchSize,
        shuffle,
        seed,
        maxSteps,
        evalBatchSize,
        checkpoint,
        n,
        accumulationShards);
  }

  /**
   * Accumulates the gradients of {@code n} shards per batch (1: whole batches); see the class
   * comment.
   */
  public TrainerConfig withAccumulationShards(int n) {
    return new TrainerConfig(
        epochs, batchSize, shuffle, seed, maxSteps, evalBatchSize, checkpoint, checkpointEvery, n);
  }
}
