package dev.qnn4j.runtime.nn;

import dev.qnn4j.runtime.QuantTensor;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.autograd.Ops;

/**
 * Brevitas' {@code TruncAvgPool2d} (its {@code QuantAvgPool2d}): average pooling of a QuantTensor
 * as integer hardware does it. The window sum of the input integers needs {@code acc =
 * ceil(log2((2^b - 1) * k^2))} bits; it is shifted right by {@code acc - bitWidth} (left when
 * negative) and floored ({@code TruncTo8bit}, Brevitas' default for this layer) or rounded ({@code
 * RoundTo8bit}). The output keeps the input's scale and has {@code bitWidth} bits, so its value is
 * the shifted window sum times the scale, not the average (for 4-bit inputs and a 4x4 window the
 * shift is 0: the plain sum). A float input is average-pooled, as in Brevitas.
 */
public class TruncAvgPool2d extends Module {
  /**
   * How the shifted-out bits are dropped: Brevitas' {@code TruncTo8bit} and {@code RoundTo8bit}.
   */
  public enum Rounding {
    FLOOR,
    ROUND
  }

  private final int kernelSize;
  private final int stride;
  private final int bitWidth;
  private final Rounding rounding;

  /** {@code stride} 0 means the kernel size, as in PyTorch. */
  public TruncAvgPool2d(String name, int kernelSize, int stride, int bitWidth, Rounding rounding) {
    super(name);
    if (kernelSize < 1 || stride < 0 || bitWidth < 1 || bitWidth > 32) {
      throw new IllegalArgumentException(
          name
              + ": kernel size >= 1, stride >= 0 and bit width 1..32 expected, got "
              + kernelSize
              + ", "
              + stride
              + ", "
              + bitWidth);
    }
    this.kernelSize = kernelSize;
    this.stride = stride == 0 ? kernelSize : stride;
    this.bitWidth = bitWidth;
    this.rounding = rounding;
  }

  /** Brevitas' defaults: stride = kernel, 8 bits, floor. */
  public TruncAvgPool2d(String name, int kernelSize) {
    this(name, kernelSize, 0, 8, Rounding.FLOOR);
  }

  public int kernelSize() {
    return kernelSize;
  }

  public int stride() {
    return stride;
  }

  public int bitWidth() {
    return bitWidth;
  }

  public Rounding rounding() {
    return rounding;
  }

  /**
   * The accumulator width of a sum of {@code window} {@code inputBits}-bit integers, as Brevitas
   * computes it: {@code ceil(log2((2^inputBits - 1) * window))}.
   */
  public static int accumulatorBits(int inputBits, int window) {
    long max = ((1L << inputBits) - 1) * window;
    return 64 - Long.numberOfLeadingZeros(max - 1);
  }

  public Tensor forward(Tensor x) {
    Shapes.checkPoolInput(name(), x, kernelSize, stride, 0);
    return Tracer.layer(
        this,
        pool(
            name(),
            x,
            new int[] {kernelSize, kernelSize},
            new int[] {stride, stride},
            bitWidth,
            rounding),
        x);
  }

  /** The result as a QuantTensor; the input must be one. */
  public QuantTensor forwardQuant(Tensor x) {
    if (!(x instanceof QuantTensor)) {
      throw new IllegalArgumentException(
          name() + ": truncated average pooling needs a QuantTensor input");
    }
    return (QuantTensor) forward(x);
  }

  /** The truncated average pooling of {@code x} (plain average pooling for a float input). */
  static Tensor pool(
      String layer, Tensor x, int[] kernel, int[] step, int bitWidth, Rounding rounding) {
    Tensor avg = Ops.avgPool2d(x, kernel, step, new int[] {0, 0});
    if (!(x instanceof QuantTensor q)) {
      return avg;
    }
    if (!q.perTensor() || q.zeroPoint() != 0f) {
      throw new IllegalArgumentException(
          layer + ": truncated average pooling needs a per-tensor scale and" + " zero point 0");
    }
    int window = kernel[0] * kernel[1];
    // Brevitas multiplies the average back by the window size: the sum of the window.
    Tensor sum = Ops.mul(avg, Tensor.scalar((float) window));
    int shift = accumulatorBits(q.bitWidth(), window) - bitWidth;
    Tensor out = Ops.truncQuant(sum, q.scale(), shift, rounding == Rounding.FLOOR);
    return new QuantTensor(out, q.scale(), 0f, bitWidth, q.signed());
  }

  @Override
  public String describe() {
    return "TruncAvgPool2d(kernel_size="
        + kernelSize
        + ", stride="
        + stride
        + ", bit_width="
        + bitWidth
        + ", trunc_quant="
        + (rounding == Rounding.FLOOR ? "TruncTo8bit" : "RoundTo8bit")
        + ")";
  }
}
