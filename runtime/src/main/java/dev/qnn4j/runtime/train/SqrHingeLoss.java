package dev.qnn4j.runtime.train;

import dev.qnn4j.runtime.GradFn;
import dev.qnn4j.runtime.Tensor;

/**
 * The squared hinge loss of Brevitas' bnn_pynq examples ({@code models/losses.py}, {@code
 * SqrHingeLoss}), the loss its binarized networks are trained with: the class index {@code y} of a
 * row becomes the target {@code t = +1} at {@code y} and {@code -1} elsewhere (the bnn_pynq
 * trainer's one-hot), then {@code loss = mean(max(0, 1 - x * t)^2)} over all {@code N * C}
 * elements, and {@code dloss/dx = -2 * t * max(0, 1 - x * t) / (N * C)}.
 *
 * <p>Float32 as in PyTorch: {@code 1 - x * t} with one rounding per operation, the gradient as
 * {@code ((t * -2) * margin) / (N * C)}. The gradient is scaled by the upstream gradient (1 for a
 * loss at the root of the graph, which is how the trainer uses it); Brevitas' backward ignores the
 * upstream value, which only matters when the loss is itself scaled before {@code backward}.
 */
public final class SqrHingeLoss {
  private SqrHingeLoss() {}

  /** The mean over the {@code N * C} elements of logits {@code [N, C]}. */
  public static Tensor mean(Tensor logits, int[] labels) {
    return mean(logits, labels, labels.length);
  }

  /**
   * The summed loss of these rows divided by {@code divisorRows * C}: this shard's share of the
   * mean over a batch of {@code divisorRows} examples, so the shards' gradients add up to the
   * batch's.
   */
  public static Tensor mean(Tensor logits, int[] labels, int divisorRows) {
    if (logits.rank() != 2 || logits.size(0) != labels.length) {
      throw new IllegalArgumentException(
          "squared hinge loss: expected logits ["
              + labels.length
              + ", classes], got "
              + java.util.Arrays.toString(logits.shape()));
    }
    if (divisorRows < labels.length) {
      throw new IllegalArgumentException(
          "squared hinge loss: divisor "
              + divisorRows
              + " is smaller than the "
              + labels.length
              + " rows");
    }
    int n = labels.length;
    int c = (int) logits.size(1);
    float[] margins = new float[n * c];
    float loss = forward(logits.data(), n, c, labels, margins, divisorRows);
    return Tensor.result(
        new float[] {loss},
        new long[0],
        GradFn.of(
            "SqrHinge",
            g -> {
              float[] gx = new float[n * c];
              backward(margins, n, c, labels, g[0], divisorRows, gx);
              return new float[][] {gx};
            },
            logits));
  }

  /** The target of class {@code j} for a row of class {@code label}: +1 or -1. */
  static float target(int label, int j) {
    return j == label ? 1f : -1f;
  }

  /**
   * The summed squared margins of {@code x [n, c]} divided by {@code divisorRows * c}; writes each
   * element's margin {@code max(0, 1 - x * t)} to {@code margins} for {@link #backward}.
   */
  public static float forward(
      float[] x, int n, int c, int[] labels, float[] margins, int divisorRows) {
    double total = 0;
    for (int i = 0; i < n; i++) {
      int label = labels[i];
      if (label < 0 || label >= c) {
        throw new IllegalArgumentException(
            "squared hinge loss: label " + label + " of sample " + i + " is outside 0.." + (c - 1));
      }
      for (int j = 0; j < c; j++) {
        float product = x[i * c + j] * target(label, j);
        float margin = 1f - product;
        // PyTorch sets elements <= 0 to 0 (NaN stays NaN, and is then caught as a diverged loss).
        margin = margin <= 0f ? 0f : margin;
        margins[i * c + j] = margin;
        total += margin * margin;
      }
    }
    return (float) (total / ((double) divisorRows * c));
  }

  /**
   * The gradient of the loss times {@code upstream} with respect to the logits, into {@code gx}.
   */
  public static void backward(
      float[] margins, int n, int c, int[] labels, float upstream, int divisorRows, float[] gx) {
    float count = (float) divisorRows * c;
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < c; j++) {
        float margin = margins[i * c + j];
        // Multiplied by the mask (not selected), so a zero margin keeps the product's sign as in
        // PyTorch: -0.0 at the label, +0.0 elsewhere.
        float g = target(labels[i], j) * -2f * margin * (margin != 0f ? 1f : 0f);
        gx[i * c + j] = g / count * upstream;
      }
    }
  }
}
