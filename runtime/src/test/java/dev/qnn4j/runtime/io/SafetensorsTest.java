package dev.qnn4j.runtime.io;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.qnn4j.runtime.io.ArrayData.DType;
import dev.qnn4j.runtime.io.Safetensors.SafetensorsFile;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SafetensorsTest {

  @TempDir Path dir;

  private static final String LENET = "lenet_weight_act_bias.weights.safetensors";

  /** A safetensors file with the given header text and data blob. */
  static byte[] safetensors(String header, byte[] blob) {
    byte[] json = header.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(8 + json.length + blob.length)
        .order(ByteOrder.LITTLE_ENDIAN)
        .putLong(json.length)
        .put(json)
        .put(blob)
        .array();
  }

  private Path file(byte[] content) throws IOException {
    return Files.write(dir.resolve("model.safetensors"), content);
  }

  private Qnn4jFormatException readFails(Path file) {
    Qnn4jFormatException e = assertThrows(Qnn4jFormatException.class, () -> Safetensors.read(file));
    assertThat(e).hasMessageThat().startsWith(file + ": ");
    assertThat(e.getMessage()).doesNotContain("\n");
    return e;
  }

  private Qnn4jFormatException readFails(String header, int blobBytes) throws IOException {
    return readFails(file(safetensors(header, new byte[blobBytes])));
  }

  // --- the reference PyTorch state dicts --------------------------------------------------------

  @Test
  void readsReferenceLenetStateDict() throws IOException {
    SafetensorsFile st = Safetensors.read(NpyTest.reference(LENET));
    Map<String, ArrayData> t = st.tensors();
    assertThat(t.keySet())
        .containsExactly(
            "conv1.weight",
            "conv1.bias",
            "conv2.weight",
            "conv2.bias",
            "fc1.weight",
            "fc1.bias",
            "fc2.weight",
            "fc2.bias",
            "fc3.weight",
            "fc3.bias")
        .inOrder();
    assertThat(t.get("conv1.weight").shape()).isEqualTo(new long[] {6, 3, 5, 5});
    assertThat(t.get("conv1.bias").shape()).isEqualTo(new long[] {6});
    assertThat(t.get("conv2.weight").shape()).isEqualTo(new long[] {16, 6, 5, 5});
    assertThat(t.get("fc1.weight").shape()).isEqualTo(new long[] {120, 400});
    assertThat(t.get("fc2.weight").shape()).isEqualTo(new long[] {84, 120});
    assertThat(t.get("fc3.weight").shape()).isEqualTo(new long[] {10, 84});
    assertThat(st.metadata()).isEmpty();
    // Values as numpy prints them (8 significant digits) after decoding the blob.
    assertThat(t.get("conv1.bias").floats()[0]).isWithin(1e-8f).of(0.09576266f);
    assertThat(t.get("conv1.bias").floats()[5]).isWithin(1e-8f).of(0.09636943f);
    float[] fc3 = t.get("fc3.weight").floats();
    assertThat(fc3[0]).isWithin(1e-8f).of(-0.10081962f);
    assertThat(fc3[fc3.length - 1]).isWithin(1e-9f).of(0.016918544f);
    for (ArrayData tensor : t.values()) {
      assertThat(tensor.dtype()).isEqualTo(DType.FLOAT32);
      for (float v : tensor.floats()) {
        assertThat(Float.isFinite(v)).isTrue();
      }
    }
  }

  /** Our writer reproduces the reference writer's bytes: same JSON layout, padding and order. */
  @ParameterizedTest
  @ValueSource(
      strings = {LENET, "lenet_weight.weights.safetensors", "qat.weights_after.safetensors"})
  void rewritingReferenceFileReproducesItsBytes(String name) throws IOException {
    Path original = NpyTest.reference(name);
    SafetensorsFile st = Safetensors.read(original);
    Path copy = dir.resolve(name);
    Safetensors.write(copy, st.tensors(), st.metadata());
    assertThat(Files.readAllBytes(copy)).isEqualTo(Files.readAllBytes(original));
  }

  // --- round trips ------------------------------------------------------------------------------

  @Test
  void writeThenReadPreservesTensorsOrderAndMetadata() throws IOException {
    Map<String, ArrayData> tensors = new LinkedHashMap<>();
    tensors.put("z.last_name_first", ArrayData.ofFloats(new float[] {1, -2, Float.NaN}, 3));
    tensors.put("a.int64", ArrayData.ofLongs(new long[] {Long.MIN_VALUE, 5}, 2, 1));
    tensors.put("m.u8", ArrayData.ofUnsignedBytes(new byte[] {(byte) 255}, 1));
    tensors.put("i8", ArrayData.ofBytes(new byte[] {-5, 6, 7}, 3));
    tensors.put("i32", ArrayData.ofInts(new int[] {Integer.MAX_VALUE}, 1, 1));
    tensors.put("f64 \"quoted\" ünïcode", ArrayData.ofDoubles(new double[] {Math.E}));
    tensors.put("empty", ArrayData.ofFloats(new float[0], 0, 4));
    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put("format", "pt");
    metadata.put("qnn4j.note", "line1\nline2");
    Path file = dir.resolve("rt.safetensors");

    Safetensors.write(file, tensors, metadata);
    SafetensorsFile back = Safetensors.read(file);

    assertThat(back.tensors()).isEqualTo(tensors);
    assertThat(back.tensors().keySet()).containsExactlyElementsIn(tensors.keySet()).inOrder();
    assertThat(back.metadata()).isEqualTo(metadata);
    long headerLength =
        ByteBuffer.wrap(Files.readAllBytes(file), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    assertThat(headerLength % 8).isEqualTo(0);
    String header =
        new String(Files.readAllBytes(file), 8, (int) headerLength, StandardCharsets.UTF_8);
    assertThat(header).startsWith("{\"__metadata__\":{\"format\":\"pt\"");
  }

  @Test
  void emptyMetadataIsOmittedAndNoTensorsIsValid() throws IOException {
    Path file = dir.resolve("empty.safetensors");
    Safetensors.write(file, Map.of());
    assertThat(Files.readAllBytes(file)).isEqualTo(safetensors("{}      ", new byte[0]));
    assertThat(Safetensors.read(file).tensors()).isEmpty();
  }

  @Test
  void metadataKeyCannotNameATensor() {
    assertThrows(
        IllegalArgumentException.class,
        () ->
            Safetensors.write(
                dir.resolve("x"), Map.of("__metadata__", ArrayData.ofFloats(new float[] {1}, 1))));
  }

  // --- corrupt input ----------------------------------------------------------------------------

  @Test
  void byteCountNotMatchingShapeNamesTensorAndNumbers() throws IOException {
    Qnn4jFormatException e =
        readFails(
            "{\"conv1.weight\":{\"dtype\":\"F32\",\"shape\":[6,3,5,5],\"data_offsets\":[0,1796]}}",
            1796);
    assertThat(e.problem())
        .isEqualTo(
            "tensor 'conv1.weight' declares 450 elements but its "
                + "data_offsets span 1796 bytes (expected 1800)");
  }

  @Test
  void offsetsBeyondDataSectionAreRejected() throws IOException {
    Qnn4jFormatException e =
        readFails("{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}", 16);
    assertThat(e)
        .hasMessageThat()
        .contains(
            "tensor 'w' data_offsets [8, 24] run past the end of " + "the 16-byte data section");
  }

  @Test
  void overlappingTensorsAreRejected() throws IOException {
    Qnn4jFormatException e =
        readFails(
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
            12);
    assertThat(e)
        .hasMessageThat()
        .contains("tensor 'b' data_offsets [4, 12] overlap tensor 'a' [0, 8]");
  }

  @Test
  void gapsAndTrailingBytesAreRejected() throws IOException {
    Qnn4jFormatException gap =
        readFails("{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[2,4]}}", 4);
    assertThat(gap).hasMessageThat().contains("data bytes [0, 2) belong to no tensor");
    Qnn4jFormatException trailing =
        readFails("{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}", 5);
    assertThat(trailing).hasMessageThat().contains("5 bytes but the tensors cover only 2");
  }

  @ParameterizedTest
  @ValueSource(strings = {"F16", "BF16", "BOOL", "f32", ""})
  void unsupportedDtypeIsRejected(String dtype) throws IOException {
    Qnn4jFormatException e =
        readFails("{\"w\":{\"dtype\":\"" + dtype + "\",\"shape\":[1],\"data_offsets\":[0,2]}}", 2);
    assertThat(e).hasMessageThat().contains("tensor 'w' has unsupported dtype '" + dtype + "'");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}", // unterminated
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],}}", // trailing comma
        "{'w':{}}", // single quotes
        "[1,2]",
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}} x"
      })
  void invalidJsonIsRejected(String header) throws IOException {
    assertThat(readFails(header, 4)).hasMessageThat().contains("header is not valid JSON");
  }

  @Test
  void headerLengthBeyondFileIsRejected() throws IOException {
    byte[] bytes = safetensors("{}      ", new byte[0]);
    bytes[0] = 100;
    assertThat(readFails(file(bytes)))
        .hasMessageThat()
        .contains("header length 100 exceeds the file size (16 bytes)");
  }

  @Test
  void absurdHeaderLengthIsRejectedBeforeReadingIt() throws IOException {
    // A sparse file just big enough to hold the claimed 200 MiB header.
    Path file = dir.resolve("big.safetensors");
    long claimed = 200L << 20;
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(claimed).array());
      raf.setLength(8 + claimed);
    }
    assertThat(readFails(file)).hasMessageThat().contains("exceeds the 104857600-byte limit");
  }

  @Test
  void tooShortFileIsRejected() throws IOException {
    assertThat(readFails(file(new byte[] {1, 2, 3}))).hasMessageThat().contains("too short");
  }

  @Test
  void duplicateTensorNameIsRejected() throws IOException {
    Qnn4jFormatException e =
        readFails(
            "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},"
                + "\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}",
            2);
    assertThat(e).hasMessageThat().contains("tensor 'a' twice");
  }

  @Test
  void malformedEntriesAreRejectedNamingTheTensor() throws IOException {
    assertThat(readFails("{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,0]}}", 0))
        .hasMessageThat()
        .contains("tensor 'w' shape contains the negative value -1");
    assertThat(readFails("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", 0))
        .hasMessageThat()
        .contains("tensor 'w' has no data_offsets");
    assertThat(
            readFails(
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}", 4))
        .hasMessageThat()
        .contains("tensor 'w' has unknown field 'x'");
    assertThat(readFails("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 4))
        .hasMessageThat()
        .contains("tensor 'w' data_offsets must be [begin, end]");
    assertThat(readFails("{\"w\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", 4))
        .hasMessageThat()
        .contains("tensor 'w' shape contains '1.5'");
    assertThat(readFails("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", 4))
        .hasMessageThat()
        .contains("end before they begin");
    assertThat(readFails("{\"w\":[]}", 0))
        .hasMessageThat()
        .contains("tensor 'w' must be a JSON object");
  }

  @Test
  void nonStringMetadataIsRejected() throws IOException {
    assertThat(readFails("{\"__metadata__\":{\"epoch\":3}}", 0))
        .hasMessageThat()
        .contains("__metadata__ value of 'epoch' must be a string");
  }

  @Test
  void controlCharactersInNamesCannotBreakTheOneLineMessage() throws IOException {
    Qnn4jFormatException e =
        readFails("{\"bad\\nname\":{\"dtype\":\"X\",\"shape\":[],\"data_offsets\":[0,0]}}", 0);
    assertThat(e).hasMessageThat().contains("'bad\\u000aname'");
  }

  @Test
  void hugeShapeIsRejectedWithoutOverflow() throws IOException {
    Qnn4jFormatException e =
        readFails(
            "{\"w\":{\"dtype\":\"F64\",\"shape\":"
                + "[4294967296,4294967296],\"data_offsets\":[0,0]}}",
            0);
    assertThat(e)
        .hasMessageThat()
        .contains("tensor 'w' shape [4294967296, 4294967296] is too large");
  }

  @Test
  void sourceAndProblemAreAvailableSeparately() throws IOException {
    Path file = file(safetensors("{\"w\":5}", new byte[0]));
    Qnn4jFormatException e = assertThrows(Qnn4jFormatException.class, () -> Safetensors.read(file));
    assertThat(e.source()).isEqualTo(file.toString());
    assertThat(e.problem()).isEqualTo("tensor 'w' must be a JSON object, found NUMBER");
    assertThat(e).hasMessageThat().isEqualTo(file + ": " + e.problem());
  }
}
