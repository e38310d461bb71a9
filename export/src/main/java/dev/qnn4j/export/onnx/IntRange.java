package dev.qnn4j.export.onnx;

import dev.qnn4j.export.onnx.proto.TensorProto.DataType;

/**
 * The integer range of a {@code bitWidth}-bit quantizer with zero point 0, as Brevitas defines it
 * ({@code brevitas.function.ops.min_int / max_int}):
 *
 * <ul>
 *   <li>signed: {@code [-2^(b-1), 2^(b-1) - 1]}, narrow: {@code [-2^(b-1) + 1, 2^(b-1) - 1]};
 *   <li>unsigned: {@code [0, 2^b - 1]}, narrow: {@code [0, 2^b - 2]}.
 * </ul>
 *
 * <p>It also knows the ONNX storage type (int8 / uint8 up to 8 bits, int32 above for signed
 * values) and whether QCDQ export needs a {@code Clip}: Brevitas emits one unless the range is
 * exactly the storage type's full range, i.e. unless the quantizer is non-narrow 8-bit or
 * non-narrow signed 32-bit.
 *
 * @param bitWidth bits of the quantizer, 2 to 32
 * @param signed whether the range is symmetric around zero
 * @param narrow whether the most negative (signed) or largest (unsigned) value is dropped
 */
public record IntRange(int bitWidth, boolean signed, boolean narrow) {

  public IntRange {
    if (bitWidth < 2 || bitWidth > 32) {
      throw new IllegalArgumentException("bit width " + bitWidth + " is outside 2..32");
    }
    if (!signed && bitWidth > 8) {
      throw new IllegalArgumentException(
          "unsigned quantization above 8 bits has no ONNX storage type (bit width " + bitWidth + ")");
    }
  }

  /** The smallest representable integer. */
  public long min() {
    if (!signed) {
      return 0;
    }
    long half = 1L << (bitWidth - 1);
    return narrow ? -half + 1 : -half;
  }

  /** The largest representable integer. */
  public long max() {
    if (signed) {
      return (1L << (bitWidth - 1)) - 1;
    }
    long full = (1L << bitWidth) - 1;
    return narrow ? full - 1 : full;
  }

  /** The ONNX type that stores these integers: INT8, UINT8 or INT32. */
  public DataType storageType() {
    if (bitWidth <= 8) {
      return signed ? DataType.INT8 : DataType.UINT8;
    }
    return DataType.INT32;
  }

  /**
   * Whether QCDQ export emits a {@code Clip} for this range (Brevitas {@code
   * int_clip_symbolic_kwargs}): always when narrow, otherwise unless the width is 8 or 32 bits.
   */
  public boolean needsClip() {
    return narrow || (bitWidth != 8 && bitWidth != 32);
  }

  /** Whether {@code v} lies in {@code [min(), max()]}. */
  public boolean contains(long v) {
    return v >= min() && v <= max();
  }

  @Override
  public String toString() {
    return (signed ? "signed " : "unsigned ") + bitWidth + "-bit" + (narrow ? " narrow" : "")
        + " [" + min() + ", " + max() + "]";
  }
}
