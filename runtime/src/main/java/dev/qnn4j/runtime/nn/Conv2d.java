package dev.qnn4j.runtime.nn;

/** A float 2-d convolution (PyTorch's {@code nn.Conv2d}). */
public final class Conv2d extends QuantConv2d {
  public Conv2d(String name, Conv2dOptions options) {
    super(name, options, null, null, null, null, false);
  }
}
