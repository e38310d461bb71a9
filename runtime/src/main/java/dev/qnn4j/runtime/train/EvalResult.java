package dev.qnn4j.runtime.train;

/**
 * The result of evaluating a model on a data set.
 *
 * @param accuracy fraction of examples whose highest logit is the label, in [0, 1]
 * @param loss mean cross-entropy over the examples
 * @param correct number of correctly classified examples
 * @param count number of examples
 */
public record EvalResult(double accuracy, double loss, int correct, int count) {}
