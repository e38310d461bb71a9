package dev.qnn4j.runtime.train;

import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.autograd.GradFn;

/** Mean cross-entropy of logits {@code [N, C]} against class indices (PyTorch's {@code F.cross_entropy}). */
public final class CrossEntropyLoss {
  private CrossEntropyLoss() {}

  public static Tensor mean(Tensor logits, int[] labels) {
    if (logits.rank() != 2 || logits.size(0) != labels.length) {
      throw new IllegalArgumentException("cross entropy: expected logits [" + labels.length
          + ", classes], got " + java.util.Arrays.toString(logits.shape()));
    }
    int n = labels.length;
    int c = (int) logits.size(1);
    float[] softmax = new float[n * c];
    float loss = forward(logits.data(), n, c, labels, softmax);
    return Tensor.result(new float[] {loss}, new long[0], GradFn.of("CrossEntropy", g -> {
      float[] gx = new float[n * c];
      backward(softmax, n, c, labels, g[0], gx);
      return new float[][] {gx};
    }, logits));
  }

  /**
   * The mean loss of {@code x [n, c]}; writes the softmax of each row to {@code softmax} for {@link
   * #backward}. The tape and the compiled training steps share this arithmetic.
   */
  public static float forward(float[] x, int n, int c, int[] labels, float[] softmax) {
    double total = 0;
    for (int i = 0; i < n; i++) {
      int label = labels[i];
      if (label < 0 || label >= c) {
        throw new IllegalArgumentException("cross entropy: label " + label + " of sample " + i
            + " is outside 0.." + (c - 1));
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
    return (float) (total / n);
  }

  /** The gradient of the mean loss times {@code upstream} with respect to the logits, into {@code gx}. */
  public static void backward(float[] softmax, int n, int c, int[] labels, float upstream, float[] gx) {
    float scale = upstream / n;
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < c; j++) {
        gx[i * c + j] = (softmax[i * c + j] - (j == labels[i] ? 1f : 0f)) * scale;
      }
    }
  }
}
