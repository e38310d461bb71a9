package dev.qnn4j.runtime.nn;

import dev.qnn4j.runtime.QuantTensor;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.autograd.Ops;

/**
 * Max pooling that keeps quantization metadata: the maximum of quantized values is a quantized
 * value of the same scale (Brevitas' {@code QuantMaxPool2d}).
 */
public final class QuantMaxPool2d extends Module {
  private final int[] kernel;
  private final int[] stride;
  private final int[] padding;

  public QuantMaxPool2d(String name, int kernelSize, int stride, int padding) {
    super(name);
    this.kernel = new int[] {kernelSize, kernelSize};
    this.stride = new int[] {stride, stride};
    this.padding = new int[] {padding, padding};
  }

  public int kernelSize() {
    return kernel[0];
  }

  public int stride() {
    return stride[0];
  }

  public int padding() {
    return padding[0];
  }

  public Tensor forward(Tensor x) {
    Shapes.checkPoolInput(name(), x, kernel[0], stride[0], padding[0]);
    Tensor out = Ops.maxPool2d(x, kernel, stride, padding);
    return dev.qnn4j.runtime.nn.Tracer.layer(
        this, x instanceof QuantTensor q ? q.withValue(out) : out, x);
  }

  public QuantTensor forwardQuant(QuantTensor x) {
    return (QuantTensor) forward(x);
  }

  @Override
  public String describe() {
    return "QuantMaxPool2d(kernel_size="
        + kernel[0]
        + ", stride="
        + stride[0]
        + ", padding="
        + padding[0]
        + ")";
  }
}
