package dev.qnn4j.runtime.train;

import dev.qnn4j.runtime.Parameter;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.nn.Module;
import dev.qnn4j.runtime.nn.QuantWeightLayer;
import dev.qnn4j.runtime.quant.ScalingImpl;
import java.util.ArrayList;
import java.util.List;

/**
 * The bnn_pynq trainer's weight clipping: after every optimizer step the float weights of the
 * quantized layers are clamped to {@code [-bound, bound]} (bnn_pynq: {@code clip_weights(-1, 1)} on
 * every {@code QuantLinear}/{@code QuantConv2d} of its FC and CNV models). Clipped are the layers
 * whose weight quantizer has a constant scale (binary included), as all of bnn_pynq's have: with a
 * constant scale the gradient passes the quantizer unchanged, so weights would otherwise drift far
 * beyond the quantizer's range. Weights with statistics-based scales are left alone.
 */
public final class WeightClipping {
  private final float bound;
  private final List<Parameter> weights;

  private WeightClipping(float bound, List<Parameter> weights) {
    this.bound = bound;
    this.weights = weights;
  }

  /**
   * Clipping of {@code model}'s constant-scale quantized weights to {@code [-bound, bound]}.
   *
   * @throws IllegalArgumentException if {@code bound} is not positive and finite
   */
  public static WeightClipping of(Model model, float bound) {
    if (!(bound > 0) || !Float.isFinite(bound)) {
      throw new IllegalArgumentException(
          "the weight clipping bound must be positive and finite, got " + bound);
    }
    List<Parameter> weights = new ArrayList<>();
    for (Module m : model.layers()) {
      if (m instanceof QuantWeightLayer q
          && q.weightQuantizer().config().scaling() == ScalingImpl.CONST) {
        weights.add(q.weight());
      }
    }
    return new WeightClipping(bound, weights);
  }

  public float bound() {
    return bound;
  }

  /** The weights it clips. */
  public List<Parameter> weights() {
    return List.copyOf(weights);
  }

  /** Clamps every clipped weight to {@code [-bound, bound]}. */
  public void apply() {
    for (Parameter p : weights) {
      float[] w = p.toFloatArray();
      boolean changed = false;
      for (int i = 0; i < w.length; i++) {
        float v = Math.max(-bound, Math.min(bound, w[i]));
        changed |= v != w[i];
        w[i] = v;
      }
      if (changed) {
        p.set(w);
      }
    }
  }
}
