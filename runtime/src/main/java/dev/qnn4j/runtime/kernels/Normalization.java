package dev.qnn4j.runtime.kernels;

/**
 * Batch normalisation over dimension 1 of row-major {@code [n, c, inner]} data on caller-owned
 * arrays: the arithmetic the tape's {@code BatchNorm} and compiled steps share. Sums are in double,
 * per channel, in index order.
 */
public final class Normalization {
  private Normalization() {}

  /**
   * The batch's per-channel {@code mean} and {@code invStd = 1 / sqrt(var + eps)} (biased
   * variance), and the running averages updated with {@code momentum} and the unbiased variance.
   */
  public static void batchStatistics(
      float[] x,
      int n,
      int c,
      int inner,
      float eps,
      float momentum,
      float[] runningMean,
      float[] runningVar,
      float[] mean,
      float[] invStd) {
    int m = n * inner;
    for (int ch = 0; ch < c; ch++) {
      double sum = 0;
      for (int s = 0; s < n; s++) {
        int base = (s * c + ch) * inner;
        for (int j = 0; j < inner; j++) {
          sum += x[base + j];
        }
      }
      double mu = sum / m;
      double sq = 0;
      for (int s = 0; s < n; s++) {
        int base = (s * c + ch) * inner;
        for (int j = 0; j < inner; j++) {
          double d = x[base + j] - mu;
          sq += d * d;
        }
      }
      double var = sq / m;
      mean[ch] = (float) mu;
      invStd[ch] = (float) (1.0 / Math.sqrt(var + eps));
      double unbiased = m > 1 ? sq / (m - 1) : var;
      runningMean[ch] = (1 - momentum) * runningMean[ch] + momentum * (float) mu;
      runningVar[ch] = (1 - momentum) * runningVar[ch] + momentum * (float) unbiased;
    }
  }

  /** Evaluation: {@code mean} and {@code invStd} from the running statistics. */
  public static void runningStatistics(
      int c, float eps, float[] runningMean, float[] runningVar, float[] mean, float[] invStd) {
    for (int ch = 0; ch < c; ch++) {
      mean[ch] = runningMean[ch];
      invStd[ch] = (float) (1.0 / Math.sqrt(runningVar[ch] + eps));
    }
  }

  /** {@code xhat = (x - mean) * invStd} and {@code out = xhat * gamma + beta}, per channel. */
  public static void normalise(
      float[] x,
      int n,
      int c,
      int inner,
      float[] mean,
      float[] invStd,
      float[] gamma,
      float[] beta,
      float[] xhat,
      float[] out) {
    for (int s = 0; s < n; s++) {
      for (int ch = 0; ch < c; ch++) {
        int base = (s * c + ch) * inner;
        for (int j = 0; j < inner; j++) {
          float h = (x[base + j] - mean[ch]) * invStd[ch];
          xhat[base + j] = h;
          out[base + j] = h * gamma[ch] + beta[ch];
        }
      }
    }
  }

  /**
   * The gradients for output gradient {@code g}, each overwritten: {@code gx} (null when not
   * needed), {@code gGamma} and {@code gBeta}. {@code batchStats}: whether forward normalised with
   * the batch's statistics (training), whose dependence on {@code x} then enters {@code gx}.
   */
  public static void backward(
      float[] g,
      int n,
      int c,
      int inner,
      boolean batchStats,
      float[] gamma,
      float[] invStd,
      float[] xhat,
      float[] gx,
      float[] gGamma,
      float[] gBeta) {
    int m = n * inner;
    for (int ch = 0; ch < c; ch++) {
      double sumG = 0;
      double sumGH = 0;
      for (int s = 0; s < n; s++) {
        int base = (s * c + ch) * inner;
        for (int j = 0; j < inner; j++) {
          sumG += g[base + j];
          sumGH += (double) g[base + j] * xhat[base + j];
        }
      }
      gBeta[ch] = (float) sumG;
      gGamma[ch] = (float) sumGH;
      if (gx == null) {
        continue;
      }
      for (int s = 0; s < n; s++) {
        int base = (s * c + ch) * inner;
        for (int j = 0; j < inner; j++) {
          if (batchStats) {
            double dxhat = (double) g[base + j] * gamma[ch];
            double meanDxhat = sumG * gamma[ch] / m;
            double meanDxhatH = sumGH * gamma[ch] / m;
            gx[base + j] = (float) (invStd[ch] * (dxhat - meanDxhat - xhat[base + j] * meanDxhatH));
          } else {
            gx[base + j] = g[base + j] * gamma[ch] * invStd[ch];
          }
        }
      }
    }
  }
}
