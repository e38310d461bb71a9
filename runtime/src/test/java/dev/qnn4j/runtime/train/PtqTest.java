package dev.qnn4j.runtime.train;

import static com.google.common.truth.Truth.assertThat;

import dev.qnn4j.runtime.GradMode;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.graph.BiasCorrection;
import dev.qnn4j.runtime.graph.CrossLayerEqualization;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.nn.Module;
import dev.qnn4j.runtime.nn.QuantWeightLayer;
import dev.qnn4j.runtime.nn.WeightLayer;
import dev.qnn4j.runtime.train.TestModels.ChainNet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PtqTest {

  private static float[] output(Model model, Tensor x) {
    model.eval();
    try (GradMode.Scope ignored = GradMode.noGrad()) {
      return model.forward(x).toFloatArray();
    }
  }

  /** max / min over the output channels of a layer's per-channel max |w|. */
  private static double rangeRatio(WeightLayer w) {
    float[] v = w.weight().toFloatArray();
    int channels = (int) w.weight().size(0);
    int per = v.length / channels;
    double max = 0;
    double min = Double.POSITIVE_INFINITY;
    for (int c = 0; c < channels; c++) {
      double r = 0;
      for (int j = 0; j < per; j++) {
        r = Math.max(r, Math.abs(v[c * per + j]));
      }
      max = Math.max(max, r);
      min = Math.min(min, r);
    }
    return max / min;
  }

  /** Spreads the output channels of every layer over two orders of magnitude. */
  private static void unbalance(Model model, long seed) {
    Random rng = new Random(seed);
    for (Module m : model.layers()) {
      if (m instanceof WeightLayer w && w != model.layers().get(model.layers().size() - 1)) {
        float[] v = w.weight().toFloatArray();
        float[] b = w.bias().toFloatArray();
        int channels = b.length;
        int per = v.length / channels;
        for (int c = 0; c < channels; c++) {
          float k = (float) Math.pow(10, rng.nextDouble() * 2 - 1);
          for (int j = 0; j < per; j++) {
            v[c * per + j] *= k;
          }
          b[c] *= k;
        }
        w.weight().set(v);
        w.bias().set(b);
      }
    }
  }

  @Test
  void equalizationKeepsTheFloatFunctionAndEvensOutRanges() {
    ChainNet model = new ChainNet(0);
    Trainer.initialize(model, 5);
    unbalance(model, 6);
    Tensor x = TestModels.uniform(7, 6, 3, 12, 12);
    float[] before = output(model, x);
    double[] ratios = {rangeRatio(model.conv1), rangeRatio(model.conv2), rangeRatio(model.fc1)};

    List<CrossLayerEqualization.Pair> pairs =
        CrossLayerEqualization.equalize(model, TestModels.uniform(8, 1, 3, 12, 12));

    // conv1 -> relu -> pool -> conv2 -> relu -> flatten -> fc1 -> relu -> fc2: three pairs.
    assertThat(pairs)
        .containsExactly(
            new CrossLayerEqualization.Pair("conv1", "conv2"),
            new CrossLayerEqualization.Pair("conv2", "fc1"),
            new CrossLayerEqualization.Pair("fc1", "fc2"))
        .inOrder();
    float[] after = output(model, x);
    for (int i = 0; i < before.length; i++) {
      assertThat((double) after[i]).isWithin(1e-4).of(before[i]);
    }
    assertThat(rangeRatio(model.conv1)).isLessThan(ratios[0] / 2);
    assertThat(rangeRatio(model.conv2)).isLessThan(ratios[1] / 2);
    assertThat(rangeRatio(model.fc1)).isLessThan(ratios[2] / 2);
  }

  @Test
  void biasCorrectionReducesTheMeanOutputErrorOfFourBitWeights() {
    ChainNet model = new ChainNet(4);
    Trainer.initialize(model, 21);
    List<Tensor> calibration =
        List.of(
            TestModels.uniform(1, 32, 3, 12, 12),
            TestModels.uniform(2, 32, 3, 12, 12),
            TestModels.uniform(3, 32, 3, 12, 12));
    Tensor heldOut = TestModels.uniform(99, 64, 3, 12, 12);
    // The float model's outputs, before the biases change.
    float[] reference = floatOutput(model, heldOut);
    double before = meanError(reference, output(model, heldOut), 64);
    float[] fc2Bias = model.fc2.bias().toFloatArray();

    Map<String, float[]> corrections = BiasCorrection.apply(model, calibration);

    assertThat(corrections.keySet()).containsExactly("conv1", "conv2", "fc1", "fc2").inOrder();
    float[] corrected = model.fc2.bias().toFloatArray();
    for (int i = 0; i < corrected.length; i++) {
      assertThat(corrected[i]).isEqualTo(fc2Bias[i] + corrections.get("fc2")[i]);
    }
    double after = meanError(reference, output(model, heldOut), 64);
    assertThat(after).isLessThan(before * 0.2);
  }

  private static float[] floatOutput(ChainNet model, Tensor x) {
    List<QuantWeightLayer> layers = List.of(model.conv1, model.conv2, model.fc1, model.fc2);
    layers.forEach(w -> w.weightQuantizer().setEnabled(false));
    float[] out = output(model, x);
    layers.forEach(w -> w.weightQuantizer().setEnabled(true));
    return out;
  }

  /** The mean over output units of |mean over the examples of (reference - quantized)|. */
  private static double meanError(float[] reference, float[] quant, int examples) {
    int units = reference.length / examples;
    double total = 0;
    for (int u = 0; u < units; u++) {
      double sum = 0;
      for (int n = 0; n < examples; n++) {
        sum += reference[n * units + u] - quant[n * units + u];
      }
      total += Math.abs(sum / examples);
    }
    return total / units;
  }
}
