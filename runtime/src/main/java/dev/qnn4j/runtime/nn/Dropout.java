package dev.qnn4j.runtime.nn;

import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.autograd.Ops;
import java.util.SplittableRandom;

/**
 * Dropout as PyTorch's {@code nn.Dropout(p)}: in training each element is zeroed with probability
 * {@code p} and the kept ones are multiplied by {@code 1 / (1 - p)} (inverted dropout, so
 * evaluation is the identity); in evaluation the input is returned unchanged.
 *
 * <p>The mask comes from this layer's own {@link SplittableRandom}, seeded at construction (by
 * default from the layer name), so a training run is reproducible. The masks are not PyTorch's:
 * torch draws from its global Mersenne-Twister generator, which qnn4j does not reproduce, so a run
 * matches PyTorch in distribution (keep probability, scaling, gradient), not mask for mask.
 */
public final class Dropout extends Module {
  private final float p;
  private final SplittableRandom random;

  public Dropout(String name, float p, long seed) {
    super(name);
    if (!(p >= 0f && p <= 1f)) {
      throw new IllegalArgumentException(
          name + ": dropout probability must be in [0, 1], got " + p);
    }
    this.p = p;
    this.random = new SplittableRandom(seed);
  }

  /** Seeded from the layer name, so two runs of one model draw the same masks. */
  public Dropout(String name, float p) {
    this(name, p, name.hashCode());
  }

  public float p() {
    return p;
  }

  public Tensor forward(Tensor x) {
    return Tracer.layer(this, dropout(x), x);
  }

  private Tensor dropout(Tensor x) {
    if (!isTraining() || p == 0f) {
      return x;
    }
    float[] mask = new float[(int) x.numel()];
    if (p < 1f) {
      // torch scales by the float32 quotient 1 / (1 - p)
      float keptScale = 1f / (1f - p);
      for (int i = 0; i < mask.length; i++) {
        mask[i] = random.nextDouble() < p ? 0f : keptScale;
      }
    }
    return Ops.mul(x, Tensor.of(mask, x.shape()));
  }

  @Override
  public String describe() {
    return "Dropout(p=" + p + ")";
  }
}
