package dev.qnn4j.runtime.nn;

import dev.qnn4j.runtime.Tensor;

/**
 * Normalisation with one scalar weight and bias over every element of the tensor, as Brevitas'
 * bnn_pynq {@code TensorNorm}: in training the mean and variance of all elements (biased variance
 * to normalise, unbiased for the running variance, momentum 0.1 by default), in evaluation the
 * running statistics; eps 1e-4 by default. It is {@link BatchNorm} with a single channel spanning
 * the whole tensor, and like Brevitas' it has no {@code num_batches_tracked}.
 */
public final class TensorNorm extends BatchNorm {
  public TensorNorm(String name, float eps, float momentum) {
    super(name, 1, eps, momentum);
  }

  public TensorNorm(String name) {
    this(name, 1e-4f, 0.1f);
  }

  @Override
  protected void checkInput(Tensor x) {
    if (x.rank() < 1) {
      throw new LayerShapeException(name(), "a tensor of rank 1 or more", x.shape());
    }
    Shapes.checkNotEmpty(name(), x);
  }

  @Override
  protected int[] layout(long[] shape) {
    long all = 1;
    for (long d : shape) {
      all *= d;
    }
    return new int[] {1, (int) all};
  }

  @Override
  protected boolean tracksBatches() {
    return false;
  }

  @Override
  public String describe() {
    return "TensorNorm(eps=" + eps() + ", momentum=" + momentum() + ")";
  }
}
