package dev.qnn4j.runtime.train;

import dev.qnn4j.runtime.GradFn;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.kernels.KernelProfile;

/**
 * Mean cross-entropy of logits {@code [N, C]} against class indices (PyTorch's {@code
 * F.cross_entropy}).
 */
public final class CrossEntropyLoss {
  private CrossEntropyLoss() {}

  public static Tensor mean(Tensor logits, int[] labels) {
    return mean(logits, labels, labels.length);
  }

  /**
   * The summed cross-entropy of these rows divided by {@code divisor}: this shard's share of the
   * mean over a batch of {@code divisor} examples, so the gradients of a batch's shards add up to
   * the gradient of its mean (gradient accumulation, data-parallel training).
   */
  public static Tensor mean(Tensor logits, int[] labels, int divisor) {
    if (divisor < labels.length) {
      throw new IllegalArgumentException(
          "cross entropy: divisor " + divisor + " is smaller than the " + labels.length + " rows");
    }
    if (logits.rank() != 2 || logits.size(0) != labels.length) {
      throw new IllegalArgumentException(
          "cross entropy: expected logits ["
              + labels.length
              + ", classes], got "
              + java.util.Arrays.toString(logits.shape()));
    }
    int n = labels.length;
    int c = (int) logits.size(1);
    float[] softmax = new float[n * c];
    float loss = forward(logits.data(), n, c, labels, softmax, divisor);
    return Tensor.result(
        new float[] {loss},
        new long[0],
        GradFn.of(
            "CrossEntropy",
            g -> {
              float[] gx = new float[n * c];
              backward(softmax, n, c, labels, g[0], divisor, gx);
              return new float[][] {gx};
            },
            logits));
  }

  /**
   * {@link #forward(float[], int, int, int[], float[], int)} of the mean over the {@code n} rows.
   */
  public static float forward(float[] x, int n, int c, int[] labels, float[] softmax) {
    return forward(x, n, c, labels, softmax, n);
  }

  /**
   * The summed loss of {@code x [n, c]} divided by {@code divisor}; writes the softmax of each row
   * to {@code softmax} for {@link #backward}. The tape and the compiled training steps share this
   * arithmetic.
   */
  public static float forward(float[] x, int n, int c, int[] labels, float[] softmax, int divisor) {
    long profileStart = KernelProfile.begin();
    double total = 0;
    for (int i = 0; i < n; i++) {
      int label = labels[i];
      if (label < 0 || label >= c) {
        throw new IllegalArgumentException(
            "cross entropy: label " + label + " of sample " + i + " is outside 0.." + (c - 1));
      }
      float max = Float.NEGATIVE_INFINITY;
      for (int j = 0; j < c; j++) {
        max = Math.max(max, x[i * c + j]);
      }
      double sum = 0;
      for (int j = 0; j < c; j++) {
        sum += Math.exp(x[i * c + j] - max);
      }
      double logSum = Math.log(sum);
      for (int j = 0; j < c; j++) {
        softmax[i * c + j] = (float) (Math.exp(x[i * c + j] - max) / sum);
      }
      total += -((x[i * c + label] - max) - logSum);
    }
    KernelProfile.end(profileStart, "cross-entropy", (long) n * c);
    return (float) (total / divisor);
  }

  /**
   * {@link #backward(float[], int, int, int[], float, int, float[])} of the mean over the {@code n}
   * rows.
   */
  public static void backward(
      float[] softmax, int n, int c, int[] labels, float upstream, float[] gx) {
    backward(softmax, n, c, labels, upstream, n, gx);
  }

  /**
   * The gradient of the loss times {@code upstream} with respect to the logits, into {@code gx}.
   */
  public static void backward(
      float[] softmax, int n, int c, int[] labels, float upstream, int divisor, float[] gx) {
    long profileStart = KernelProfile.begin();
    float scale = upstream / divisor;
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < c; j++) {
        gx[i * c + j] = (softmax[i * c + j] - (j == labels[i] ? 1f : 0f)) * scale;
      }
    }
    KernelProfile.end(profileStart, "cross-entropy backward", (long) n * c);
  }
}
