package dev.qnn4j.samples.cli;

import dev.qnn4j.runtime.GradMode;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.nn.Model;
import java.util.Arrays;

/** Eval-mode forward passes over many images, in batches. */
final class Predictions {
  private Predictions() {}

  /**
   * The logits {@code [N, classes]} of {@code images} ({@code [N, inputShape...]}, row-major) in
   * eval mode without gradients, {@code batchSize} images at a time. Restores the model's mode.
   */
  static float[] logits(Model model, float[] images, long n, int batchSize, int classes) {
    long[] in = Models.inputShape(model);
    int imageSize = 1;
    for (long d : in) {
      imageSize *= (int) d;
    }
    float[] out = new float[Math.toIntExact(n * classes)];
    boolean training = model.isTraining();
    model.eval();
    GradMode.Scope noGrad = GradMode.noGrad();
    try {
      for (int start = 0; start < n; start += batchSize) {
        int b = (int) Math.min(batchSize, n - start);
        float[] batch = Arrays.copyOfRange(images, start * imageSize, (start + b) * imageSize);
        Tensor y = model.forward(Tensor.of(batch, Models.batchShape(model, b)));
        float[] v = y.toFloatArray();
        if (v.length != b * classes) {
          throw new IllegalStateException(
              model.modelName()
                  + " returned shape "
                  + Arrays.toString(y.shape())
                  + " for a batch of "
                  + b);
        }
        System.arraycopy(v, 0, out, start * classes, v.length);
      }
    } finally {
      noGrad.close();
      if (training) {
        model.train();
      }
    }
    return out;
  }

  /** Runs {@code body} without recording gradients. */
  static <T> T noGrad(java.util.function.Supplier<T> body) {
    GradMode.Scope scope = GradMode.noGrad();
    try {
      return body.get();
    } finally {
      scope.close();
    }
  }

  /** The index of the largest logit of each row (the first on ties, like the Evaluator). */
  static int[] argmax(float[] logits, int classes) {
    int n = logits.length / classes;
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      int best = 0;
      for (int j = 1; j < classes; j++) {
        if (logits[i * classes + j] > logits[i * classes + best]) {
          best = j;
        }
      }
      out[i] = best;
    }
    return out;
  }
}
