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
    double seconds) {}
