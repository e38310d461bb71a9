package dev.qnn4j.runtime.io;

import java.util.Arrays;
import java.util.Objects;

/**
 * An immutable, dense, row-major (C order) n-dimensional array held in a primitive Java array.
 *
 * <p>This is the exchange type of the file readers and writers: it deliberately does not depend on
 * ND4J, so files can be read, validated and written without initialising a native backend. The
 * training code converts it to tensors.
 *
 * <p>Immutability is enforced by copying: the {@code of*} factories copy their input and every
 * accessor returns a fresh copy. Callers working with large arrays should therefore fetch the data
 * once and keep the copy.
 */
public final class ArrayData {

  /** Element types supported by the {@code .npy} and {@code .safetensors} readers and writers. */
  public enum DType {
    FLOAT32(4, "<f4", "F32"),
    INT64(8, "<i8", "I64"),
    INT32(4, "<i4", "I32"),
    UINT8(1, "|u1", "U8"),
    INT8(1, "|i1", "I8"),
    FLOAT64(8, "<f8", "F64");

    private final int byteSize;
    private final String npyDescr;
    private final String safetensorsName;

    DType(int byteSize, String npyDescr, String safetensorsName) {
      this.byteSize = byteSize;
      this.npyDescr = npyDescr;
      this.safetensorsName = safetensorsName;
    }

    /** Size of one element in bytes. */
    public int byteSize() {
      return byteSize;
    }

    /**
     * The NumPy type descriptor, little-endian, as written in {@code .npy} headers (e.g. {@code
     * <f4}).
     */
    public String npyDescr() {
      return npyDescr;
    }

    /** The dtype name used in safetensors headers (e.g. {@code F32}). */
    public String safetensorsName() {
      return safetensorsName;
    }

    /** True for FLOAT32 and FLOAT64. */
    public boolean isFloatingPoint() {
      return this == FLOAT32 || this == FLOAT64;
    }

    /** The dtype whose safetensors name is {@code name}, or null if none is. */
    public static DType fromSafetensorsName(String name) {
      for (DType t : values()) {
        if (t.safetensorsName.equals(name)) {
          return t;
        }
      }
      return null;
    }
  }

  /** Java arrays are indexed by int and the VM reserves a few header words. */
  public static final int MAX_ELEMENTS = Integer.MAX_VALUE - 8;

  private final DType dtype;
  private final long[] shape;

  /** float[], long[], int[], byte[] (UINT8 and INT8) or double[], matching {@link #dtype}. */
  private final Object data;

  private ArrayData(DType dtype, long[] shape, Object data, int length) {
    this.dtype = dtype;
    this.shape = shape.clone();
    long expected = checkedElementCount(this.shape);
    if (expected != length) {
      throw new IllegalArgumentException(
          "shape "
              + Arrays.toString(shape)
              + " holds "
              + expected
              + " elements but the "
              + dtype
              + " data has "
              + length);
    }
    this.data = data;
  }

  public static ArrayData ofFloats(float[] data, long... shape) {
    return new ArrayData(DType.FLOAT32, shape, data.clone(), data.length);
  }

  public static ArrayData ofDoubles(double[] data, long... shape) {
    return new ArrayData(DType.FLOAT64, shape, data.clone(), data.length);
  }

  public static ArrayData ofLongs(long[] data, long... shape) {
    return new ArrayData(DType.INT64, shape, data.clone(), data.length);
  }

  public static ArrayData ofInts(int[] data, long... shape) {
    return new ArrayData(DType.INT32, shape, data.clone(), data.length);
  }

  /** UINT8 data: each byte is read as an unsigned value 0..255. */
  public static ArrayData ofUnsignedBytes(byte[] data, long... shape) {
    return new ArrayData(DType.UINT8, shape, data.clone(), data.length);
  }

  /** INT8 data: each byte is read as a signed value -128..127. */
  public static ArrayData ofBytes(byte[] data, long... shape) {
    return new ArrayData(DType.INT8, shape, data.clone(), data.length);
  }

  /**
   * Wraps {@code data} (a primitive array matching {@code dtype}) without copying. For the readers
   * of this package, which allocate the array themselves and hand it over.
   */
  static ArrayData wrap(DType dtype, long[] shape, Object data) {
    return new ArrayData(dtype, shape, data, java.lang.reflect.Array.getLength(data));
  }

  /**
   * The number of elements {@code shape} describes.
   *
   * @throws IllegalArgumentException if a dimension is negative or the count exceeds {@link
   *     #MAX_ELEMENTS}
   */
  public static long checkedElementCount(long[] shape) {
    long count = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
      }
      // Divide rather than multiply so that the check itself cannot overflow.
      if (d != 0 && count > MAX_ELEMENTS / d) {
        throw new IllegalArgumentException(
            "shape "
                + Arrays.toString(shape)
                + " exceeds the "
                + MAX_ELEMENTS
                + "-element limit of a Java array");
      }
      count *= d;
    }
    return count;
  }

  public DType dtype() {
    return dtype;
  }

  /** A copy of the shape; empty for a scalar. */
  public long[] shape() {
    return shape.clone();
  }

  public int rank() {
    return shape.length;
  }

  public long numElements() {
    return java.lang.reflect.Array.getLength(data);
  }

  /** A copy of the data of a FLOAT32 array. */
  public float[] floats() {
    return ((float[]) dataOf(DType.FLOAT32)).clone();
  }

  /** A copy of the data of a FLOAT64 array. */
  public double[] doubles() {
    return ((double[]) dataOf(DType.FLOAT64)).clone();
  }

  /** A copy of the data of an INT64 array. */
  public long[] longs() {
    return ((long[]) dataOf(DType.INT64)).clone();
  }

  /** A copy of the data of an INT32 array. */
  public int[] ints() {
    return ((int[]) dataOf(DType.INT32)).clone();
  }

  /** A copy of the raw bytes of a UINT8 or INT8 array (interpret UINT8 with {@code b & 0xFF}). */
  public byte[] bytes() {
    if (dtype != DType.UINT8 && dtype != DType.INT8) {
      throw new IllegalStateException("bytes() needs a UINT8 or INT8 array, this one is " + dtype);
    }
    return ((byte[]) data).clone();
  }

  /** The elements converted to float, whatever the dtype (INT64/INT32/FLOAT64 may round). */
  public float[] toFloatArray() {
    int n = (int) numElements();
    float[] out = new float[n];
    switch (dtype) {
      case FLOAT32 -> System.arraycopy(data, 0, out, 0, n);
      case FLOAT64 -> {
        double[] d = (double[]) data;
        for (int i = 0; i < n; i++) out[i] = (float) d[i];
      }
      case INT64 -> {
        long[] d = (long[]) data;
        for (int i = 0; i < n; i++) out[i] = d[i];
      }
      case INT32 -> {
        int[] d = (int[]) data;
        for (int i = 0; i < n; i++) out[i] = d[i];
      }
      case UINT8 -> {
        byte[] d = (byte[]) data;
        for (int i = 0; i < n; i++) out[i] = d[i] & 0xFF;
      }
      case INT8 -> {
        byte[] d = (byte[]) data;
        for (int i = 0; i < n; i++) out[i] = d[i];
      }
    }
    return out;
  }

  /**
   * The elements of an integer array (INT64, INT32, UINT8, INT8) widened to long.
   *
   * @throws IllegalStateException for floating-point arrays, which have no lossless conversion
   */
  public long[] toLongArray() {
    int n = (int) numElements();
    long[] out = new long[n];
    switch (dtype) {
      case INT64 -> System.arraycopy(data, 0, out, 0, n);
      case INT32 -> {
        int[] d = (int[]) data;
        for (int i = 0; i < n; i++) out[i] = d[i];
      }
      case UINT8 -> {
        byte[] d = (byte[]) data;
        for (int i = 0; i < n; i++) out[i] = d[i] & 0xFF;
      }
      case INT8 -> {
        byte[] d = (byte[]) data;
        for (int i = 0; i < n; i++) out[i] = d[i];
      }
      case FLOAT32, FLOAT64 ->
          throw new IllegalStateException(
              "toLongArray() needs an integer array, this one is " + dtype);
    }
    return out;
  }

  /** The backing array itself, for this package's writers, which only read it. */
  Object rawData() {
    return data;
  }

  private Object dataOf(DType wanted) {
    if (dtype != wanted) {
      throw new IllegalStateException(
          "this array is "
              + dtype
              + ", not "
              + wanted
              + "; use toFloatArray() or toLongArray() to convert");
    }
    return data;
  }

  /**
   * Equal dtype, shape and elements (floating-point elements compared bitwise, so NaN equals NaN).
   */
  @Override
  public boolean equals(Object o) {
    if (this == o) return true;
    if (!(o instanceof ArrayData other)) return false;
    return dtype == other.dtype
        && Arrays.equals(shape, other.shape)
        && Objects.deepEquals(data, other.data);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * dtype.hashCode() + Arrays.hashCode(shape))
        + Arrays.deepHashCode(new Object[] {data});
  }

  /** Dtype and shape only; the data may be large. */
  @Override
  public String toString() {
    return "ArrayData[" + dtype + " " + Arrays.toString(shape) + "]";
  }
}
