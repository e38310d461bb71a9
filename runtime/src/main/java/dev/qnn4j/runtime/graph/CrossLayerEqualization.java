package dev.qnn4j.runtime.graph;

import dev.qnn4j.runtime.GradMode;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.nn.Conv2d;
import dev.qnn4j.runtime.nn.Linear;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.nn.Module;
import dev.qnn4j.runtime.nn.QuantMaxPool2d;
import dev.qnn4j.runtime.nn.QuantReLU;
import dev.qnn4j.runtime.nn.ReLU;
import dev.qnn4j.runtime.nn.TraceEvent;
import dev.qnn4j.runtime.nn.Tracer;
import dev.qnn4j.runtime.nn.WeightLayer;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Cross-layer equalization (Nagel et al. 2019, "Data-Free Quantization through Weight Equalization
 * and Bias Correction", section 4.1), the method of Brevitas' {@code equalize}: it rescales
 * consecutive layers so that per-channel weight ranges even out, which makes per-tensor weight
 * quantization lose less, without changing the float function.
 *
 * <p>For a source layer feeding a sink layer through operations that commute with a positive
 * per-channel scale (ReLU, max or average pooling, flatten): with {@code r1[c] = max|W1[c, ...]|}
 * over output channel c of the source and {@code r2[c] = max|W2[:, c, ...]|} over the sink's input
 * channel c (after flatten, the block of input features that channel c became), the scale {@code
 * s[c] = sqrt(r1[c] / r2[c])} divides the source's output channel c (weights and bias) and
 * multiplies the sink's input channel c. Since {@code relu(x / s) = relu(x) / s} for {@code s > 0},
 * the network computes the same function, and both ranges become {@code sqrt(r1[c] r2[c])}.
 * Channels with a zero range are left alone.
 *
 * <p>Pairs are found by tracing one forward pass: the source's output and every intermediate tensor
 * must feed only the next step (no residual branch), both layers must be a {@link Conv2d} with one
 * group or a {@link Linear} (float or quantized), and each called once. Because equalizing a pair
 * changes the ranges of its neighbours in a chain, all pairs are swept repeatedly until the scales
 * converge (or {@code iterations} sweeps). Ranges are the symmetric max-abs ranges and biases do
 * not enter them (Brevitas' {@code equalize} with {@code merge_bias=False}). Run it on float
 * weights, before calibration: activation quantizers between the layers see rescaled values
 * afterwards.
 */
public final class CrossLayerEqualization {
  /** Sweeps when not given; chains converge in a few. */
  public static final int DEFAULT_ITERATIONS = 20;

  /** A sweep whose scales all lie within this of 1 ends the iteration. */
  private static final double CONVERGED = 1e-4;

  /** An equalized pair: {@code source}'s output channels feed {@code sink}'s input channels. */
  public record Pair(String source, String sink) {}

  private record Link(WeightLayer source, WeightLayer sink, int block) {}

  private CrossLayerEqualization() {}

  public static List<Pair> equalize(Model model, Tensor sampleInput) {
    return equalize(model, sampleInput, DEFAULT_ITERATIONS);
  }

  /**
   * Equalizes every eligible pair of {@code model}, traced on {@code sampleInput} (one batch of the
   * model's input shape; its values do not matter).
   *
   * @return the pairs found, in the order of the forward pass
   */
  public static List<Pair> equalize(Model model, Tensor sampleInput, int iterations) {
    if (iterations < 1) {
      throw new IllegalArgumentException("iterations must be positive, got " + iterations);
    }
    List<Link> links = findPairs(model, sampleInput);
    for (int it = 0; it < iterations; it++) {
      double change = 0;
      for (Link link : links) {
        change = Math.max(change, equalizePair(link));
      }
      if (change < CONVERGED) {
        break;
      }
    }
    List<Pair> pairs = new ArrayList<>();
    for (Link l : links) {
      pairs.add(new Pair(l.source().name(), l.sink().name()));
    }
    return pairs;
  }

  // ------------------------------------------------------------------------------------------
  // Finding pairs

  private static List<Link> findPairs(Model model, Tensor sampleInput) {
    List<TraceEvent> events;
    boolean wasTraining = model.isTraining();
    model.eval();
    try (GradMode.Scope ignored = GradMode.noGrad()) {
      events = Tracer.trace(() -> model.forward(sampleInput));
    } finally {
      if (wasTraining) {
        model.train();
      }
    }
    Map<Tensor, TraceEvent> producer = new IdentityHashMap<>();
    Map<Tensor, Integer> uses = new IdentityHashMap<>();
    Map<Module, Integer> calls = new IdentityHashMap<>();
    for (TraceEvent e : events) {
      producer.put(e.output(), e);
      for (Tensor t : e.inputs()) {
        uses.merge(t, 1, Integer::sum);
      }
      if (e.layer() != null) {
        calls.merge(e.layer(), 1, Integer::sum);
      }
    }
    List<Link> links = new ArrayList<>();
    for (TraceEvent e : events) {
      if (e.op() != TraceEvent.Op.LAYER
          || !(e.layer() instanceof WeightLayer sink)
          || !supported(sink)
          || calls.get(sink) != 1) {
        continue;
      }
      Link link = walkBack(sink, e.inputs().get(0), producer, uses, calls);
      if (link != null) {
        links.add(link);
      }
    }
    return links;
  }

  /** Follows {@code t} back through scale-commuting steps to the layer that produced it. */
  private static Link walkBack(
      WeightLayer sink,
      Tensor t,
      Map<Tensor, TraceEvent> producer,
      Map<Tensor, Integer> uses,
      Map<Module, Integer> calls) {
    int block = 1;
    while (true) {
      if (uses.getOrDefault(t, 0) != 1) {
        return null;
      }
      TraceEvent p = producer.get(t);
      if (p == null || p.inputs().size() != 1) {
        return null;
      }
      if (p.op() == TraceEvent.Op.LAYER && p.layer() instanceof WeightLayer source) {
        return supported(source) && calls.get(source) == 1 && fits(source, sink, block)
            ? new Link(source, sink, block)
            : null;
      }
      if (p.op() == TraceEvent.Op.FLATTEN) {
        long[] shape = p.inputs().get(0).shape();
        for (int d = 2; d < shape.length; d++) {
          block *= (int) shape[d];
        }
      } else if (!commutesWithScale(p)) {
        return null;
      }
      t = p.inputs().get(0);
    }
  }

  private static boolean commutesWithScale(TraceEvent p) {
    return switch (p.op()) {
      case RELU, MAX_POOL, AVG_POOL -> true;
      case LAYER ->
          p.layer() instanceof ReLU
              || p.layer() instanceof QuantReLU
              || p.layer() instanceof QuantMaxPool2d;
      default -> false;
    };
  }

  private static boolean supported(WeightLayer w) {
    return w instanceof Linear || (w instanceof Conv2d c && c.options().groups() == 1);
  }

  private static boolean fits(WeightLayer source, WeightLayer sink, int block) {
    long outChannels = source.weight().size(0);
    long sinkInputs = sink.weight().size(1);
    return (sink instanceof Linear || block == 1) && outChannels * block == sinkInputs;
  }

  // ------------------------------------------------------------------------------------------
  // Rescaling

  /** Equalizes one pair; returns the largest {@code |s - 1|} applied. */
  private static double equalizePair(Link link) {
    WeightLayer a = link.source();
    WeightLayer b = link.sink();
    int channels = (int) a.weight().size(0);
    float[] w1 = a.weight().toFloatArray();
    float[] w2 = b.weight().toFloatArray();
    int perOut1 = w1.length / channels;
    int sinkOut = (int) b.weight().size(0);
    int sinkRow = w2.length / sinkOut; // input channels x (kernel or flatten block)
    int perIn2 = sinkRow / channels; // consecutive entries of one input channel within a row
    double[] r1 = new double[channels];
    double[] r2 = new double[channels];
    for (int c = 0; c < channels; c++) {
      for (int j = 0; j < perOut1; j++) {
        r1[c] = Math.max(r1[c], Math.abs(w1[c * perOut1 + j]));
      }
    }
    for (int o = 0; o < sinkOut; o++) {
      for (int c = 0; c < channels; c++) {
        int base = o * sinkRow + c * perIn2;
        for (int j = 0; j < perIn2; j++) {
          r2[c] = Math.max(r2[c], Math.abs(w2[base + j]));
        }
      }
    }
    double[] s = new double[channels];
    double change = 0;
    for (int c = 0; c < channels; c++) {
      s[c] = r1[c] > 0 && r2[c] > 0 ? Math.sqrt(r1[c] / r2[c]) : 1;
      change = Math.max(change, Math.abs(s[c] - 1));
    }
    for (int c = 0; c < channels; c++) {
      for (int j = 0; j < perOut1; j++) {
        w1[c * perOut1 + j] = (float) (w1[c * perOut1 + j] / s[c]);
      }
    }
    for (int o = 0; o < sinkOut; o++) {
      for (int c = 0; c < channels; c++) {
        int base = o * sinkRow + c * perIn2;
        for (int j = 0; j < perIn2; j++) {
          w2[base + j] = (float) (w2[base + j] * s[c]);
        }
      }
    }
    a.weight().set(w1);
    b.weight().set(w2);
    if (a.bias() != null) {
      float[] bias = a.bias().toFloatArray();
      for (int c = 0; c < channels; c++) {
        bias[c] = (float) (bias[c] / s[c]);
      }
      a.bias().set(bias);
    }
    return change;
  }
}
