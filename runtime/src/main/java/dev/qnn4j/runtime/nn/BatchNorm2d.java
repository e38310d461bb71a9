package dev.qnn4j.runtime.nn;

import dev.qnn4j.runtime.Tensor;

/**
 * Batch normalisation over the channels of NCHW data (PyTorch's {@code nn.BatchNorm2d}); the
 * arithmetic is {@link BatchNorm}'s. {@link #foldInto} merges it into the preceding convolution for
 * export.
 */
public final class BatchNorm2d extends BatchNorm {
  public BatchNorm2d(String name, int numFeatures, float eps, float momentum) {
    super(name, numFeatures, eps, momentum);
  }

  public BatchNorm2d(String name, int numFeatures) {
    this(name, numFeatures, 1e-5f, 0.1f);
  }

  @Override
  protected void checkInput(Tensor x) {
    Shapes.checkRank(name(), x, 4, "[N, C, H, W]");
    if (x.size(1) != numFeatures()) {
      throw new LayerShapeException(
          name(),
          "[N, " + numFeatures() + ", H, W] (num_features = " + numFeatures() + ")",
          x.shape());
    }
  }

  /**
   * Folds this layer's evaluation-mode transform into {@code conv}'s weight and bias: {@code w' = w
   * * gamma / sqrt(var + eps)}, {@code b' = (b - mean) * gamma / sqrt(var + eps) + beta}. The
   * convolution must have a bias to receive the shift.
   */
  public void foldInto(Conv2d conv) {
    if (conv.options().outChannels() != numFeatures()) {
      throw new IllegalArgumentException(
          name()
              + ": cannot fold "
              + numFeatures()
              + " channels into "
              + conv.name()
              + " with "
              + conv.options().outChannels()
              + " output channels");
    }
    if (conv.bias() == null) {
      throw new IllegalArgumentException(
          name() + ": folding into " + conv.name() + " needs a conv bias");
    }
    float[] w = conv.weight().toFloatArray();
    float[] k = foldFactors();
    float[] b = foldedBias(conv.bias().toFloatArray());
    int per = w.length / numFeatures();
    for (int ch = 0; ch < numFeatures(); ch++) {
      for (int j = 0; j < per; j++) {
        w[ch * per + j] *= k[ch];
      }
    }
    conv.weight().set(w);
    conv.bias().set(b);
    resetToIdentity();
  }

  @Override
  public String describe() {
    return "BatchNorm2d(" + numFeatures() + ", eps=" + eps() + ", momentum=" + momentum() + ")";
  }
}
