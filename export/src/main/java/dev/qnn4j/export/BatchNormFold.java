package dev.qnn4j.export;

import dev.qnn4j.export.ExportGraph.Bias;
import dev.qnn4j.export.ExportGraph.BiasQuant;
import dev.qnn4j.export.ExportGraph.Compute;
import dev.qnn4j.export.ExportGraph.WeightQuant;
import dev.qnn4j.export.ExportGraph.Weights;
import dev.qnn4j.export.onnx.OnnxGraphBuilder;
import dev.qnn4j.runtime.nn.BatchNorm;
import dev.qnn4j.runtime.quant.IntRange;

/**
 * Folds an evaluation-mode BatchNorm2d, BatchNorm1d or TensorNorm into the exported constants of
 * the convolution or linear layer before it, with {@link BatchNorm#foldFactors()} {@code k} and
 * {@link BatchNorm#foldedBias} (the arithmetic of {@code BatchNorm2d.foldInto}), without touching
 * either layer; a TensorNorm's one factor applies to every output channel.
 *
 * <p>A float layer gets {@code w * k} per output channel. A quantized one keeps its integer weights
 * and gets per-channel scales {@code scale * |k|} (integers negated where {@code k < 0}): the
 * product {@code int * scale * k} is exactly what the unfolded layers compute, so no weight is
 * requantized. The folded bias is float in both cases.
 */
final class BatchNormFold {
  private BatchNormFold() {}

  static Compute fold(Compute conv, BatchNorm bn) {
    Weights w = conv.weights();
    int channels = (int) w.dims()[0];
    int perChannel = w.values().length / channels;
    float[] convBias = conv.bias() == null ? new float[channels] : dequantized(conv.bias());
    float[] k;
    float[] foldedBias;
    if (bn.numFeatures() == 1 && channels != 1) {
      // TensorNorm: one factor and shift for every channel
      k = new float[channels];
      foldedBias = new float[channels];
      for (int c = 0; c < channels; c++) {
        k[c] = bn.foldFactors()[0];
        foldedBias[c] = bn.foldedBias(new float[] {convBias[c]})[0];
      }
    } else {
      k = bn.foldFactors();
      foldedBias = bn.foldedBias(convBias);
    }
    Bias bias = new Bias(foldedBias, null);
    Weights folded;
    if (w.quant() == null) {
      float[] values = w.values().clone();
      for (int i = 0; i < values.length; i++) {
        values[i] *= k[i / perChannel];
      }
      folded = new Weights(values, w.dims(), null);
    } else {
      folded = foldQuantized(conv.layer(), bn, w, k, perChannel);
    }
    return new Compute(conv.layer(), conv.input(), conv.output(), folded, bias, conv.conv());
  }

  private static Weights foldQuantized(
      String layer, BatchNorm bn, Weights w, float[] k, int perChannel) {
    WeightQuant q = w.quant();
    IntRange range = new IntRange(q.bitWidth(), true, q.narrow());
    int[] ints = q.ints().clone();
    float[] scales = new float[k.length];
    float[] values = new float[ints.length];
    for (int c = 0; c < k.length; c++) {
      if (k[c] == 0 || !Float.isFinite(k[c])) {
        throw new ExportException(
            bn.name(),
            "channel " + c + " has fold factor " + k[c] + ", which no weight scale can carry");
      }
      scales[c] = q.scales()[q.scales().length == 1 ? 0 : c] * Math.abs(k[c]);
      for (int i = c * perChannel; i < (c + 1) * perChannel; i++) {
        if (k[c] < 0) {
          ints[i] = -ints[i];
          // A binary weight's negation (+1 <-> -1) stays binary.
          if (!q.binary() && ints[i] > range.max()) {
            throw new ExportException(
                bn.name(),
                "negative fold factor on channel "
                    + c
                    + " of "
                    + layer
                    + " negates integer weight "
                    + -ints[i]
                    + ", which "
                    + q.bitWidth()
                    + "-bit non-narrow weights cannot hold");
          }
        }
        values[i] = ints[i] * scales[c];
      }
    }
    return new Weights(
        values,
        w.dims(),
        new WeightQuant(ints, scales, true, q.bitWidth(), q.narrow(), q.binary()));
  }

  /** The bias the layer adds in evaluation mode: integers times their scale when quantized. */
  private static float[] dequantized(Bias bias) {
    BiasQuant q = bias.quant();
    if (q == null) {
      return bias.values();
    }
    float[] scales = OnnxGraphBuilder.biasScales(q.inputScale(), q.weightScales());
    float[] out = new float[q.ints().length];
    for (int i = 0; i < out.length; i++) {
      out[i] = q.ints()[i] * scales[scales.length == 1 ? 0 : i];
    }
    return out;
  }
}
