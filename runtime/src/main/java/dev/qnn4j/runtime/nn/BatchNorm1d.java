package dev.qnn4j.runtime.nn;

import dev.qnn4j.runtime.Tensor;

/**
 * Batch normalisation over the features of {@code [N, C]} or {@code [N, C, L]} data (PyTorch's
 * {@code nn.BatchNorm1d}); the arithmetic is {@link BatchNorm}'s: statistics per feature over the
 * batch (and the length), biased variance to normalise, unbiased variance for the running average.
 */
public final class BatchNorm1d extends BatchNorm {
  public BatchNorm1d(String name, int numFeatures, float eps, float momentum) {
    super(name, numFeatures, eps, momentum);
  }

  public BatchNorm1d(String name, int numFeatures) {
    this(name, numFeatures, 1e-5f, 0.1f);
  }

  @Override
  protected void checkInput(Tensor x) {
    long[] s = x.shape();
    if ((s.length != 2 && s.length != 3) || s[1] != numFeatures()) {
      throw new LayerShapeException(
          name(),
          "[N, "
              + numFeatures()
              + "] or [N, "
              + numFeatures()
              + ", L] (num_features = "
              + numFeatures()
              + ")",
          s);
    }
    Shapes.checkNotEmpty(name(), x);
  }

  @Override
  public String describe() {
    return "BatchNorm1d(" + numFeatures() + ", eps=" + eps() + ", momentum=" + momentum() + ")";
  }
}
