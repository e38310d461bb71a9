package dev.qnn4j.runtime.nn;

import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.autograd.Ops;

/**
 * A float fully connected layer {@code y = x W^T + b} (PyTorch's {@code nn.Linear}); {@link
 * QuantLinear} adds quantizers.
 */
public class Linear extends WeightLayer {
  private final int inFeatures;
  private final int outFeatures;
  private final boolean hasBias;

  public Linear(String name, int inFeatures, int outFeatures, boolean bias) {
    super(name, new long[] {outFeatures, inFeatures}, bias ? outFeatures : 0, inFeatures);
    if (inFeatures < 1 || outFeatures < 1) {
      throw new IllegalArgumentException(name + ": features must be positive");
    }
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.hasBias = bias;
  }

  public int inFeatures() {
    return inFeatures;
  }

  public int outFeatures() {
    return outFeatures;
  }

  @Override
  protected int outputChannelAxis() {
    return 1;
  }

  @Override
  protected void checkInput(Tensor x) {
    Shapes.checkLinearInput(name(), x, inFeatures);
  }

  @Override
  public Tensor compute(Tensor input, Tensor weight, Tensor bias) {
    return Ops.linear(input, weight, bias);
  }

  @Override
  public String describe() {
    return getClass().getSimpleName()
        + "(in_features="
        + inFeatures
        + ", out_features="
        + outFeatures
        + ", bias="
        + (hasBias ? "True" : "False")
        + quantDescription()
        + ")";
  }
}
