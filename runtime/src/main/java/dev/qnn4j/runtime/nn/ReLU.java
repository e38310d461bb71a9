package dev.qnn4j.runtime.nn;

import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.autograd.Ops;

/** A float ReLU layer (PyTorch's {@code nn.ReLU}). */
public final class ReLU extends Module {
  public ReLU(String name) {
    super(name);
  }

  public Tensor forward(Tensor x) {
    Shapes.checkNotEmpty(name(), x);
    return dev.qnn4j.runtime.nn.Tracer.layer(this, Ops.relu(x), x);
  }

  @Override
  public String describe() {
    return "ReLU()";
  }
}
