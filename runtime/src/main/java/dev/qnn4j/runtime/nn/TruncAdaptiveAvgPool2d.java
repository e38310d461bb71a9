package dev.qnn4j.runtime.nn;

import dev.qnn4j.runtime.QuantTensor;
import dev.qnn4j.runtime.Tensor;

/**
 * Brevitas' {@code TruncAdaptiveAvgPool2d}: {@link TruncAvgPool2d}'s truncation on a window derived
 * from the input size as Brevitas derives it, {@code stride = in / out} and {@code kernel = in -
 * (out - 1) * stride} per dimension; rounds by default ({@code RoundTo8bit}). {@code outputSize} 1
 * is the global average pool of ResNet and MobileNet heads.
 */
public class TruncAdaptiveAvgPool2d extends Module {
  private final int outputSize;
  private final int bitWidth;
  private final TruncAvgPool2d.Rounding rounding;

  public TruncAdaptiveAvgPool2d(
      String name, int outputSize, int bitWidth, TruncAvgPool2d.Rounding rounding) {
    super(name);
    if (outputSize < 1 || bitWidth < 1 || bitWidth > 32) {
      throw new IllegalArgumentException(
          name
              + ": output size >= 1 and bit width 1..32 expected, got "
              + outputSize
              + ", "
              + bitWidth);
    }
    this.outputSize = outputSize;
    this.bitWidth = bitWidth;
    this.rounding = rounding;
  }

  /** Brevitas' defaults: 8 bits, rounding. */
  public TruncAdaptiveAvgPool2d(String name, int outputSize) {
    this(name, outputSize, 8, TruncAvgPool2d.Rounding.ROUND);
  }

  public int outputSize() {
    return outputSize;
  }

  public int bitWidth() {
    return bitWidth;
  }

  public TruncAvgPool2d.Rounding rounding() {
    return rounding;
  }

  /** Brevitas' window for an input extent: {@code {kernel, stride}}. */
  public static int[] window(long in, int out) {
    int stride = (int) (in / out);
    return new int[] {(int) (in - (long) (out - 1) * stride), stride};
  }

  public Tensor forward(Tensor x) {
    long[] s = x.shape();
    if (s.length != 4 || s[2] < outputSize || s[3] < outputSize) {
      throw new LayerShapeException(name(), "[N, C, H, W] with H and W at least " + outputSize, s);
    }
    Shapes.checkNotEmpty(name(), x);
    int[] h = window(s[2], outputSize);
    int[] w = window(s[3], outputSize);
    return Tracer.layer(
        this,
        TruncAvgPool2d.pool(
            name(), x, new int[] {h[0], w[0]}, new int[] {h[1], w[1]}, bitWidth, rounding),
        x);
  }

  public QuantTensor forwardQuant(Tensor x) {
    if (!(x instanceof QuantTensor)) {
      throw new IllegalArgumentException(
          name() + ": truncated average pooling needs a QuantTensor input");
    }
    return (QuantTensor) forward(x);
  }

  @Override
  public String describe() {
    return "TruncAdaptiveAvgPool2d(output_size="
        + outputSize
        + ", bit_width="
        + bitWidth
        + ", trunc_quant="
        + (rounding == TruncAvgPool2d.Rounding.FLOOR ? "TruncTo8bit" : "RoundTo8bit")
        + ")";
  }
}
