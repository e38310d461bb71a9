package dev.qnn4j.runtime.train;

/**
 * The summary of one finished epoch.
 *
 * @param epoch the epoch, 1-based
 * @param epochs the number of epochs of the run
 * @param step optimizer steps completed in the run
 * @param trainLoss mean training loss over the epoch's batches (run in this process)
 * @param trainAccuracy training accuracy over the same batches (train-mode forward, before each
 *     update)
 * @param test the test-set evaluation, or null if the run has no test set
 * @param seconds wall time of the epoch, evaluation included
 */
public record EpochMetrics(
    int epoch,
    int epochs,
    long step,
    double trainLoss,
    double trainAccuracy,
    EvalResult test,
    double seconds) {

  /**
   * The metrics of an epoch from its running sums: the mean loss over {@code batches} and the
   * accuracy over {@code images} (NaN for an epoch that ran no batch, e.g. a resumed run at its
   * end).
   */
  public static EpochMetrics fromSums(
      int epoch,
      int epochs,
      long step,
      double lossSum,
      long batches,
      long correct,
      long images,
      EvalResult test,
      double seconds) {
    return new EpochMetrics(
        epoch,
        epochs,
        step,
        batches == 0 ? Double.NaN : lossSum / batches,
        images == 0 ? Double.NaN : (double) correct / images,
        test,
        seconds);
  }
}
