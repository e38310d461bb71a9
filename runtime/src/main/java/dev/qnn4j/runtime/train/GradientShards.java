package dev.qnn4j.runtime.train;

import dev.qnn4j.runtime.Parameter;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.nn.Model;
import java.io.Serializable;
import java.util.List;

/**
 * The gradient of a batch's mean cross-entropy computed shard by shard and summed in shard order:
 * gradient accumulation in {@link Trainer} and data-parallel training (one shard per worker) share
 * this code, so both give bit-identical gradients for the same shards in the same order.
 *
 * <p>Each shard's loss is its summed cross-entropy divided by the whole batch's size (not the
 * shard's), so the sum of the shards' gradients is the gradient of the batch mean whatever the
 * shard sizes; averaging the shards' means instead would weigh the examples of small shards more.
 */
public final class GradientShards {
  private GradientShards() {}

  /**
   * Where each of {@code shards} contiguous shards of a batch of {@code batchSize} examples starts,
   * plus the end: shard {@code i} is {@code [b[i], b[i+1])} with {@code b[i] = floor(i * batchSize
   * / shards)}, so sizes differ by at most one (and a shard is empty if the batch has fewer
   * examples than shards).
   */
  public static int[] bounds(int batchSize, int shards) {
    if (batchSize < 0 || shards <= 0) {
      throw new IllegalArgumentException(
          "cannot cut a batch of " + batchSize + " into " + shards + " shards");
    }
    int[] b = new int[shards + 1];
    for (int i = 0; i <= shards; i++) {
      b[i] = (int) ((long) i * batchSize / shards);
    }
    return b;
  }

  /**
   * One shard's contribution: per parameter (in {@link Model#parameters()} order) its gradient,
   * null for a parameter the loss does not reach; its share of the batch loss; how many of its
   * examples were classified correctly; its size.
   */
  public record Result(float[][] gradients, float loss, int correct, int size)
      implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  /**
   * Forward and backward pass of one shard ({@code images [shape]}, {@code labels}) of a batch of
   * {@code batchSize} examples, with the model in its current mode (training, for QAT). Clears the
   * model's gradients before and after.
   */
  public static Result compute(
      Model model, float[] images, int[] labels, long[] shape, int batchSize) {
    List<Parameter> parameters = model.parameters();
    model.zeroGrad();
    Tensor logits = model.forward(Tensor.of(images, shape));
    Tensor loss = CrossEntropyLoss.mean(logits, labels, batchSize);
    float lossValue = loss.item();
    if (Float.isFinite(lossValue)) {
      loss.backward();
    }
    float[][] gradients = new float[parameters.size()][];
    for (int i = 0; i < gradients.length; i++) {
      // Handed over: the parameter keeps no reference, so the array is this result's alone.
      gradients[i] = parameters.get(i).takeGrad();
    }
    model.zeroGrad();
    return new Result(gradients, lossValue, Evaluator.countCorrect(logits, labels), labels.length);
  }

  /**
   * Sets the gradient of each of {@code model}'s parameters to the sum of the shards' gradients,
   * added in list order (a parameter no shard reaches keeps no gradient).
   */
  public static void apply(Model model, List<Result> shards) {
    List<Parameter> parameters = model.parameters();
    model.zeroGrad();
    for (Result r : shards) {
      if (r.gradients().length != parameters.size()) {
        throw new IllegalArgumentException(
            "a shard has gradients for "
                + r.gradients().length
                + " parameters but "
                + model.modelName()
                + " has "
                + parameters.size());
      }
      for (int i = 0; i < parameters.size(); i++) {
        if (r.gradients()[i] != null) {
          parameters.get(i).accumulateGrad(r.gradients()[i]);
        }
      }
    }
  }
}
