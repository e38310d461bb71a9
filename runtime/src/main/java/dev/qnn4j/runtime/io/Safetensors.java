package dev.qnn4j.runtime.io;

import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;
import dev.qnn4j.runtime.io.ArrayData.DType;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
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
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reader and writer of the <a href="https://github.com/huggingface/safetensors">safetensors</a>
 * format, the weight format of the PyTorch reference models.
 *
 * <p>Layout: an unsigned 64-bit little-endian header length N, N bytes of UTF-8 JSON mapping each
 * tensor name to {@code {"dtype", "shape", "data_offsets": [begin, end]}} (plus an optional {@code
 * "__metadata__"} string-to-string map), then the data blob; offsets are relative to the blob and
 * data is little-endian, row-major.
 *
 * <p>Reading validates as strictly as the reference implementation, so that any file accepted here
 * also loads in PyTorch: the JSON must be well-formed with no duplicate names, every dtype
 * supported (F32, F64, I64, I32, U8, I8), every byte range must match its shape, and the tensors
 * must tile the blob exactly (no overlap, no gap, no trailing bytes). Each failure is a one-line
 * {@link Qnn4jFormatException} naming the file and, where there is one, the tensor.
 */
public final class Safetensors {

  /** The reference implementation's limit; a larger header is corrupt, not a real model. */
  static final long MAX_HEADER_BYTES = 100L << 20;

  private static final String METADATA_KEY = "__metadata__";

  private Safetensors() {}

  /**
   * A file's content.
   *
   * @param tensors the tensors in file-header order
   * @param metadata the {@code __metadata__} map, empty if absent
   */
  public record SafetensorsFile(Map<String, ArrayData> tensors, Map<String, String> metadata) {
    public SafetensorsFile {
      tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
      metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }
  }

  /** One header entry, before its data is read. */
  private record Entry(String name, DType dtype, long[] shape, long begin, long end) {}

  /** Reads every tensor of a safetensors file. */
  public static SafetensorsFile read(Path file) throws IOException {
    String source = file.toString();
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      long fileSize = channel.size();
      if (fileSize < 8) {
        throw new Qnn4jFormatException(
            source,
            "only "
                + fileSize
                + " bytes, too short for the 8-byte header length of a safetensors file");
      }
      ByteBuffer lengthField = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      readFully(channel, lengthField, 0);
      long headerLength = lengthField.flip().getLong();
      // Unsigned in the format; a negative long is a length beyond 2^63, equally impossible.
      if (headerLength < 0 || headerLength > fileSize - 8) {
        throw new Qnn4jFormatException(
            source,
            "header length "
                + Long.toUnsignedString(headerLength)
                + " exceeds the file size ("
                + fileSize
                + " bytes); not a safetensors file or truncated");
      }
      if (headerLength > MAX_HEADER_BYTES) {
        throw new Qnn4jFormatException(
            source,
            "header length " + headerLength + " exceeds the " + MAX_HEADER_BYTES + "-byte limit");
      }
      ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
      readFully(channel, headerBytes, 8);
      String json = decodeUtf8(headerBytes.flip(), source);

      Map<String, String> metadata = new LinkedHashMap<>();
      List<Entry> entries = parseHeader(json, metadata, source);
      long blobStart = 8 + headerLength;
      checkLayout(entries, fileSize - blobStart, source);

      Map<String, ArrayData> tensors = new LinkedHashMap<>();
      for (Entry e : entries) {
        int count = (int) ((e.end() - e.begin()) / e.dtype().byteSize());
        Object data = Payloads.read(channel, blobStart + e.begin(), e.dtype(), count, source);
        tensors.put(e.name(), ArrayData.wrap(e.dtype(), e.shape(), data));
      }
      return new SafetensorsFile(tensors, metadata);
    } catch (IOException e) {
      throw FileErrors.naming(source, e);
    }
  }

  /**
   * Writes {@code tensors}, in the map's iteration order, and {@code metadata} (omitted if empty)
   * as a safetensors file, atomically (see {@link AtomicFiles}).
   */
  public static void write(Path file, Map<String, ArrayData> tensors, Map<String, String> metadata)
      throws IOException {
    byte[] header = encodeHeader(tensors, metadata);
    AtomicFiles.write(
        file,
        out -> {
          out.write(
              ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
          out.write(header);
          for (ArrayData tensor : tensors.values()) {
            Payloads.write(out, tensor);
          }
        });
  }

  /** Writes {@code tensors} without metadata. */
  public static void write(Path file, Map<String, ArrayData> tensors) throws IOException {
    write(file, tensors, Map.of());
  }

  // ---------------------------------------------------------------------------------------------
  // Header parsing

  private static List<Entry> parseHeader(String json, Map<String, String> metadata, String source)
      throws Qnn4jFormatException {
    List<Entry> entries = new ArrayList<>();
    String current = null; // the tensor being parsed, for error messages
    try {
      JsonReader reader = new JsonReader(new StringReader(json));
      reader.setStrictness(Strictness.STRICT);
      reader.beginObject();
      Set<String> seen = new HashSet<>();
      while (reader.hasNext()) {
        String name = reader.nextName();
        current = name;
        if (!seen.add(name)) {
          throw new Qnn4jFormatException(
              source,
              "header lists "
                  + (name.equals(METADATA_KEY)
                      ? METADATA_KEY
                      : "tensor " + Qnn4jFormatException.quote(name))
                  + " twice");
        }
        if (name.equals(METADATA_KEY)) {
          parseMetadata(reader, metadata, source);
        } else {
          entries.add(parseEntry(reader, name, source));
        }
      }
      current = null;
      reader.endObject();
      if (reader.peek() != JsonToken.END_DOCUMENT) {
        throw new Qnn4jFormatException(source, "header has content after its JSON object");
      }
    } catch (Qnn4jFormatException e) {
      throw e;
    } catch (IOException | IllegalStateException | NumberFormatException e) {
      throw new Qnn4jFormatException(
          source,
          "header is not valid JSON"
              + (current == null ? "" : " (in tensor " + Qnn4jFormatException.quote(current) + ")")
              + ": "
              + gsonDetail(e),
          e);
    }
    return entries;
  }

  /**
   * Gson's message without its advice to enable lenient parsing and without the multi-line
   * troubleshooting link, e.g. "malformed JSON at line 1 column 10 path $.a".
   */
  private static String gsonDetail(Exception e) {
    String first = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
    return first.replaceFirst("^Use JsonReader\\.setStrictness\\(.*?\\) to accept ", "");
  }

  private static void parseMetadata(JsonReader reader, Map<String, String> metadata, String source)
      throws IOException {
    if (reader.peek() != JsonToken.BEGIN_OBJECT) {
      throw new Qnn4jFormatException(
          source, METADATA_KEY + " must be an object of strings, found " + reader.peek());
    }
    reader.beginObject();
    while (reader.hasNext()) {
      String key = reader.nextName();
      if (reader.peek() != JsonToken.STRING) {
        throw new Qnn4jFormatException(
            source,
            METADATA_KEY
                + " value of "
                + Qnn4jFormatException.quote(key)
                + " must be a string, found "
                + reader.peek());
      }
      if (metadata.put(key, reader.nextString()) != null) {
        throw new Qnn4jFormatException(
            source, METADATA_KEY + " lists " + Qnn4jFormatException.quote(key) + " twice");
      }
    }
    reader.endObject();
  }

  private static Entry parseEntry(JsonReader reader, String name, String source)
      throws IOException {
    String tensor = "tensor " + Qnn4jFormatException.quote(name);
    if (reader.peek() != JsonToken.BEGIN_OBJECT) {
      throw new Qnn4jFormatException(
          source, tensor + " must be a JSON object, found " + reader.peek());
    }
    String dtypeName = null;
    long[] shape = null;
    long[] offsets = null;
    reader.beginObject();
    while (reader.hasNext()) {
      String field = reader.nextName();
      switch (field) {
        case "dtype" -> {
          if (reader.peek() != JsonToken.STRING) {
            throw new Qnn4jFormatException(source, tensor + " dtype must be a string");
          }
          dtypeName = reader.nextString();
        }
        case "shape" -> shape = readLongArray(reader, source, tensor + " shape");
        case "data_offsets" -> offsets = readLongArray(reader, source, tensor + " data_offsets");
        default ->
            throw new Qnn4jFormatException(
                source,
                tensor
                    + " has unknown field "
                    + Qnn4jFormatException.quote(field)
                    + " (expected dtype, shape, data_offsets)");
      }
    }
    reader.endObject();

    if (dtypeName == null || shape == null || offsets == null) {
      String missing = dtypeName == null ? "dtype" : shape == null ? "shape" : "data_offsets";
      throw new Qnn4jFormatException(source, tensor + " has no " + missing);
    }
    DType dtype = DType.fromSafetensorsName(dtypeName);
    if (dtype == null) {
      throw new Qnn4jFormatException(
          source,
          tensor
              + " has unsupported dtype "
              + Qnn4jFormatException.quote(dtypeName)
              + " (supported: F32, F64, I64, I32, U8, I8)");
    }
    if (offsets.length != 2) {
      throw new Qnn4jFormatException(
          source,
          tensor + " data_offsets must be [begin, end], found " + offsets.length + " numbers");
    }
    long begin = offsets[0];
    long end = offsets[1];
    if (begin > end) {
      throw new Qnn4jFormatException(
          source, tensor + " data_offsets [" + begin + ", " + end + "] end before they begin");
    }
    long elements = 1;
    for (long d : shape) {
      // Shapes whose byte count overflows cannot match any real offsets either.
      if (d != 0 && elements > Long.MAX_VALUE / dtype.byteSize() / d) {
        throw new Qnn4jFormatException(
            source, tensor + " shape " + Arrays.toString(shape) + " is too large");
      }
      elements *= d;
    }
    long expectedBytes = elements * dtype.byteSize();
    if (end - begin != expectedBytes) {
      throw new Qnn4jFormatException(
          source,
          tensor
              + " declares "
              + elements
              + " elements but its data_offsets span "
              + (end - begin)
              + " bytes (expected "
              + expectedBytes
              + ")");
    }
    if (elements > ArrayData.MAX_ELEMENTS) {
      throw new Qnn4jFormatException(
          source, tensor + " has " + elements + " elements, more than a Java array can hold");
    }
    return new Entry(name, dtype, shape, begin, end);
  }

  /** A JSON array of non-negative integers (safetensors uses unsigned sizes throughout). */
  private static long[] readLongArray(JsonReader reader, String source, String what)
      throws IOException {
    if (reader.peek() != JsonToken.BEGIN_ARRAY) {
      throw new Qnn4jFormatException(
          source, what + " must be an array of integers, found " + reader.peek());
    }
    List<Long> values = new ArrayList<>();
    reader.beginArray();
    while (reader.hasNext()) {
      if (reader.peek() != JsonToken.NUMBER) {
        throw new Qnn4jFormatException(
            source, what + " must contain integers, found " + reader.peek());
      }
      String text = reader.nextString();
      long value;
      try {
        value = Long.parseLong(text);
      } catch (NumberFormatException e) {
        throw new Qnn4jFormatException(
            source,
            what + " contains " + Qnn4jFormatException.quote(text) + ", not an integer in range");
      }
      if (value < 0) {
        throw new Qnn4jFormatException(source, what + " contains the negative value " + value);
      }
      values.add(value);
    }
    reader.endArray();
    return values.stream().mapToLong(Long::longValue).toArray();
  }

  /** Tensors must lie inside the blob and tile it exactly, as the reference reader requires. */
  private static void checkLayout(List<Entry> entries, long blobSize, String source)
      throws Qnn4jFormatException {
    List<Entry> byOffset = new ArrayList<>(entries);
    byOffset.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
    long covered = 0;
    Entry previous = null;
    for (Entry e : byOffset) {
      String tensor = "tensor " + Qnn4jFormatException.quote(e.name());
      if (e.end() > blobSize) {
        throw new Qnn4jFormatException(
            source,
            tensor
                + " data_offsets ["
                + e.begin()
                + ", "
                + e.end()
                + "] run past the end of the "
                + blobSize
                + "-byte data section");
      }
      if (e.begin() < covered) {
        throw new Qnn4jFormatException(
            source,
            tensor
                + " data_offsets ["
                + e.begin()
                + ", "
                + e.end()
                + "] overlap tensor "
                + Qnn4jFormatException.quote(previous.name())
                + " ["
                + previous.begin()
                + ", "
                + previous.end()
                + "]");
      }
      if (e.begin() > covered) {
        throw new Qnn4jFormatException(
            source,
            "data bytes ["
                + covered
                + ", "
                + e.begin()
                + ") belong to no tensor (gap before tensor "
                + Qnn4jFormatException.quote(e.name())
                + ")");
      }
      covered = e.end();
      previous = e;
    }
    if (covered != blobSize) {
      throw new Qnn4jFormatException(
          source, "data section has " + blobSize + " bytes but the tensors cover only " + covered);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Header writing

  private static byte[] encodeHeader(Map<String, ArrayData> tensors, Map<String, String> metadata)
      throws IOException {
    StringWriter text = new StringWriter();
    JsonWriter json = new JsonWriter(text);
    json.beginObject();
    if (!metadata.isEmpty()) {
      json.name(METADATA_KEY).beginObject();
      for (Map.Entry<String, String> e : metadata.entrySet()) {
        json.name(e.getKey()).value(e.getValue());
      }
      json.endObject();
    }
    long offset = 0;
    for (Map.Entry<String, ArrayData> e : tensors.entrySet()) {
      if (e.getKey().equals(METADATA_KEY)) {
        throw new IllegalArgumentException(METADATA_KEY + " is reserved and cannot name a tensor");
      }
      ArrayData tensor = e.getValue();
      long bytes = Payloads.byteLength(tensor);
      json.name(e.getKey()).beginObject();
      json.name("dtype").value(tensor.dtype().safetensorsName());
      json.name("shape").beginArray();
      for (long d : tensor.shape()) {
        json.value(d);
      }
      json.endArray();
      json.name("data_offsets").beginArray().value(offset).value(offset + bytes).endArray();
      json.endObject();
      offset += bytes;
    }
    json.endObject();
    json.close();
    // Pad with spaces to a multiple of 8 bytes, as the reference writer does, so the data blob
    // starts 8-byte aligned and can be memory-mapped as typed arrays.
    StringBuilder header = new StringBuilder(text.toString());
    int length = header.toString().getBytes(StandardCharsets.UTF_8).length;
    header.append(" ".repeat((8 - length % 8) % 8));
    return header.toString().getBytes(StandardCharsets.UTF_8);
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  private static void readFully(FileChannel channel, ByteBuffer buffer, long position)
      throws IOException {
    while (buffer.hasRemaining()) {
      if (channel.read(buffer, position + buffer.position()) < 0) {
        throw new IOException("unexpected end of file");
      }
    }
  }

  private static String decodeUtf8(ByteBuffer bytes, String source) throws Qnn4jFormatException {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(bytes)
          .toString();
    } catch (CharacterCodingException e) {
      throw new Qnn4jFormatException(source, "header is not valid UTF-8");
    }
  }
}
