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
 */
public record TrainerConfig(
    int epochs, int batchSize, boolean shuffle, long seed, long maxSteps, int evalBatchSize, Path checkpoint) {

  public TrainerConfig {
    if (epochs < 0) {
      throw new IllegalArgumentException("epochs must be non-negative, got " + epochs);
    }
    if (batchSize <= 0 || evalBatchSize <= 0) {
      throw new IllegalArgumentException("batch sizes must be positive, got " + batchSize + " and " + evalBatchSize);
    }
    if (maxSteps < 0) {
      throw new IllegalArgumentException("maxSteps must be non-negative (0 = no limit), got " + maxSteps);
    }
  }

  /** Shuffled epochs, no step limit, evaluation in batches of 256, no checkpoints. */
  public static TrainerConfig of(int epochs, int batchSize, long seed) {
    return new TrainerConfig(epochs, batchSize, true, seed, 0, 256, null);
  }

  public TrainerConfig withShuffle(boolean s) {
    return new TrainerConfig(epochs, batchSize, s, seed, maxSteps, evalBatchSize, checkpoint);
  }

  public TrainerConfig withMaxSteps(long n) {
    return new TrainerConfig(epochs, batchSize, shuffle, seed, n, evalBatchSize, checkpoint);
  }

  public TrainerConfig withEvalBatchSize(int n) {
    return new TrainerConfig(epochs, batchSize, shuffle, seed, maxSteps, n, checkpoint);
  }

  public TrainerConfig withCheckpoint(Path file) {
    return new TrainerConfig(epochs, batchSize, shuffle, seed, maxSteps, evalBatchSize, file);
  }
}
