package dev.qnn4j.export.onnx;

import com.google.protobuf.ByteString;
import dev.qnn4j.export.onnx.proto.TensorProto;
import dev.qnn4j.export.onnx.proto.TensorProto.DataType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.OptionalInt;

/**
 * Creates and reads {@link TensorProto}s.
 *
 * <p>Tensors created here always keep their elements in {@code raw_data} (fixed width,
 * little-endian, row-major), as PyTorch and Brevitas write them. The readers accept both {@code
 * raw_data} and the typed {@code *_data} fields, so tensors from any ONNX writer can be read.
 */
public final class OnnxTensors {

  private OnnxTensors() {}

  // ---------------------------------------------------------------------------------------------
  // Creation

  /** A FLOAT tensor; {@code dims} empty for a scalar. */
  public static TensorProto floatTensor(String name, float[] values, long... dims) {
    ByteBuffer buf = littleEndian(values.length * Float.BYTES);
    for (float v : values) {
      buf.putFloat(v);
    }
    return tensor(name, DataType.FLOAT, values.length, buf, dims);
  }

  /** An INT8 tensor; each byte is one signed element. */
  public static TensorProto int8Tensor(String name, byte[] values, long... dims) {
    return tensor(name, DataType.INT8, values.length, ByteBuffer.wrap(values.clone()), dims);
  }

  /** A UINT8 tensor; each byte is one element read as unsigned ({@code b & 0xFF}). */
  public static TensorProto uint8Tensor(String name, byte[] values, long... dims) {
    return tensor(name, DataType.UINT8, values.length, ByteBuffer.wrap(values.clone()), dims);
  }

  /** An INT32 tensor. */
  public static TensorProto int32Tensor(String name, int[] values, long... dims) {
    ByteBuffer buf = littleEndian(values.length * Integer.BYTES);
    for (int v : values) {
      buf.putInt(v);
    }
    return tensor(name, DataType.INT32, values.length, buf, dims);
  }

  /** An INT64 tensor. */
  public static TensorProto int64Tensor(String name, long[] values, long... dims) {
    ByteBuffer buf = littleEndian(values.length * Long.BYTES);
    for (long v : values) {
      buf.putLong(v);
    }
    return tensor(name, DataType.INT64, values.length, buf, dims);
  }

  private static ByteBuffer littleEndian(int bytes) {
    return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
  }

  private static TensorProto tensor(
      String name, DataType type, int count, ByteBuffer data, long[] dims) {
    long expected = elementCount(dims);
    if (expected != count) {
      throw new IllegalArgumentException(
          "tensor '"
              + name
              + "': "
              + count
              + " values do not fill dims "
              + Arrays.toString(dims)
              + " ("
              + expected
              + " elements)");
    }
    data.rewind();
    TensorProto.Builder t = TensorProto.newBuilder().setDataType(type.getNumber());
    if (name != null && !name.isEmpty()) {
      t.setName(name);
    }
    for (long d : dims) {
      t.addDims(d);
    }
    return t.setRawData(ByteString.copyFrom(data)).build();
  }

  // ---------------------------------------------------------------------------------------------
  // Shapes and element sizes

  /** Product of {@code dims}; 1 for a scalar; -1 if a dimension is negative. */
  public static long elementCount(long... dims) {
    long n = 1;
    for (long d : dims) {
      if (d < 0) {
        return -1;
      }
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  /** Number of elements a tensor's {@code dims} call for. */
  public static long elementCount(TensorProto t) {
    return elementCount(t.getDimsList().stream().mapToLong(Long::longValue).toArray());
  }

  /**
   * Bytes per element in {@code raw_data} for an ONNX data type, or empty for STRING, sub-byte
   * types, UNDEFINED and values this subset does not know.
   */
  public static OptionalInt rawElementSize(int dataType) {
    DataType type = DataType.forNumber(dataType);
    if (type == null) {
      return OptionalInt.empty();
    }
    switch (type) {
      case UINT8:
      case INT8:
      case BOOL:
      case FLOAT8E4M3FN:
      case FLOAT8E4M3FNUZ:
      case FLOAT8E5M2:
      case FLOAT8E5M2FNUZ:
        return OptionalInt.of(1);
      case UINT16:
      case INT16:
      case FLOAT16:
      case BFLOAT16:
        return OptionalInt.of(2);
      case FLOAT:
      case INT32:
      case UINT32:
        return OptionalInt.of(4);
      case DOUBLE:
      case INT64:
      case UINT64:
      case COMPLEX64:
        return OptionalInt.of(8);
      case COMPLEX128:
        return OptionalInt.of(16);
      default:
        return OptionalInt.empty();
    }
  }

  /** The enum name of an ONNX data type number, or the number itself if unknown. */
  public static String typeName(int dataType) {
    DataType type = DataType.forNumber(dataType);
    return type == null ? "data_type " + dataType : type.name();
  }

  // ---------------------------------------------------------------------------------------------
  // Reading

  /** The elements of a FLOAT tensor. */
  public static float[] toFloatArray(TensorProto t) {
    requireType(t, DataType.FLOAT);
    if (t.hasRawData()) {
      ByteBuffer b = rawLittleEndian(t);
      float[] out = new float[b.remaining() / Float.BYTES];
      b.asFloatBuffer().get(out);
      return out;
    }
    float[] out = new float[t.getFloatDataCount()];
    for (int i = 0; i < out.length; i++) {
      out[i] = t.getFloatData(i);
    }
    return out;
  }

  /**
   * The elements of an INT8, UINT8, INT16, UINT16 or INT32 tensor as ints (UINT8 read as unsigned,
   * 0..255).
   */
  public static int[] toIntArray(TensorProto t) {
    DataType type = DataType.forNumber(t.getDataType());
    if (type == null) {
      throw new IllegalArgumentException(describe(t) + " has unknown data_type " + t.getDataType());
    }
    if (!t.hasRawData()) {
      switch (type) {
        case INT8:
        case UINT8:
        case INT16:
        case UINT16:
        case INT32:
          return t.getInt32DataList().stream().mapToInt(Integer::intValue).toArray();
        default:
          throw new IllegalArgumentException(describe(t) + " is " + type + ", not an integer type");
      }
    }
    ByteBuffer b = rawLittleEndian(t);
    switch (type) {
      case INT8:
        {
          int[] out = new int[b.remaining()];
          for (int i = 0; i < out.length; i++) {
            out[i] = b.get(i);
          }
          return out;
        }
      case UINT8:
        {
          int[] out = new int[b.remaining()];
          for (int i = 0; i < out.length; i++) {
            out[i] = b.get(i) & 0xFF;
          }
          return out;
        }
      case INT16:
      case UINT16:
        {
          int[] out = new int[b.remaining() / 2];
          for (int i = 0; i < out.length; i++) {
            short s = b.getShort(2 * i);
            out[i] = type == DataType.INT16 ? s : s & 0xFFFF;
          }
          return out;
        }
      case INT32:
        {
          int[] out = new int[b.remaining() / Integer.BYTES];
          b.asIntBuffer().get(out);
          return out;
        }
      default:
        throw new IllegalArgumentException(describe(t) + " is " + type + ", not an integer type");
    }
  }

  /** The elements of an INT64 tensor. */
  public static long[] toLongArray(TensorProto t) {
    requireType(t, DataType.INT64);
    if (t.hasRawData()) {
      ByteBuffer b = rawLittleEndian(t);
      long[] out = new long[b.remaining() / Long.BYTES];
      b.asLongBuffer().get(out);
      return out;
    }
    return t.getInt64DataList().stream().mapToLong(Long::longValue).toArray();
  }

  /** The dims of a tensor as an array. */
  public static long[] dims(TensorProto t) {
    return t.getDimsList().stream().mapToLong(Long::longValue).toArray();
  }

  private static ByteBuffer rawLittleEndian(TensorProto t) {
    return t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
  }

  private static void requireType(TensorProto t, DataType type) {
    if (t.getDataType() != type.getNumber()) {
      throw new IllegalArgumentException(
          describe(t) + " is " + typeName(t.getDataType()) + ", expected " + type);
    }
  }

  private static String describe(TensorProto t) {
    return t.getName().isEmpty() ? "tensor" : "tensor '" + t.getName() + "'";
  }
}
