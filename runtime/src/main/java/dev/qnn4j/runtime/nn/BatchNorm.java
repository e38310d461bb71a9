package dev.qnn4j.runtime.nn;

import dev.qnn4j.runtime.GradFn;
import dev.qnn4j.runtime.Parameter;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.kernels.Normalization;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Batch normalisation over dimension 1 of {@code [N, C, ...]} data, PyTorch's semantics: batch
 * statistics in training (biased variance to normalise; running averages updated with the momentum
 * and the unbiased variance), running statistics in evaluation. Subclasses fix the input rank.
 */
public abstract class BatchNorm extends Module {
  private final int numFeatures;
  private final float eps;
  private final float momentum;
  private final Parameter weight;
  private final Parameter bias;
  private final float[] runningMean;
  private final float[] runningVar;
  private long batchesTracked;

  protected BatchNorm(String name, int numFeatures, float eps, float momentum) {
    super(name);
    this.numFeatures = numFeatures;
    this.eps = eps;
    this.momentum = momentum;
    float[] ones = new float[numFeatures];
    java.util.Arrays.fill(ones, 1f);
    this.weight = new Parameter(name + ".weight", ones, numFeatures);
    this.bias = new Parameter(name + ".bias", new float[numFeatures], numFeatures);
    this.runningMean = new float[numFeatures];
    this.runningVar = ones.clone();
  }

  public int numFeatures() {
    return numFeatures;
  }

  public float eps() {
    return eps;
  }

  public float[] runningMean() {
    return runningMean.clone();
  }

  public float[] runningVar() {
    return runningVar.clone();
  }

  @Override
  public List<Parameter> parameters() {
    return List.of(weight, bias);
  }

  @Override
  public void zeroGrad() {
    weight.zeroGrad();
    bias.zeroGrad();
  }

  @Override
  public Map<String, Tensor> stateDict() {
    Map<String, Tensor> s = new LinkedHashMap<>(super.stateDict());
    s.put(name() + ".running_mean", Tensor.of(runningMean.clone(), numFeatures));
    s.put(name() + ".running_var", Tensor.of(runningVar.clone(), numFeatures));
    if (tracksBatches()) {
      s.put(name() + ".num_batches_tracked", Tensor.scalar(batchesTracked));
    }
    return s;
  }

  @Override
  public java.util.Set<String> loadStateDict(Map<String, Tensor> state, boolean strict) {
    java.util.Set<String> used = new java.util.HashSet<>(super.loadStateDict(state, strict));
    copyInto(state, name() + ".running_mean", runningMean, used, strict);
    copyInto(state, name() + ".running_var", runningVar, used, strict);
    Tensor n = state.get(name() + ".num_batches_tracked");
    if (n != null) {
      batchesTracked = (long) n.item();
      used.add(name() + ".num_batches_tracked");
    }
    return used;
  }

  private void copyInto(
      Map<String, Tensor> state,
      String key,
      float[] dst,
      java.util.Set<String> used,
      boolean strict) {
    Tensor t = state.get(key);
    if (t == null) {
      if (strict) {
        throw new IllegalArgumentException("missing " + key + " in the state to load");
      }
      return;
    }
    if (t.numel() != dst.length) {
      throw new IllegalArgumentException(
          key + ": expected " + dst.length + " values, got " + t.numel());
    }
    System.arraycopy(t.toFloatArray(), 0, dst, 0, dst.length);
    used.add(key);
  }

  public Tensor forward(Tensor x) {
    checkInput(x);
    return dev.qnn4j.runtime.nn.Tracer.layer(this, normalise(x), x);
  }

  /**
   * Throws a {@link LayerShapeException} unless {@code x} has a rank and channel count this layer
   * takes.
   */
  protected abstract void checkInput(Tensor x);

  public float momentum() {
    return momentum;
  }

  /**
   * How the input's values group into channels: {@code {n, inner}} for a row-major layout {@code
   * [n, numFeatures, inner]}; by default {@code [N, C, ...]} with the trailing dimensions
   * flattened.
   */
  protected int[] layout(long[] shape) {
    int inner = 1;
    for (int d = 2; d < shape.length; d++) {
      inner *= (int) shape[d];
    }
    return new int[] {(int) shape[0], inner};
  }

  /** Whether the state dict has PyTorch's {@code num_batches_tracked} counter. */
  protected boolean tracksBatches() {
    return true;
  }

  private Tensor normalise(Tensor x) {
    long[] shape = x.shape();
    int[] layout = layout(shape);
    int n = layout[0];
    int c = numFeatures;
    int inner = layout[1];
    float[] xv = x.data();
    float[] gamma = weight.data();
    float[] mean = new float[c];
    float[] invStd = new float[c];
    float[] xhat = new float[xv.length];
    float[] out = new float[xv.length];
    boolean batchStats = forwardInto(xv, n, inner, mean, invStd, xhat, out);
    return Tensor.result(
        out,
        shape,
        GradFn.of(
            getClass().getSimpleName(),
            g -> {
              float[] gx = new float[xv.length];
              float[] gGamma = new float[c];
              float[] gBeta = new float[c];
              Normalization.backward(
                  g, n, c, inner, batchStats, gamma, invStd, xhat, gx, gGamma, gBeta);
              return new float[][] {gx, gGamma, gBeta};
            },
            x,
            weight,
            bias));
  }

  /**
   * The forward pass on caller-owned buffers, as the tape computes it, for {@code n} samples of
   * {@code inner} values per channel: batch statistics in training (updating the running ones),
   * running statistics in evaluation. Fills {@code mean}, {@code invStd} (per channel), {@code
   * xhat} and {@code out}; returns whether batch statistics were used, which {@link #backwardInto}
   * takes.
   */
  public boolean forwardInto(
      float[] x, int n, int inner, float[] mean, float[] invStd, float[] xhat, float[] out) {
    boolean batchStats = isTraining();
    if (batchStats) {
      Normalization.batchStatistics(
          x, n, numFeatures, inner, eps, momentum, runningMean, runningVar, mean, invStd);
      batchesTracked++;
    } else {
      Normalization.runningStatistics(numFeatures, eps, runningMean, runningVar, mean, invStd);
    }
    Normalization.normalise(
        x, n, numFeatures, inner, mean, invStd, weight.data(), bias.data(), xhat, out);
    return batchStats;
  }

  /**
   * The backward pass of {@link #forwardInto}: the input gradient into {@code gx} (null when not
   * needed), and the weight and bias gradients, computed into the scratch {@code gGamma} and {@code
   * gBeta} and added to the parameters' gradients, as the tape's backward does.
   */
  public void backwardInto(
      float[] g,
      int n,
      int inner,
      boolean batchStats,
      float[] invStd,
      float[] xhat,
      float[] gx,
      float[] gGamma,
      float[] gBeta) {
    Normalization.backward(
        g, n, numFeatures, inner, batchStats, weight.data(), invStd, xhat, gx, gGamma, gBeta);
    weight.accumulateGrad(gGamma);
    bias.accumulateGrad(gBeta);
  }

  /**
   * The per-channel factors {@code k = gamma / sqrt(var + eps)} that folding multiplies the
   * preceding layer's output channels by (its weights, and its bias after subtracting the mean).
   */
  public float[] foldFactors() {
    float[] gamma = weight.toFloatArray();
    float[] k = new float[numFeatures];
    for (int ch = 0; ch < numFeatures; ch++) {
      k[ch] = (float) (gamma[ch] / Math.sqrt(runningVar[ch] + eps));
    }
    return k;
  }

  /**
   * The bias folding gives the preceding layer whose bias is {@code convBias}: {@code (b - mean) *
   * k + beta} with {@code k} from {@link #foldFactors}. Does not change this layer.
   */
  public float[] foldedBias(float[] convBias) {
    if (convBias.length != numFeatures) {
      throw new IllegalArgumentException(
          name() + ": " + convBias.length + " bias values for " + numFeatures + " channels");
    }
    float[] k = foldFactors();
    float[] beta = bias.toFloatArray();
    float[] out = new float[numFeatures];
    for (int ch = 0; ch < numFeatures; ch++) {
      out[ch] = (convBias[ch] - runningMean[ch]) * k[ch] + beta[ch];
    }
    return out;
  }

  /** After folding into the preceding layer: this layer becomes the identity (up to eps). */
  protected void resetToIdentity() {
    java.util.Arrays.fill(runningMean, 0f);
    java.util.Arrays.fill(runningVar, 1f - eps);
    weight.set(filled(numFeatures, 1f));
    bias.set(new float[numFeatures]);
  }

  private static float[] filled(int n, float v) {
    float[] a = new float[n];
    java.util.Arrays.fill(a, v);
    return a;
  }
}
