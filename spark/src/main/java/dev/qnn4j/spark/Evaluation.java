package dev.qnn4j.spark;

import dev.qnn4j.runtime.train.EvalResult;

/**
 * A distributed evaluation's result and the predicted class of every example, in data set order.
 */
public record Evaluation(EvalResult eval, int[] predictions) {}
