package dev.qnn4j.runtime.train;

/**
 * Progress after one optimizer step.
 *
 * @param step optimizer steps completed in the run (1 after the first)
 * @param epoch the epoch in progress, 1-based
 * @param epochs the number of epochs of the run
 * @param batch batches of this epoch completed, 1-based
 * @param batchesPerEpoch batches in a full epoch
 * @param batchSize examples in this step's batch
 * @param loss this batch's mean cross-entropy
 * @param runningLoss mean loss over the batches of this epoch so far (in this process)
 * @param runningAccuracy training accuracy over the batches of this epoch so far
 * @param lr the optimizer's learning rate (NaN if it has none)
 * @param imagesPerSecond training throughput over this epoch so far
 * @param elapsedSeconds wall time since the run (or resume) started
 */
public record StepMetrics(
    long step,
    int epoch,
    int epochs,
    int batch,
    int batchesPerEpoch,
    int batchSize,
    float loss,
    double runningLoss,
    double runningAccuracy,
    float lr,
    double imagesPerSecond,
    double elapsedSeconds) {}
