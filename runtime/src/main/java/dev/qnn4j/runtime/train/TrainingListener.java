package dev.qnn4j.runtime.train;

/** Receives a {@link Trainer}'s progress; all methods run on the training thread. */
public interface TrainingListener {
  /** After every optimizer step. */
  default void onStep(StepMetrics metrics) {}

  /** After every completed epoch, its evaluation and its checkpoint. */
  default void onEpoch(EpochMetrics metrics) {}

  /** When the run ends normally (all epochs done or the step limit reached). */
  default void onEnd(TrainingState state) {}

  /** When the run stops on a non-finite value, just before the exception propagates. */
  default void onDiverged(TrainingDivergedException e) {}
}
