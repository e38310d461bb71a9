package dev.qnn4j.runtime.graph;

import dev.qnn4j.runtime.GradMode;
import dev.qnn4j.runtime.QuantTensor;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.nn.QuantConv2d;
import dev.qnn4j.runtime.nn.QuantLinear;
import dev.qnn4j.runtime.nn.QuantWeightLayer;
import dev.qnn4j.runtime.nn.TraceEvent;
import dev.qnn4j.runtime.nn.Tracer;
import dev.qnn4j.runtime.quant.BiasQuantizer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Empirical bias correction after post-training quantization, after Brevitas' {@code
 * bias_correction_mode} (Nagel et al. 2019, section 4.2): quantizing weights shifts the mean of a
 * layer's outputs, and adding the negated shift to the float bias removes it.
 *
 * <p>Exactly what {@link #apply} does:
 *
 * <ol>
 *   <li>Runs the model on each calibration batch in evaluation mode (quantization as at inference,
 *       no gradients, no statistics updates), recording every layer's input.
 *   <li>For every {@link QuantConv2d} and {@link QuantLinear} that has a bias and a weight or input
 *       quantizer, computes on that same input (a) the float output: float input, float weight,
 *       float bias; (b) the quantized output: input quantizer (at its evaluation scale), quantized
 *       weight and quantized bias, as the layer's forward does, but without the output quantizer.
 *   <li>Takes, per batch, the mean of {@code (a) - (b)} over every dimension except the output
 *       channel (dim 1: N, H, W for a convolution, N for a linear layer).
 *   <li>After all batches, adds the average of those per-batch means to the layer's float bias. All
 *       layers are measured in the same uncorrected passes and corrected together at the end.
 * </ol>
 *
 * Differences from Brevitas: a layer without a bias is skipped (Brevitas adds one; these layers
 * cannot grow a parameter), and during the measurement each layer receives the quantized model's
 * own activations, i.e. the inputs it sees at inference, whereas Brevitas feeds each corrected
 * layer's float output downstream. Run it after {@link Calibration#calibrate} so activation scales
 * are set.
 */
public final class BiasCorrection {
  private BiasCorrection() {}

  /**
   * Measures and applies the corrections.
   *
   * @return the correction added to each corrected layer's bias, by layer name, in layer-call order
   */
  public static Map<String, float[]> apply(Model model, Iterable<Tensor> batches) {
    Map<QuantWeightLayer, double[]> sums = new LinkedHashMap<>();
    Map<QuantWeightLayer, Integer> counts = new LinkedHashMap<>();
    boolean wasTraining = model.isTraining();
    model.eval();
    try (GradMode.Scope ignored = GradMode.noGrad()) {
      for (Tensor batch : batches) {
        for (TraceEvent e : Tracer.trace(() -> model.forward(batch))) {
          if (e.op() == TraceEvent.Op.LAYER
              && e.layer() instanceof QuantWeightLayer w
              && corrects(w)) {
            double[] error = meanError(w, e.inputs().get(0));
            double[] sum = sums.computeIfAbsent(w, k -> new double[error.length]);
            for (int c = 0; c < error.length; c++) {
              sum[c] += error[c];
            }
            counts.merge(w, 1, Integer::sum);
          }
        }
      }
    } finally {
      if (wasTraining) {
        model.train();
      }
    }
    Map<String, float[]> applied = new LinkedHashMap<>();
    for (Map.Entry<QuantWeightLayer, double[]> e : sums.entrySet()) {
      QuantWeightLayer w = e.getKey();
      int n = counts.get(w);
      float[] bias = w.bias().toFloatArray();
      float[] correction = new float[bias.length];
      for (int c = 0; c < bias.length; c++) {
        correction[c] = (float) (e.getValue()[c] / n);
        bias[c] += correction[c];
      }
      w.bias().set(bias);
      applied.put(w.name(), correction);
    }
    return applied;
  }

  private static boolean corrects(QuantWeightLayer w) {
    return w.bias() != null && (w.weightQuantizer() != null || w.inputQuantizer() != null);
  }

  /** Per output channel, the mean of float output minus quantized output for input {@code x}. */
  private static double[] meanError(QuantWeightLayer w, Tensor x) {
    Tensor floatOut = w.compute(x, w.weight(), w.bias());
    Tensor in = w.inputQuantizer() == null ? x : w.inputQuantizer().forward(x, false);
    Tensor weight = w.quantWeight();
    Tensor bias = w.bias();
    if (w.biasQuantizer() != null
        && w.biasQuantizer().enabled()
        && in instanceof QuantTensor qin
        && weight instanceof QuantTensor qw) {
      bias = w.biasQuantizer().quantize(bias, BiasQuantizer.scale(qin, qw));
    }
    Tensor quantOut = w.compute(in, weight, bias);
    float[] f = floatOut.toFloatArray();
    float[] q = quantOut.toFloatArray();
    long[] shape = floatOut.shape();
    int channels = (int) shape[1];
    int inner = (int) (f.length / shape[0] / channels);
    double[] mean = new double[channels];
    for (int i = 0; i < f.length; i++) {
      mean[(i / inner) % channels] += (double) f[i] - q[i];
    }
    double perChannel = (double) f.length / channels;
    for (int c = 0; c < channels; c++) {
      mean[c] /= perChannel;
    }
    return mean;
  }
}
