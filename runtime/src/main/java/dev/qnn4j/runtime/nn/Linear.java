package dev.qnn4j.runtime.nn;

/** A float fully connected layer (PyTorch's {@code nn.Linear}). */
public final class Linear extends QuantLinear {
  public Linear(String name, int inFeatures, int outFeatures, boolean bias) {
    super(name, inFeatures, outFeatures, bias, null, null, null, null, false);
  }
}
