package dev.qnn4j.runtime.nn;

import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.autograd.Ops;

/** A float ReLU layer (PyTorch's {@code nn.ReLU}); {@link QuantReLU} wraps one. */
public final class ReLU extends Module {
  public ReLU(String name) {
    super(name);
  }

  public Tensor forward(Tensor x) {
    Shapes.checkNotEmpty(name(), x);
    return Tracer.layer(this, apply(x), x);
  }

  /** The function itself, unchecked and unrecorded (for the layers that wrap it). */
  Tensor apply(Tensor x) {
    return Ops.relu(x);
  }

  @Override
  public String describe() {
    return "ReLU()";
  }
}
