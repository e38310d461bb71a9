package dev.qnn4j.runtime.train;

import java.nio.file.Path;

/**
 * Training stopped because a value became NaN or infinite: the input batch (checked before the
 * forward pass, so nothing was touched), the loss or a gradient (checked before the optimizer
 * update, so the parameters still hold the last good values, though activation statistics and
 * BatchNorm running averages may have seen the batch). A checkpoint on disk is never overwritten by
 * a failing step.
 */
public final class TrainingDivergedException extends RuntimeException {
  private final long step;
  private final int epoch;
  private final int batch;
  private final Path lastCheckpoint;

  TrainingDivergedException(
      String problem,
      long step,
      int epoch,
      int batch,
      int batchesPerEpoch,
      Path lastCheckpoint,
      long lastCheckpointStep) {
    super(
        "training stopped at step "
            + step
            + " (epoch "
            + epoch
            + ", batch "
            + batch
            + " of "
            + batchesPerEpoch
            + "): "
            + problem
            + "; "
            + (lastCheckpoint == null
                ? "no checkpoint was written in this run"
                : "the last good checkpoint is "
                    + lastCheckpoint
                    + " (step "
                    + lastCheckpointStep
                    + ")"));
    this.step = step;
    this.epoch = epoch;
    this.batch = batch;
    this.lastCheckpoint = lastCheckpoint;
  }

  /** The step that failed, 1-based (the step count it would have completed). */
  public long step() {
    return step;
  }

  /** The epoch of the failing step, 1-based. */
  public int epoch() {
    return epoch;
  }

  /** The failing batch within its epoch, 1-based. */
  public int batch() {
    return batch;
  }

  /** The last checkpoint this run wrote, or null. */
  public Path lastCheckpoint() {
    return lastCheckpoint;
  }
}
