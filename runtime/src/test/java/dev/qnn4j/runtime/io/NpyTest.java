package dev.qnn4j.runtime.io;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.qnn4j.runtime.io.ArrayData.DType;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class NpyTest {

  @TempDir Path dir;

  static Path reference(String name) {
    try {
      return Path.of(NpyTest.class.getResource("/reference/brevitas/" + name).toURI());
    } catch (URISyntaxException | NullPointerException e) {
      throw new AssertionError("missing test resource " + name, e);
    }
  }

  /** A .npy file with a hand-written header, padded like numpy pads it. */
  static byte[] npy(int major, String dict, byte[] payload) {
    byte[] header =
        dict.getBytes(major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    int fixed = major == 1 ? 10 : 12;
    int total = (fixed + header.length + 1 + 63) / 64 * 64;
    ByteBuffer b = ByteBuffer.allocate(total + payload.length).order(ByteOrder.LITTLE_ENDIAN);
    b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
    if (major == 1) {
      b.putShort((short) (total - fixed));
    } else {
      b.putInt(total - fixed);
    }
    b.put(header);
    while (b.position() < total - 1) {
      b.put((byte) ' ');
    }
    b.put((byte) '\n').put(payload);
    return b.array();
  }

  static byte[] floatsLE(float... values) {
    ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      b.putFloat(v);
    }
    return b.array();
  }

  private Path file(String name, byte[] content) throws IOException {
    return Files.write(dir.resolve(name), content);
  }

  private Qnn4jFormatException readFails(Path file) {
    Qnn4jFormatException e = assertThrows(Qnn4jFormatException.class, () -> Npy.read(file));
    assertThat(e).hasMessageThat().startsWith(file.toString() + ": ");
    assertThat(e.getMessage()).doesNotContain("\n");
    return e;
  }

  // --- reference files written by numpy ---------------------------------------------------------

  @Test
  void readsReferenceFloat32() throws IOException {
    ArrayData a = Npy.read(reference("act_relu_b4.train_inputs.npy"));
    assertThat(a.dtype()).isEqualTo(DType.FLOAT32);
    assertThat(a.shape()).isEqualTo(new long[] {305, 4, 8});
    // The first value, as numpy prints it: np.load(...).flat[0] == -2.2945771
    assertThat(a.floats()[0]).isWithin(1e-6f).of(-2.2945771f);
    for (float v : a.floats()) {
      assertThat(Float.isFinite(v)).isTrue();
    }
  }

  @Test
  void readsReferenceInt64Labels() throws IOException {
    ArrayData labels = Npy.read(reference("qat.labels.npy"));
    assertThat(labels.dtype()).isEqualTo(DType.INT64);
    assertThat(labels.shape()).isEqualTo(new long[] {3, 16});
    assertThat(labels.longs()[0]).isEqualTo(6);
    assertThat(labels.longs()[1]).isEqualTo(1);
    for (long v : labels.longs()) {
      assertThat(v).isAtLeast(0);
      assertThat(v).isLessThan(10);
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "qat.labels.npy",
        "act_relu_b4.train_inputs.npy",
        "act_relu_b4.scale_per_step.npy",
        "qat.inputs.npy",
        "bias_int8.quant_bias.npy"
      })
  void rewritingReferenceFileReproducesNumpyBytes(String name) throws IOException {
    Path original = reference(name);
    Path copy = dir.resolve(name);
    Npy.write(copy, Npy.read(original));
    assertThat(Files.readAllBytes(copy)).isEqualTo(Files.readAllBytes(original));
  }

  // --- round trips ------------------------------------------------------------------------------

  static Stream<ArrayData> arrays() {
    return Stream.of(
        ArrayData.ofFloats(new float[] {1.5f, -0f, Float.NaN, Float.MAX_VALUE, 7, 8}, 2, 3),
        ArrayData.ofDoubles(new double[] {Math.PI, -1e300}, 2),
        ArrayData.ofLongs(new long[] {Long.MIN_VALUE, 0, Long.MAX_VALUE, 3}, 2, 1, 2),
        ArrayData.ofInts(new int[] {Integer.MIN_VALUE, 42}, 1, 2),
        ArrayData.ofUnsignedBytes(new byte[] {0, (byte) 128, (byte) 255}, 3),
        ArrayData.ofBytes(new byte[] {-128, 0, 127}, 3, 1),
        ArrayData.ofFloats(new float[] {3}), // scalar, shape ()
        ArrayData.ofLongs(new long[0], 0, 5), // empty
        ArrayData.ofFloats(new float[300_000], 1000, 300)); // spans several I/O chunks
  }

  @ParameterizedTest
  @MethodSource("arrays")
  void writeThenReadGivesEqualArray(ArrayData array) throws IOException {
    Path file = dir.resolve("a.npy");
    Npy.write(file, array);
    assertThat(Npy.read(file)).isEqualTo(array);
    assertThat(Npy.read(new ByteArrayInputStream(Files.readAllBytes(file)), "mem"))
        .isEqualTo(array);
    // numpy aligns the data to 64 bytes; so do we.
    assertThat((Files.size(file) - array.numElements() * array.dtype().byteSize()) % 64)
        .isEqualTo(0);
  }

  @Test
  void writeToStreamMatchesWriteToFile() throws IOException {
    ArrayData a = ArrayData.ofInts(new int[] {1, 2, 3}, 3);
    Path file = dir.resolve("a.npy");
    Npy.write(file, a);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Npy.write(out, a);
    assertThat(out.toByteArray()).isEqualTo(Files.readAllBytes(file));
  }

  @Test
  void readsVersion2And3Headers() throws IOException {
    String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
    for (int major : new int[] {2, 3}) {
      Path file = file("v" + major + ".npy", npy(major, dict, floatsLE(1, 2)));
      assertThat(Npy.read(file)).isEqualTo(ArrayData.ofFloats(new float[] {1, 2}, 2));
    }
  }

  @Test
  void acceptsByteOrderVariantsOfSingleByteTypes() throws IOException {
    for (String descr : new String[] {"|u1", "<u1", "=u1", "u1"}) {
      Path file =
          file(
              "u.npy",
              npy(
                  1,
                  "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (2,), }",
                  new byte[] {1, 2}));
      assertThat(Npy.read(file)).isEqualTo(ArrayData.ofUnsignedBytes(new byte[] {1, 2}, 2));
    }
  }

  @Test
  void transposesFortranOrderToRowMajor() throws IOException {
    // np.save(f, np.arange(6, dtype='<f4').reshape(2, 3).T.copy(order='F')) stores the column-major
    // layout of [[0, 3], [1, 4], [2, 5]], whose memory order is 0 1 2 3 4 5.
    Path file =
        file(
            "f.npy",
            npy(
                1,
                "{'descr': '<f4', 'fortran_order': True, 'shape': (3, 2), }",
                floatsLE(0, 1, 2, 3, 4, 5)));
    assertThat(Npy.read(file)).isEqualTo(ArrayData.ofFloats(new float[] {0, 3, 1, 4, 2, 5}, 3, 2));
  }

  @Test
  void transposesRank3FortranOrder() throws IOException {
    // Element (i, j, k) of shape (2, 3, 4) sits at i + 2j + 6k in Fortran order; value =
    // 100i+10j+k.
    float[] fortran = new float[24];
    float[] c = new float[24];
    for (int i = 0; i < 2; i++) {
      for (int j = 0; j < 3; j++) {
        for (int k = 0; k < 4; k++) {
          fortran[i + 2 * j + 6 * k] = 100 * i + 10 * j + k;
          c[(i * 3 + j) * 4 + k] = 100 * i + 10 * j + k;
        }
      }
    }
    Path file =
        file(
            "f3.npy",
            npy(
                1,
                "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3, 4), }",
                floatsLE(fortran)));
    assertThat(Npy.read(file)).isEqualTo(ArrayData.ofFloats(c, 2, 3, 4));
  }

  // --- corrupt input ----------------------------------------------------------------------------

  @Test
  void truncatedDataIsRejected() throws IOException {
    byte[] good = Files.readAllBytes(reference("qat.labels.npy"));
    Path file = file("t.npy", Arrays.copyOf(good, good.length - 3));
    Qnn4jFormatException e = readFails(file);
    assertThat(e).hasMessageThat().contains("truncated");
    assertThat(e).hasMessageThat().contains("384 data bytes");
    assertThat(e).hasMessageThat().contains("381 bytes after the header");
  }

  @Test
  void truncatedStreamIsRejected() throws IOException {
    byte[] good = Files.readAllBytes(reference("qat.labels.npy"));
    Qnn4jFormatException e =
        assertThrows(
            Qnn4jFormatException.class,
            () ->
                Npy.read(
                    new ByteArrayInputStream(Arrays.copyOf(good, good.length - 8)),
                    "labels stream"));
    assertThat(e)
        .hasMessageThat()
        .isEqualTo(
            "labels stream: truncated: header declares shape "
                + "(3, 16) of <i8 = 384 data bytes, found 376");
  }

  @Test
  void trailingBytesAreRejected() throws IOException {
    byte[] good = Files.readAllBytes(reference("qat.labels.npy"));
    Path file = file("o.npy", Arrays.copyOf(good, good.length + 1));
    assertThat(readFails(file)).hasMessageThat().contains("oversized");
    assertThrows(
        Qnn4jFormatException.class,
        () -> Npy.read(new ByteArrayInputStream(Arrays.copyOf(good, good.length + 1)), "s"));
  }

  @Test
  void hugeDeclaredShapeFailsFastWithoutAllocating() throws IOException {
    // 10^15 float32 elements; the file holds 8 bytes of data.
    byte[] bytes =
        npy(
            1,
            "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000, 1000000000), }",
            new byte[8]);
    Path file = file("huge.npy", bytes);
    Qnn4jFormatException e =
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> readFails(file));
    assertThat(e).hasMessageThat().contains("(1000000, 1000000000)");
    assertThat(e).hasMessageThat().contains("4000000000000000 data bytes");
    Qnn4jFormatException fromStream =
        assertTimeoutPreemptively(
            Duration.ofSeconds(5),
            () ->
                assertThrows(
                    Qnn4jFormatException.class,
                    () -> Npy.read(new ByteArrayInputStream(bytes), "huge stream")));
    assertThat(fromStream).hasMessageThat().contains("limit of a Java array");
  }

  @Test
  void shapeWhoseByteCountOverflowsIsRejected() throws IOException {
    Path file =
        file(
            "overflow.npy",
            npy(
                1,
                "{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4), }",
                new byte[0]));
    assertThat(readFails(file)).hasMessageThat().contains("too large");
  }

  @Test
  void badMagicIsRejected() throws IOException {
    byte[] bytes = Files.readAllBytes(reference("qat.labels.npy"));
    bytes[1] = 'X';
    Qnn4jFormatException e = readFails(file("m.npy", bytes));
    assertThat(e).hasMessageThat().contains("not a .npy file: bad magic 93 58 55 4d 50 59");
  }

  @Test
  void emptyAndTinyFilesAreRejected() throws IOException {
    assertThat(readFails(file("empty.npy", new byte[0]))).hasMessageThat().contains("too short");
    assertThat(readFails(file("tiny.npy", new byte[] {(byte) 0x93, 'N', 'U'})))
        .hasMessageThat()
        .contains("too short");
  }

  @Test
  void unsupportedVersionIsRejected() throws IOException {
    byte[] bytes = Files.readAllBytes(reference("qat.labels.npy"));
    bytes[6] = 4;
    assertThat(readFails(file("v4.npy", bytes)))
        .hasMessageThat()
        .contains("unsupported .npy format version 4.0");
  }

  @Test
  void headerLengthBeyondFileIsRejected() throws IOException {
    byte[] bytes = Arrays.copyOf(Files.readAllBytes(reference("qat.labels.npy")), 60);
    Qnn4jFormatException e = readFails(file("h.npy", bytes));
    assertThat(e)
        .hasMessageThat()
        .contains("header length 118 runs past the end of the file (60 bytes)");
  }

  @ParameterizedTest
  @ValueSource(strings = {">f4", ">i8"})
  void bigEndianIsRejected(String descr) throws IOException {
    Path file =
        file(
            "be.npy",
            npy(
                1,
                "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (0,), }",
                new byte[0]));
    assertThat(readFails(file)).hasMessageThat().contains("big-endian dtype '" + descr + "'");
  }

  @Test
  void nativeByteOrderOfMultiByteTypeIsRejected() throws IOException {
    Path file =
        file(
            "n.npy",
            npy(1, "{'descr': '=f4', 'fortran_order': False, 'shape': (0,), }", new byte[0]));
    assertThat(readFails(file)).hasMessageThat().contains("does not state its byte order");
  }

  @ParameterizedTest
  @ValueSource(strings = {"<c8", "<f2", "|b1", "<U3", "O"})
  void unsupportedDtypeIsRejected(String descr) throws IOException {
    Path file =
        file(
            "d.npy",
            npy(
                1,
                "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (0,), }",
                new byte[0]));
    assertThat(readFails(file)).hasMessageThat().contains("unsupported dtype '" + descr + "'");
  }

  @Test
  void structuredDtypeIsRejected() throws IOException {
    Path file =
        file(
            "s.npy",
            npy(
                1,
                "{'descr': [('x', '<f4'), ('y', '<f4')], 'fortran_order': False, 'shape': (1,), }",
                new byte[8]));
    assertThat(readFails(file)).hasMessageThat().contains("structured dtypes are not supported");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2,) ",
        "{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2,), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, x), }",
        "not a dict"
      })
  void malformedHeaderIsRejected(String dict) throws IOException {
    Path file = file("bad.npy", npy(1, dict, floatsLE(1, 2)));
    assertThat(readFails(file)).hasMessageThat().contains("malformed header");
  }

  @Test
  void missingOrExtraKeysAreRejected() throws IOException {
    Path missing = file("k1.npy", npy(1, "{'descr': '<f4', 'shape': (2,), }", floatsLE(1, 2)));
    assertThat(readFails(missing)).hasMessageThat().contains("no 'fortran_order' entry");
    Path extra =
        file(
            "k2.npy",
            npy(
                1,
                "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 'y', }",
                floatsLE(1, 2)));
    assertThat(readFails(extra)).hasMessageThat().contains("unexpected entries ['x']");
  }

  @Test
  void negativeDimensionIsRejected() throws IOException {
    Path file =
        file(
            "neg.npy",
            npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 2), }", floatsLE(1, 2)));
    assertThat(readFails(file)).hasMessageThat().contains("negative dimension");
  }

  @Test
  void missingFileIsAnIOException() {
    assertThrows(IOException.class, () -> Npy.read(dir.resolve("nope.npy")));
  }
}
