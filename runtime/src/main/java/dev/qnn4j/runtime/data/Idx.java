package dev.qnn4j.runtime.data;

import dev.qnn4j.runtime.io.ArrayData;
import dev.qnn4j.runtime.io.FileErrors;
import dev.qnn4j.runtime.io.Qnn4jFormatException;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reader of IDX files, the format of MNIST and Fashion-MNIST.
 *
 * <p>An IDX file is a big-endian magic {@code 0x0000TTDD} (TT the element type, DD the number of
 * dimensions), DD big-endian 32-bit dimension sizes, then the elements in row-major order. Only the
 * two layouts those data sets use are accepted: unsigned-byte labels {@code 0x00000801} (1-d) and
 * unsigned-byte images {@code 0x00000803} (3-d). Files are gunzipped when their name ends in {@code
 * .gz} or they start with the gzip magic, so both the downloaded and the unpacked files work.
 */
public final class Idx {

  public static final int MAGIC_UBYTE_1D = 0x00000801;
  public static final int MAGIC_UBYTE_3D = 0x00000803;

  private static final int CHUNK_BYTES = 1 << 24;

  private Idx() {}

  /** Reads an IDX file as a UINT8 array whose shape is the file's dimensions. */
  public static ArrayData read(Path file) throws IOException {
    return stream(
        file,
        payload -> {
          // With compressed input the payload size is known only once it is decompressed, so read
          // in
          // chunks rather than trusting the header with one large allocation.
          List<byte[]> chunks = new ArrayList<>();
          long expected = payload.bytes();
          for (long received = 0; received < expected; ) {
            byte[] chunk = new byte[(int) Math.min(CHUNK_BYTES, expected - received)];
            payload.readFully(chunk, 0, chunk.length);
            chunks.add(chunk);
            received += chunk.length;
          }
          byte[] data = chunks.size() == 1 ? chunks.get(0) : new byte[(int) expected];
          if (chunks.size() != 1) {
            int offset = 0;
            for (byte[] chunk : chunks) {
              System.arraycopy(chunk, 0, data, offset, chunk.length);
              offset += chunk.length;
            }
          }
          return ArrayData.ofUnsignedBytes(data, payload.shape());
        });
  }

  /**
   * The dimensions an IDX file's header declares (the header is checked, the payload is not read).
   */
  static long[] dimensions(Path file) throws IOException {
    return open(file, Payload::shape, false);
  }

  /** Consumes the payload of an IDX file. */
  @FunctionalInterface
  interface PayloadReader<T> {
    T read(Payload payload) throws IOException;
  }

  /**
   * Opens an IDX file (gunzipping as {@link #read} does), validates its header and hands its
   * payload to {@code reader}, which reads it piece by piece ({@link Payload#readFully}), so a file
   * larger than the heap can be streamed; afterwards checks that nothing follows the payload.
   * Errors are those of {@link #read}.
   */
  static <T> T stream(Path file, PayloadReader<T> reader) throws IOException {
    return open(file, reader, true);
  }

  /** Opens {@code file}, checks its header and hands the payload to {@code reader}. */
  private static <T> T open(Path file, PayloadReader<T> reader, boolean wholePayload)
      throws IOException {
    String source = file.toString();
    try {
      long fileSize = Files.size(file);
      try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
        boolean gzip = file.getFileName().toString().endsWith(".gz") || startsWithGzipMagic(raw);
        try (InputStream in = gzip ? new GZIPInputStream(raw, 1 << 16) : raw) {
          Payload payload = open(in, source, gzip ? -1 : fileSize);
          T result = reader.read(payload);
          if (wholePayload) {
            payload.finish();
          }
          return result;
        } catch (ZipException | EOFException e) {
          // Thrown by the inflater for corrupt or cut-off compressed data.
          throw new Qnn4jFormatException(
              source, "corrupt or truncated gzip data: " + e.getMessage(), e);
        }
      }
    } catch (IOException e) {
      throw FileErrors.naming(source, e); // passes format errors through unchanged
    }
  }

  /** The payload of an IDX file: its dimensions and exactly its bytes. */
  static final class Payload {
    private final InputStream in;
    private final String source;
    private final long[] shape;
    private final long headerBytes;
    private final long bytes;
    private long received;

    private Payload(InputStream in, String source, long[] shape, long headerBytes, long bytes) {
      this.in = in;
      this.source = source;
      this.shape = shape;
      this.headerBytes = headerBytes;
      this.bytes = bytes;
    }

    long[] shape() {
      return shape.clone();
    }

    /** Payload bytes the header declares. */
    long bytes() {
      return bytes;
    }

    /** Reads the next {@code length} payload bytes; a truncated file fails naming it. */
    void readFully(byte[] b, int offset, int length) throws IOException {
      if (received + length > bytes) {
        throw new IllegalStateException("reading past the " + bytes + "-byte payload");
      }
      int got = in.readNBytes(b, offset, length);
      received += got;
      if (got < length) {
        throw new Qnn4jFormatException(
            source, payloadMismatch(shape, headerBytes, bytes, received));
      }
    }

    private void finish() throws IOException {
      if (received < bytes) {
        throw new IllegalStateException("the payload was not read to its end");
      }
      if (in.read() >= 0) {
        throw new Qnn4jFormatException(
            source,
            "unexpected data after the "
                + bytes
                + " payload bytes of IDX dimensions "
                + Arrays.toString(shape));
      }
    }
  }

  /** Reads and checks the header; {@code size} is the stream's total length if known, else -1. */
  private static Payload open(InputStream in, String source, long size) throws IOException {
    byte[] magicBytes = in.readNBytes(4);
    if (magicBytes.length < 4) {
      throw new Qnn4jFormatException(
          source, "only " + magicBytes.length + " bytes, too short for an IDX header");
    }
    int magic = ByteBuffer.wrap(magicBytes).getInt();
    if (magic != MAGIC_UBYTE_1D && magic != MAGIC_UBYTE_3D) {
      throw new Qnn4jFormatException(
          source,
          String.format(
              "bad IDX magic 0x%08x (expected 0x%08x for ubyte labels or 0x%08x for ubyte images)",
              magic, MAGIC_UBYTE_1D, MAGIC_UBYTE_3D));
    }
    int rank = magic & 0xFF;
    byte[] dimBytes = in.readNBytes(4 * rank);
    if (dimBytes.length < 4 * rank) {
      throw new Qnn4jFormatException(
          source,
          "truncated IDX header: "
              + rank
              + " dimensions need "
              + (4 + 4 * rank)
              + " bytes, found "
              + (4 + dimBytes.length));
    }
    long[] shape = new long[rank];
    ByteBuffer dims = ByteBuffer.wrap(dimBytes);
    for (int i = 0; i < rank; i++) {
      shape[i] = dims.getInt();
      if (shape[i] < 0) {
        throw new Qnn4jFormatException(
            source, "negative dimension in IDX header " + Arrays.toString(shape));
      }
    }
    long headerBytes = 4 + 4L * rank;
    long expected;
    try {
      expected = ArrayData.checkedElementCount(shape);
    } catch (IllegalArgumentException e) {
      throw new Qnn4jFormatException(source, "IDX header " + e.getMessage());
    }
    if (size >= 0 && size - headerBytes != expected) {
      throw new Qnn4jFormatException(
          source, payloadMismatch(shape, headerBytes, expected, size - headerBytes));
    }
    return new Payload(in, source, shape, headerBytes, expected);
  }

  private static String payloadMismatch(
      long[] shape, long headerBytes, long expected, long actual) {
    return (actual < expected ? "truncated" : "oversized")
        + ": IDX dimensions "
        + Arrays.toString(shape)
        + " need "
        + expected
        + " payload bytes after the "
        + headerBytes
        + "-byte header, found "
        + actual;
  }

  private static boolean startsWithGzipMagic(InputStream in) throws IOException {
    in.mark(2);
    int b0 = in.read();
    int b1 = in.read();
    in.reset();
    return b0 == 0x1f && b1 == 0x8b;
  }
}
