package dev.qnn4j.runtime.nn;

import java.util.Random;

/**
 * PyTorch's default initialisation of convolution and linear layers: weights from {@code
 * kaiming_uniform_(a = sqrt(5))}, i.e. U(-1/sqrt(fanIn), 1/sqrt(fanIn)), and biases from the same
 * bound. The distributions are PyTorch's; the random stream is Java's, seeded.
 */
public final class Init {
  private Init() {}

  public static float[] uniform(Random rng, int n, double bound) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
    }
    return v;
  }

  public static double defaultBound(int fanIn) {
    return fanIn > 0 ? 1.0 / Math.sqrt(fanIn) : 0;
  }
}
