package dev.qnn4j.runtime.train;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where a training run stands, as saved in a checkpoint: enough, with the model and optimizer
 * state, for {@link Trainer} to continue exactly where it stopped.
 *
 * <p>Shuffling depends only on the seed and the epoch index (see {@link
 * dev.qnn4j.runtime.data.BatchLoader}), so the position in the data is just the epoch and the
 * number of batches already taken from it; no random-generator state needs saving.
 *
 * @param step optimizer steps completed since the start of the run
 * @param epoch epochs completed (the 0-based index of the epoch in progress)
 * @param batchInEpoch batches of epoch {@code epoch} already trained on (0 at an epoch boundary)
 * @param seed the seed of parameter initialisation and shuffling
 * @param batchSize the training batch size ({@code batchInEpoch} counts batches of this size)
 * @param metadata free-form string entries stored in the checkpoint header (e.g. the command line);
 *     on load, the whole header metadata
 */
public record TrainingState(
    long step,
    int epoch,
    int batchInEpoch,
    long seed,
    int batchSize,
    Map<String, String> metadata) {

  public TrainingState {
    if (step < 0 || epoch < 0 || batchInEpoch < 0) {
      throw new IllegalArgumentException(
          "step, epoch and batchInEpoch must be non-negative, got "
              + step
              + ", "
              + epoch
              + ", "
              + batchInEpoch);
    }
    if (batchSize <= 0) {
      throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
    }
    metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
  }

  /** The state before the first step. */
  public static TrainingState start(long seed, int batchSize) {
    return new TrainingState(0, 0, 0, seed, batchSize, Map.of());
  }

  /** The same position with one more metadata entry. */
  public TrainingState withMetadata(String key, String value) {
    Map<String, String> m = new LinkedHashMap<>(metadata);
    m.put(key, value);
    return new TrainingState(step, epoch, batchInEpoch, seed, batchSize, m);
  }

  /** Whether the state lies inside an epoch rather than at its boundary. */
  public boolean midEpoch() {
    return batchInEpoch > 0;
  }
}
