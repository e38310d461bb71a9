package dev.qnn4j.runtime.io;

import dev.qnn4j.runtime.io.ArrayData.DType;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;

/**
 * Little-endian bulk conversion between file bytes and primitive arrays, shared by the readers and
 * writers of this package. Works in fixed-size chunks so that a large tensor never needs a second
 * full-size byte copy next to its primitive array.
 */
final class Payloads {

  /** Chunk size; a multiple of every element size. */
  private static final int CHUNK_BYTES = 1 << 20;

  private Payloads() {}

  /** A zeroed primitive array of {@code count} elements of {@code dtype}. */
  static Object allocate(DType dtype, int count) {
    return switch (dtype) {
      case FLOAT32 -> new float[count];
      case FLOAT64 -> new double[count];
      case INT64 -> new long[count];
      case INT32 -> new int[count];
      case UINT8, INT8 -> new byte[count];
    };
  }

  /**
   * Decodes {@code src}'s remaining bytes (a whole number of elements) into {@code dst} starting at
   * element {@code dstOffset}; advances {@code src}.
   */
  static void decode(ByteBuffer src, DType dtype, Object dst, int dstOffset) {
    ByteBuffer le = src.slice().order(ByteOrder.LITTLE_ENDIAN);
    int count = le.remaining() / dtype.byteSize();
    switch (dtype) {
      case FLOAT32 -> le.asFloatBuffer().get((float[]) dst, dstOffset, count);
      case FLOAT64 -> le.asDoubleBuffer().get((double[]) dst, dstOffset, count);
      case INT64 -> le.asLongBuffer().get((long[]) dst, dstOffset, count);
      case INT32 -> le.asIntBuffer().get((int[]) dst, dstOffset, count);
      case UINT8, INT8 -> le.get((byte[]) dst, dstOffset, count);
    }
    src.position(src.position() + count * dtype.byteSize());
  }

  /**
   * Reads {@code count} elements from {@code channel} at byte {@code position}. The caller has
   * already checked that the file holds these bytes; a shorter read means the file changed under us
   * and is reported as truncation.
   */
  static Object read(FileChannel channel, long position, DType dtype, int count, String source)
      throws IOException {
    checkFitsInHeap(source, (long) count * dtype.byteSize());
    Object dst = allocate(dtype, count);
    ByteBuffer buffer = ByteBuffer.allocateDirect(CHUNK_BYTES);
    long totalBytes = (long) count * dtype.byteSize();
    long done = 0;
    while (done < totalBytes) {
      buffer.clear();
      buffer.limit((int) Math.min(CHUNK_BYTES, totalBytes - done));
      while (buffer.hasRemaining()) {
        int n = channel.read(buffer, position + done + buffer.position());
        if (n < 0) {
          throw new Qnn4jFormatException(
              source,
              "data truncated: expected "
                  + totalBytes
                  + " bytes at offset "
                  + position
                  + ", found "
                  + (done + buffer.position()));
        }
      }
      buffer.flip();
      decode(buffer, dtype, dst, (int) (done / dtype.byteSize()));
      done += buffer.limit();
    }
    return dst;
  }

  /**
   * Fails before allocating, with a message saying why, when {@code bytes} of array data cannot fit
   * in this JVM's heap at all, rather than with an OutOfMemoryError part-way through.
   */
  static void checkFitsInHeap(String source, long bytes) throws Qnn4jFormatException {
    long max = Runtime.getRuntime().maxMemory();
    if (max != Long.MAX_VALUE && bytes > max) {
      throw new Qnn4jFormatException(
          source,
          "its "
              + bytes
              + " bytes of array data do not fit in "
              + "this JVM's maximum heap of "
              + max
              + " bytes; raise -Xmx");
    }
  }

  /** Writes the elements of {@code array} in little-endian order. */
  static void write(OutputStream out, ArrayData array) throws IOException {
    DType dtype = array.dtype();
    Object data = array.rawData();
    int count = (int) array.numElements();
    if (dtype == DType.UINT8 || dtype == DType.INT8) {
      out.write((byte[]) data, 0, count);
      return;
    }
    int perChunk = CHUNK_BYTES / dtype.byteSize();
    ByteBuffer buffer = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    for (int start = 0; start < count; start += perChunk) {
      int n = Math.min(perChunk, count - start);
      buffer.clear();
      switch (dtype) {
        case FLOAT32 -> buffer.asFloatBuffer().put((float[]) data, start, n);
        case FLOAT64 -> buffer.asDoubleBuffer().put((double[]) data, start, n);
        case INT64 -> buffer.asLongBuffer().put((long[]) data, start, n);
        case INT32 -> buffer.asIntBuffer().put((int[]) data, start, n);
        default -> throw new AssertionError(dtype);
      }
      out.write(buffer.array(), 0, n * dtype.byteSize());
    }
  }

  /** Number of bytes {@link #write} produces for {@code array}. */
  static long byteLength(ArrayData array) {
    return array.numElements() * array.dtype().byteSize();
  }
}
