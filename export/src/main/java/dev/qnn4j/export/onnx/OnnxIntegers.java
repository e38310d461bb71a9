package dev.qnn4j.export.onnx;

import dev.qnn4j.export.onnx.proto.TensorProto.DataType;
import dev.qnn4j.runtime.quant.IntRange;

/**
 * How ONNX stores the integers of a quantizer's {@link IntRange}: int8 / uint8 up to 8 bits, int32
 * above for signed values, and whether QCDQ export needs a {@code Clip}. Brevitas emits one unless
 * the range is exactly the storage type's full range, i.e. unless the quantizer is non-narrow 8-bit
 * or non-narrow signed 32-bit.
 */
public final class OnnxIntegers {
  private OnnxIntegers() {}

  /**
   * The range of an exportable quantizer: 2 to 32 bits, unsigned at most 8 (ONNX has no wider
   * unsigned type that QuantizeLinear writes).
   */
  public static IntRange range(int bitWidth, boolean signed, boolean narrow) {
    if (bitWidth < 2 || bitWidth > 32) {
      throw new IllegalArgumentException("bit width " + bitWidth + " is outside 2..32");
    }
    if (!signed && bitWidth > 8) {
      throw new IllegalArgumentException(
          "unsigned quantization above 8 bits has no ONNX storage type (bit width "
              + bitWidth
              + ")");
    }
    return new IntRange(bitWidth, signed, narrow);
  }

  /** The ONNX type that stores the integers of {@code range}: INT8, UINT8 or INT32. */
  public static DataType storageType(IntRange range) {
    if (range.bitWidth() <= 8) {
      return range.signed() ? DataType.INT8 : DataType.UINT8;
    }
    return DataType.INT32;
  }

  /**
   * Whether QCDQ export emits a {@code Clip} for {@code range} (Brevitas {@code
   * int_clip_symbolic_kwargs}): always when narrow, otherwise unless the width is 8 or 32 bits.
   */
  public static boolean needsClip(IntRange range) {
    return range.narrowRange() || (range.bitWidth() != 8 && range.bitWidth() != 32);
  }
}
