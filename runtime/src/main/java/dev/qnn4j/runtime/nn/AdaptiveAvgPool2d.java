package dev.qnn4j.runtime.nn;

import dev.qnn4j.runtime.QuantTensor;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.autograd.Ops;

/**
 * PyTorch's {@code nn.AdaptiveAvgPool2d} for input sizes divisible by the output size (then it is
 * an average pool of window and stride {@code in / out}). On a QuantTensor it returns a QuantTensor
 * with the input's scale and the window sum's accumulator width, as Brevitas does, whose values are
 * off the integer grid (Brevitas: "IntQuantTensor not valid"); {@link TruncAdaptiveAvgPool2d} stays
 * on it.
 */
public class AdaptiveAvgPool2d extends Module {
  private final int outputSize;

  public AdaptiveAvgPool2d(String name, int outputSize) {
    super(name);
    if (outputSize < 1) {
      throw new IllegalArgumentException(
          name + ": output size must be at least 1, got " + outputSize);
    }
    this.outputSize = outputSize;
  }

  public int outputSize() {
    return outputSize;
  }

  public Tensor forward(Tensor x) {
    long[] s = x.shape();
    if (s.length != 4 || s[2] % outputSize != 0 || s[3] % outputSize != 0) {
      throw new LayerShapeException(
          name(), "[N, C, H, W] with H and W multiples of the output size " + outputSize, s);
    }
    Shapes.checkNotEmpty(name(), x);
    int kh = (int) (s[2] / outputSize);
    int kw = (int) (s[3] / outputSize);
    Tensor avg = Ops.avgPool2d(x, new int[] {kh, kw}, new int[] {kh, kw}, new int[] {0, 0});
    Tensor out = avg;
    if (x instanceof QuantTensor q) {
      out =
          new QuantTensor(
              avg,
              q.scale(),
              q.zeroPoint(),
              TruncAvgPool2d.accumulatorBits(q.bitWidth(), kh * kw),
              q.signed(),
              q.channelAxis());
    }
    return Tracer.layer(this, out, x);
  }

  @Override
  public String describe() {
    return "AdaptiveAvgPool2d(output_size=" + outputSize + ")";
  }
}
