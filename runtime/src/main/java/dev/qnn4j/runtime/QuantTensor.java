package dev.qnn4j.runtime;

import java.util.Arrays;

/**
 * A tensor whose values are fake-quantized, carrying the metadata Brevitas' {@code QuantTensor}
 * carries: scale, zero point, bit width and signedness. The value is {@code (int - zeroPoint) *
 * scale} for integers {@code int} in the range the bit width and signedness allow.
 *
 * <p>The scale is itself a tensor that takes part in autograd: a bias quantizer derives its scale
 * from it, and gradients flow back into the activation quantizer that produced it, as in Brevitas.
 * A per-tensor scale is 0-d; a per-channel scale has one value per channel along {@link
 * #channelAxis()}.
 */
public final class QuantTensor extends Tensor {
  private final Tensor scale;
  private final float zeroPoint;
  private final int bitWidth;
  private final boolean signed;
  private final int channelAxis;

  public QuantTensor(Tensor value, Tensor scale, float zeroPoint, int bitWidth, boolean signed) {
    this(value, scale, zeroPoint, bitWidth, signed, 1);
  }

  public QuantTensor(
      Tensor value, Tensor scale, float zeroPoint, int bitWidth, boolean signed, int channelAxis) {
    super(distinctFromLeaf(value));
    // Above 32 for metadata only: Brevitas marks a conv output with an Int32Bias as 33 bits.
    if (bitWidth < 1 || bitWidth > 64) {
      throw new IllegalArgumentException("bit width must be in 1..64, got " + bitWidth);
    }
    if (scale.numel() != 1 && scale.rank() != 1) {
      throw new IllegalArgumentException(
          "a QuantTensor scale is 0-d or 1-d per channel, got shape "
              + Arrays.toString(scale.shape()));
    }
    this.scale = scale;
    this.zeroPoint = zeroPoint;
    this.bitWidth = bitWidth;
    this.signed = signed;
    this.channelAxis = channelAxis;
  }

  public Tensor scale() {
    return scale;
  }

  public float zeroPoint() {
    return zeroPoint;
  }

  public int bitWidth() {
    return bitWidth;
  }

  public boolean signed() {
    return signed;
  }

  /** The axis a per-channel scale runs along (1 for NCHW activations). */
  public int channelAxis() {
    return channelAxis;
  }

  public boolean perTensor() {
    return scale.numel() == 1;
  }

  /** The same quantization metadata on another value, e.g. after max-pooling or reshaping. */
  public QuantTensor withValue(Tensor newValue) {
    return new QuantTensor(newValue, scale, zeroPoint, bitWidth, signed, channelAxis);
  }

  /** The integer representation {@code value / scale + zeroPoint}, rounded half to even. */
  public float[] intValues() {
    float[] v = toFloatArray();
    float[] s = scale.toFloatArray();
    if (s.length == 1) {
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) Math.rint(v[i] / s[0] + zeroPoint);
      }
      return v;
    }
    long[] shape = shape();
    long inner = 1;
    for (int d = channelAxis + 1; d < shape.length; d++) {
      inner *= shape[d];
    }
    for (int i = 0; i < v.length; i++) {
      int c = (int) ((i / inner) % shape[channelAxis]);
      v[i] = (float) Math.rint(v[i] / s[c] + zeroPoint);
    }
    return v;
  }

  @Override
  public QuantTensor detach() {
    return new QuantTensor(
        super.detach(), scale.detach(), zeroPoint, bitWidth, signed, channelAxis);
  }

  @Override
  public String toString() {
    return "QuantTensor"
        + Arrays.toString(shape())
        + "(bitWidth="
        + bitWidth
        + ", signed="
        + signed
        + (perTensor() ? ", scale=" + scale.item() : ", per-channel scale")
        + ")";
  }

  /**
   * {@code x} itself, or an identity step after it when x is a leaf that needs a gradient, so that
   * a QuantTensor wrapping x routes gradients to x rather than keeping them.
   */
  private static Tensor distinctFromLeaf(Tensor x) {
    if (x.gradFn() != null || !x.requiresGrad()) {
      return x;
    }
    return Tensor.result(x.data(), x.shape(), GradFn.of("Identity", g -> new float[][] {g}, x));
  }
}
