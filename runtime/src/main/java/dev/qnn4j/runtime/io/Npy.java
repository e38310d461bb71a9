package dev.qnn4j.runtime.io;

import dev.qnn4j.runtime.io.ArrayData.DType;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Reader and writer of NumPy {@code .npy} files.
 *
 * <p>Reads format versions 1.0, 2.0 and 3.0; writes 1.0 (2.0 only if the header would not fit),
 * exactly like {@code numpy.save}. Supported dtypes: {@code <f4 <f8 <i8 <i4 |u1 |i1}. One-byte
 * types accept any byte-order character ({@code | < > =}); multi-byte types must be little-endian
 * ({@code <}): {@code >} (big-endian) is rejected, and so is {@code =} (native order of the machine
 * that wrote the file, which the file does not record).
 *
 * <p>Fortran-ordered arrays ({@code fortran_order: True}, what {@code np.save(f, a.T)} writes) are
 * supported: they are transposed on reading, so the result is always row-major.
 *
 * <p>Everything the header declares is validated before the data array is allocated: the header
 * must lie within the file, and the declared element count times the item size must equal the
 * number of bytes after the header exactly, so truncated files, files with trailing bytes and
 * headers declaring absurd shapes are rejected with a one-line {@link Qnn4jFormatException}.
 */
public final class Npy {

  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

  /** numpy pads the header so that the data starts at a multiple of this. */
  private static final int ALIGNMENT = 64;

  private static final int GROWTH_AXIS_MAX_DIGITS = 21;

  /**
   * Real headers are well under 1 KiB; the cap bounds what a corrupt length field can make us read.
   */
  private static final int MAX_HEADER_BYTES = 1 << 20;

  private static final int STREAM_CHUNK_BYTES = 1 << 24;

  private Npy() {}

  /** Parsed header: what the file says its data is. */
  private record Header(DType dtype, boolean fortranOrder, long[] shape, long dataOffset) {}

  /** Reads a {@code .npy} file. */
  public static ArrayData read(Path file) throws IOException {
    String source = file.toString();
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      long fileSize = channel.size();
      Header header = readHeader(n -> readNext(channel, n), source, fileSize);
      long dataBytes = fileSize - header.dataOffset();
      int count = checkPayloadSize(header, dataBytes, source);
      Object data = Payloads.read(channel, header.dataOffset(), header.dtype(), count, source);
      return toArray(header, data);
    } catch (IOException e) {
      throw FileErrors.naming(source, e);
    }
  }

  /**
   * Where a {@code .npy} file's data lies, for memory-mapping it: {@code dataBytes} bytes of {@code
   * dtype} (little-endian) from byte {@code dataOffset}, in C order unless {@code fortranOrder}.
   */
  public record Layout(
      DType dtype, long[] shape, boolean fortranOrder, long dataOffset, long dataBytes) {
    public Layout {
      shape = shape.clone();
    }

    @Override
    public long[] shape() {
      return shape.clone();
    }
  }

  /**
   * Reads and validates only the header of a {@code .npy} file, like {@link #read(Path)} (the data
   * size must match the header exactly), without reading the data; there is no limit on the element
   * count, so arrays larger than the heap can be mapped.
   */
  public static Layout layout(Path file) throws IOException {
    String source = file.toString();
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      long fileSize = channel.size();
      Header header = readHeader(n -> readNext(channel, n), source, fileSize);
      long dataBytes = checkPayloadBytes(header, fileSize - header.dataOffset(), source);
      return new Layout(
          header.dtype(), header.shape(), header.fortranOrder(), header.dataOffset(), dataBytes);
    } catch (IOException e) {
      throw FileErrors.naming(source, e);
    }
  }

  /**
   * Reads a {@code .npy} array from {@code in}, which must end right after the array data. {@code
   * sourceName} names the stream in error messages. The stream is not closed.
   */
  public static ArrayData read(InputStream in, String sourceName) throws IOException {
    Header header = readHeader(in::readNBytes, sourceName, -1);
    long expectedBytes = expectedBytes(header, sourceName);
    checkElementLimit(header, sourceName);
    Payloads.checkFitsInHeap(sourceName, expectedBytes);
    // The stream's length is unknown, so the header cannot be trusted for an up-front allocation:
    // read in chunks and allocate the array only once all of its bytes have actually arrived.
    List<byte[]> chunks = new ArrayList<>();
    long received = 0;
    while (received < expectedBytes) {
      byte[] chunk = in.readNBytes((int) Math.min(STREAM_CHUNK_BYTES, expectedBytes - received));
      received += chunk.length;
      if (chunk.length == 0) {
        break;
      }
      chunks.add(chunk);
    }
    if (received < expectedBytes) {
      throw new Qnn4jFormatException(
          sourceName,
          "truncated: header declares shape "
              + shapeString(header.shape())
              + " of "
              + header.dtype().npyDescr()
              + " = "
              + expectedBytes
              + " data bytes, found "
              + received);
    }
    if (in.read() >= 0) {
      throw new Qnn4jFormatException(
          sourceName,
          "unexpected bytes after the "
              + expectedBytes
              + " data bytes of shape "
              + shapeString(header.shape())
              + " "
              + header.dtype().npyDescr());
    }
    int count = (int) (expectedBytes / header.dtype().byteSize());
    Object data = Payloads.allocate(header.dtype(), count);
    int offset = 0;
    for (byte[] chunk : chunks) {
      Payloads.decode(ByteBuffer.wrap(chunk), header.dtype(), data, offset);
      offset += chunk.length / header.dtype().byteSize();
    }
    return toArray(header, data);
  }

  /**
   * Writes {@code array} as a version 1.0 {@code .npy} file, atomically (see {@link AtomicFiles}).
   */
  public static void write(Path file, ArrayData array) throws IOException {
    byte[] preamble = preamble(array);
    AtomicFiles.write(
        file,
        out -> {
          out.write(preamble);
          Payloads.write(out, array);
        });
  }

  /** Writes {@code array} in {@code .npy} format to {@code out} (not closed). */
  public static void write(OutputStream out, ArrayData array) throws IOException {
    out.write(preamble(array));
    Payloads.write(out, array);
  }

  // ---------------------------------------------------------------------------------------------
  // Header reading

  /** Returns up to {@code n} bytes; fewer only at end of input. */
  @FunctionalInterface
  private interface ByteSource {
    byte[] read(int n) throws IOException;
  }

  private static Header readHeader(ByteSource in, String source, long fileSize) throws IOException {
    byte[] start = in.read(MAGIC.length + 2);
    int compared = Math.min(start.length, MAGIC.length);
    if (!Arrays.equals(start, 0, compared, MAGIC, 0, compared)) {
      throw new Qnn4jFormatException(
          source,
          "not a .npy file: bad magic "
              + hex(start, MAGIC.length)
              + " (expected 93 4e 55 4d 50 59, i.e. \\x93NUMPY)");
    }
    if (start.length < MAGIC.length + 2) {
      throw new Qnn4jFormatException(
          source,
          "not a .npy file: only "
              + start.length
              + " bytes, too short for the \\x93NUMPY preamble");
    }
    int major = start[6] & 0xFF;
    int minor = start[7] & 0xFF;
    if (minor != 0 || major < 1 || major > 3) {
      throw new Qnn4jFormatException(
          source,
          "unsupported .npy format version " + major + "." + minor + " (supported: 1.0, 2.0, 3.0)");
    }
    int lengthFieldBytes = major == 1 ? 2 : 4;
    byte[] lengthField = in.read(lengthFieldBytes);
    if (lengthField.length < lengthFieldBytes) {
      throw new Qnn4jFormatException(source, "truncated in the header length field");
    }
    ByteBuffer lengthBuffer = ByteBuffer.wrap(lengthField).order(ByteOrder.LITTLE_ENDIAN);
    long headerLength =
        major == 1
            ? Short.toUnsignedInt(lengthBuffer.getShort())
            : Integer.toUnsignedLong(lengthBuffer.getInt());
    long dataOffset = MAGIC.length + 2 + lengthFieldBytes + headerLength;
    if (fileSize >= 0 && dataOffset > fileSize) {
      throw new Qnn4jFormatException(
          source,
          "header length "
              + headerLength
              + " runs past the end of the file ("
              + fileSize
              + " bytes)");
    }
    if (headerLength > MAX_HEADER_BYTES) {
      throw new Qnn4jFormatException(
          source,
          "header length " + headerLength + " exceeds the " + MAX_HEADER_BYTES + "-byte limit");
    }
    byte[] headerBytes = in.read((int) headerLength);
    if (headerBytes.length < headerLength) {
      throw new Qnn4jFormatException(
          source,
          "truncated header: length field says "
              + headerLength
              + " bytes, found "
              + headerBytes.length);
    }
    // Versions 1 and 2 store the header in latin-1, version 3 in UTF-8.
    String text;
    if (major == 3) {
      try {
        text =
            StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(headerBytes))
                .toString();
      } catch (CharacterCodingException e) {
        throw new Qnn4jFormatException(source, "version 3.0 header is not valid UTF-8");
      }
    } else {
      text = new String(headerBytes, StandardCharsets.ISO_8859_1);
    }
    return parseHeader(text, dataOffset, source);
  }

  private static Header parseHeader(String text, long dataOffset, String source)
      throws Qnn4jFormatException {
    Map<String, Object> dict;
    try {
      dict = new HeaderParser(text).parseDict();
    } catch (IllegalArgumentException e) {
      throw new Qnn4jFormatException(
          source,
          "malformed header: "
              + e.getMessage()
              + " in "
              + Qnn4jFormatException.quote(abbreviate(text.strip())));
    }
    for (String key : List.of("descr", "fortran_order", "shape")) {
      if (!dict.containsKey(key)) {
        throw new Qnn4jFormatException(source, "header has no '" + key + "' entry");
      }
    }
    if (dict.size() != 3) {
      List<String> extra = new ArrayList<>(dict.keySet());
      extra.removeAll(List.of("descr", "fortran_order", "shape"));
      StringJoiner names = new StringJoiner(", ", "[", "]");
      extra.stream().sorted().limit(5).forEach(k -> names.add(Qnn4jFormatException.quote(k)));
      throw new Qnn4jFormatException(
          source,
          "header has unexpected entries "
              + names
              + (extra.size() > 5 ? " and " + (extra.size() - 5) + " more" : "")
              + " (expected only 'descr', 'fortran_order', 'shape')");
    }
    if (dict.get("descr") instanceof StructuredDescr structured) {
      throw new Qnn4jFormatException(
          source,
          "structured dtypes are not supported (descr is "
              + Qnn4jFormatException.quote(structured.text())
              + ")");
    }
    if (!(dict.get("descr") instanceof String descr)) {
      throw new Qnn4jFormatException(
          source, "header 'descr' must be a string, not " + describe(dict.get("descr")));
    }
    if (!(dict.get("fortran_order") instanceof Boolean fortran)) {
      throw new Qnn4jFormatException(
          source,
          "header 'fortran_order' must be True or False, not "
              + describe(dict.get("fortran_order")));
    }
    if (!(dict.get("shape") instanceof long[] shape)) {
      throw new Qnn4jFormatException(
          source, "header 'shape' must be a tuple of integers, not " + describe(dict.get("shape")));
    }
    for (long d : shape) {
      if (d < 0) {
        throw new Qnn4jFormatException(
            source, "header shape " + shapeString(shape) + " has a negative dimension");
      }
    }
    return new Header(parseDescr(descr, source), fortran, shape, dataOffset);
  }

  private static DType parseDescr(String descr, String source) throws Qnn4jFormatException {
    char order = descr.isEmpty() ? '?' : descr.charAt(0);
    boolean hasOrder = order == '<' || order == '>' || order == '=' || order == '|';
    String kind = hasOrder ? descr.substring(1) : descr;
    DType dtype =
        switch (kind) {
          case "f4" -> DType.FLOAT32;
          case "f8" -> DType.FLOAT64;
          case "i8" -> DType.INT64;
          case "i4" -> DType.INT32;
          case "u1" -> DType.UINT8;
          case "i1" -> DType.INT8;
          default -> null;
        };
    if (dtype == null) {
      throw new Qnn4jFormatException(
          source,
          "unsupported dtype "
              + Qnn4jFormatException.quote(descr)
              + " (supported: <f4, <f8, <i8, <i4, |u1, |i1)");
    }
    if (dtype.byteSize() > 1) {
      if (order == '>') {
        throw new Qnn4jFormatException(
            source,
            "big-endian dtype "
                + Qnn4jFormatException.quote(descr)
                + " is not supported; convert with a.astype('"
                + dtype.npyDescr()
                + "')");
      }
      if (order != '<') {
        throw new Qnn4jFormatException(
            source,
            "dtype "
                + Qnn4jFormatException.quote(descr)
                + " does not state its byte order; expected '"
                + dtype.npyDescr()
                + "'");
      }
    }
    return dtype;
  }

  /** Bytes the header's shape and dtype need, or an error if that overflows a long. */
  private static long expectedBytes(Header header, String source) throws Qnn4jFormatException {
    try {
      long bytes = header.dtype().byteSize();
      for (long d : header.shape()) {
        bytes = Math.multiplyExact(bytes, d);
      }
      return bytes;
    } catch (ArithmeticException e) {
      throw new Qnn4jFormatException(
          source,
          "header shape "
              + shapeString(header.shape())
              + " of "
              + header.dtype().npyDescr()
              + " is too large (byte count overflows)");
    }
  }

  private static void checkElementLimit(Header header, String source) throws Qnn4jFormatException {
    try {
      ArrayData.checkedElementCount(header.shape());
    } catch (IllegalArgumentException e) {
      throw new Qnn4jFormatException(source, "header " + e.getMessage());
    }
  }

  /** Checks the data size against the header; returns the element count. */
  private static int checkPayloadSize(Header header, long dataBytes, String source)
      throws Qnn4jFormatException {
    long expected = checkPayloadBytes(header, dataBytes, source);
    checkElementLimit(header, source);
    return (int) (expected / header.dtype().byteSize());
  }

  /** Checks the data size against the header, with no limit on it; returns the byte count. */
  private static long checkPayloadBytes(Header header, long dataBytes, String source)
      throws Qnn4jFormatException {
    long expected = expectedBytes(header, source);
    if (expected != dataBytes) {
      throw new Qnn4jFormatException(
          source,
          (dataBytes < expected ? "truncated" : "oversized")
              + ": header declares shape "
              + shapeString(header.shape())
              + " of "
              + header.dtype().npyDescr()
              + " = "
              + expected
              + " data bytes, but the file has "
              + dataBytes
              + " bytes after the header");
    }
    return expected;
  }

  private static ArrayData toArray(Header header, Object data) {
    long[] shape = header.shape();
    if (header.fortranOrder() && shape.length > 1) {
      data = fortranToC(data, header.dtype(), shape);
    }
    return ArrayData.wrap(header.dtype(), shape, data);
  }

  /**
   * Reorders column-major data into row-major order. Walks the destination in C order while
   * tracking the matching source offset, whose strides are those of Fortran order.
   */
  private static Object fortranToC(Object src, DType dtype, long[] shape) {
    int rank = shape.length;
    int count = java.lang.reflect.Array.getLength(src);
    if (count == 0) {
      return src;
    }
    int[] fortranStride = new int[rank];
    int stride = 1;
    for (int axis = 0; axis < rank; axis++) {
      fortranStride[axis] = stride;
      stride *= (int) shape[axis];
    }
    int[] sourceIndex = new int[count];
    int[] position = new int[rank];
    int offset = 0;
    for (int i = 0; i < count; i++) {
      sourceIndex[i] = offset;
      // Advance the multi-index like an odometer, last axis fastest.
      for (int axis = rank - 1; axis >= 0; axis--) {
        if (++position[axis] < shape[axis]) {
          offset += fortranStride[axis];
          break;
        }
        position[axis] = 0;
        offset -= (int) ((shape[axis] - 1) * fortranStride[axis]);
      }
    }
    Object dst = Payloads.allocate(dtype, count);
    switch (dtype) {
      case FLOAT32 -> gather((float[]) src, (float[]) dst, sourceIndex);
      case FLOAT64 -> gather((double[]) src, (double[]) dst, sourceIndex);
      case INT64 -> gather((long[]) src, (long[]) dst, sourceIndex);
      case INT32 -> gather((int[]) src, (int[]) dst, sourceIndex);
      case UINT8, INT8 -> gather((byte[]) src, (byte[]) dst, sourceIndex);
    }
    return dst;
  }

  private static void gather(float[] src, float[] dst, int[] index) {
    for (int i = 0; i < dst.length; i++) dst[i] = src[index[i]];
  }

  private static void gather(double[] src, double[] dst, int[] index) {
    for (int i = 0; i < dst.length; i++) dst[i] = src[index[i]];
  }

  private static void gather(long[] src, long[] dst, int[] index) {
    for (int i = 0; i < dst.length; i++) dst[i] = src[index[i]];
  }

  private static void gather(int[] src, int[] dst, int[] index) {
    for (int i = 0; i < dst.length; i++) dst[i] = src[index[i]];
  }

  private static void gather(byte[] src, byte[] dst, int[] index) {
    for (int i = 0; i < dst.length; i++) dst[i] = src[index[i]];
  }

  // ---------------------------------------------------------------------------------------------
  // Header writing

  private static byte[] preamble(ArrayData array) {
    long[] shape = array.shape();
    String dict =
        "{'descr': '"
            + array.dtype().npyDescr()
            + "', 'fortran_order': False, 'shape': "
            + shapeString(shape)
            + ", }";
    if (shape.length > 0) {
      // numpy leaves room for the first dimension to grow to 21 digits so that appending writers
      // can rewrite the header in place; doing the same makes our files byte-identical to np.save.
      dict += " ".repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - Long.toString(shape[0]).length()));
    }
    byte[] dictBytes = dict.getBytes(StandardCharsets.ISO_8859_1);
    int major = 1;
    int fixed = MAGIC.length + 2 + 2;
    // Header = dict + space padding + '\n', so that the data starts on a 64-byte boundary.
    int total = roundUp(fixed + dictBytes.length + 1, ALIGNMENT);
    if (total - fixed > 0xFFFF) {
      major = 2;
      fixed = MAGIC.length + 2 + 4;
      total = roundUp(fixed + dictBytes.length + 1, ALIGNMENT);
    }
    int headerLength = total - fixed;
    ByteBuffer out = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
    out.put(MAGIC).put((byte) major).put((byte) 0);
    if (major == 1) {
      out.putShort((short) headerLength);
    } else {
      out.putInt(headerLength);
    }
    out.put(dictBytes);
    while (out.position() < total - 1) {
      out.put((byte) ' ');
    }
    out.put((byte) '\n');
    return out.array();
  }

  private static int roundUp(int n, int multiple) {
    return (n + multiple - 1) / multiple * multiple;
  }

  /** Python tuple syntax, as numpy writes it: {@code ()}, {@code (5,)}, {@code (3, 16)}. */
  static String shapeString(long[] shape) {
    if (shape.length == 1) {
      return "(" + shape[0] + ",)";
    }
    StringJoiner joiner = new StringJoiner(", ", "(", ")");
    for (long d : shape) {
      joiner.add(Long.toString(d));
    }
    return joiner.toString();
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  /** Reads up to {@code n} bytes at the channel's position (fewer only at end of file). */
  private static byte[] readNext(FileChannel channel, int n) throws IOException {
    long available = Math.max(0, channel.size() - channel.position());
    ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(n, available));
    while (buffer.hasRemaining() && channel.read(buffer) >= 0) {
      // keep reading: a file channel may return fewer bytes than asked
    }
    return Arrays.copyOf(buffer.array(), buffer.position());
  }

  private static String hex(byte[] bytes, int n) {
    StringJoiner joiner = new StringJoiner(" ");
    for (int i = 0; i < Math.min(n, bytes.length); i++) {
      joiner.add(String.format("%02x", bytes[i] & 0xFF));
    }
    return joiner.toString();
  }

  /** A parsed header value as Python would write it, for error messages. */
  private static String describe(Object value) {
    if (value instanceof String s) {
      return Qnn4jFormatException.quote(s);
    }
    if (value instanceof long[] tuple) {
      return shapeString(tuple);
    }
    if (value instanceof StructuredDescr structured) {
      return Qnn4jFormatException.quote(structured.text());
    }
    return value instanceof Boolean b ? (b ? "True" : "False") : String.valueOf(value);
  }

  /** A list-valued descr, i.e. a structured (record) dtype. */
  private record StructuredDescr(String text) {}

  private static String abbreviate(String s) {
    return s.length() <= 120 ? s : s.substring(0, 117) + "...";
  }

  /**
   * Parser for the subset of Python literal syntax numpy writes in headers: a dict whose keys are
   * strings and whose values are strings, {@code True}/{@code False}, or tuples of integers. A list
   * (the descr of a structured dtype) is kept as a {@link StructuredDescr} so that the caller can
   * reject it with a clear message.
   */
  private static final class HeaderParser {
    private final String text;
    private int pos;

    HeaderParser(String text) {
      this.text = text;
    }

    Map<String, Object> parseDict() {
      Map<String, Object> dict = new HashMap<>();
      expect('{');
      while (true) {
        skipSpace();
        if (peek() == '}') {
          pos++;
          break;
        }
        String key = parseString();
        expect(':');
        Object value = parseValue();
        if (dict.put(key, value) != null) {
          throw new IllegalArgumentException("duplicate key " + Qnn4jFormatException.quote(key));
        }
        skipSpace();
        if (peek() == ',') {
          pos++;
        } else if (peek() != '}') {
          throw error("expected ',' or '}'");
        }
      }
      skipSpace();
      if (pos != text.length()) {
        throw error("unexpected text after the dict");
      }
      return dict;
    }

    private Object parseValue() {
      skipSpace();
      char c = peek();
      if (c == '\'' || c == '"') {
        return parseString();
      }
      if (c == '(') {
        return parseIntTuple();
      }
      if (c == '[') {
        return new StructuredDescr(skipBracketed());
      }
      if (text.startsWith("True", pos)) {
        pos += 4;
        return Boolean.TRUE;
      }
      if (text.startsWith("False", pos)) {
        pos += 5;
        return Boolean.FALSE;
      }
      throw error("unexpected value");
    }

    /**
     * Skips a (possibly nested) list, returning its text; only descr values of structured dtypes
     * are lists.
     */
    private String skipBracketed() {
      int start = pos;
      int depth = 0;
      char quote = 0;
      for (; pos < text.length(); pos++) {
        char ch = text.charAt(pos);
        if (quote != 0) {
          quote = ch == quote ? 0 : quote;
        } else if (ch == '\'' || ch == '"') {
          quote = ch;
        } else if (ch == '[' || ch == '(') {
          depth++;
        } else if ((ch == ']' || ch == ')') && --depth == 0) {
          pos++;
          return text.substring(start, pos);
        }
      }
      throw error("unterminated list");
    }

    private long[] parseIntTuple() {
      expect('(');
      List<Long> values = new ArrayList<>();
      while (true) {
        skipSpace();
        if (peek() == ')') {
          pos++;
          break;
        }
        values.add(parseInt());
        skipSpace();
        if (peek() == ',') {
          pos++;
        } else if (peek() != ')') {
          throw error("expected ',' or ')' in shape");
        }
      }
      return values.stream().mapToLong(Long::longValue).toArray();
    }

    private long parseInt() {
      int start = pos;
      if (peek() == '-' || peek() == '+') {
        pos++;
      }
      // ASCII digits only: Character.isDigit and Long.parseLong would also take e.g. Arabic-Indic
      // digits, which Python's literal_eval (numpy's header parser) rejects.
      while (pos < text.length() && text.charAt(pos) >= '0' && text.charAt(pos) <= '9') {
        pos++;
      }
      String digits = text.substring(start, pos);
      if (pos < text.length() && (text.charAt(pos) == 'L' || text.charAt(pos) == 'l')) {
        pos++; // Python 2 long suffix, found in files written by old numpy versions
      }
      try {
        return Long.parseLong(digits);
      } catch (NumberFormatException e) {
        pos = start;
        throw error("bad integer " + Qnn4jFormatException.quote(digits));
      }
    }

    private String parseString() {
      skipSpace();
      char quote = peek();
      if (quote != '\'' && quote != '"') {
        throw error("expected a string");
      }
      int end = text.indexOf(quote, pos + 1);
      if (end < 0) {
        throw error("unterminated string");
      }
      String s = text.substring(pos + 1, end);
      pos = end + 1;
      return s;
    }

    private void expect(char c) {
      skipSpace();
      if (peek() != c) {
        throw error("expected '" + c + "'");
      }
      pos++;
    }

    private char peek() {
      return pos < text.length() ? text.charAt(pos) : '\0';
    }

    private void skipSpace() {
      while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
        pos++;
      }
    }

    private IllegalArgumentException error(String what) {
      return new IllegalArgumentException(what + " at character " + pos);
    }
  }
}
