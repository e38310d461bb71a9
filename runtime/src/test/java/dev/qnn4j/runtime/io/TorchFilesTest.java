package dev.qnn4j.runtime.io;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.qnn4j.runtime.io.ArrayData.DType;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link TorchFiles} on files written by torch.save (Debian's python3-torch 1.13, both formats) by
 * {@code src/test/resources/pytorch/make_fixtures.py}, compared value for value with what that
 * script wrote beside them.
 */
class TorchFilesTest {
  private static final Path RAN = Path.of("/tmp/qnn4j-pickle-was-run");

  @TempDir Path dir;

  @BeforeEach
  void noCommandHasRun() throws IOException {
    Files.deleteIfExists(RAN);
  }

  private Path fixture(String name) throws IOException {
    try (InputStream in = TorchFilesTest.class.getResourceAsStream("/pytorch/" + name)) {
      if (in == null) {
        throw new IllegalStateException("missing test resource pytorch/" + name);
      }
      Path file = dir.resolve(name);
      Files.copy(in, file);
      return file;
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"float_lenet.pth", "float_lenet.legacy.pth"})
  void readsTheFloatLeNetStateDictAsTorchSavedIt(String name) throws IOException {
    Map<String, ArrayData> expected =
        Safetensors.read(fixture("float_lenet.expected.safetensors")).tensors();

    Map<String, ArrayData> read = TorchFiles.readStateDict(fixture(name));

    assertThat(read.keySet())
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
    assertThat(read).containsExactlyEntriesIn(expected).inOrder();
    assertThat(read.get("conv1.weight").shape()).isEqualTo(new long[] {6, 3, 5, 5});
  }

  @ParameterizedTest
  @ValueSource(strings = {"dtypes.pth", "dtypes.legacy.pth"})
  void readsEveryElementTypeViewAndSharedStorageOfACheckpointDict(String name) throws IOException {
    Map<String, ArrayData> read = TorchFiles.readStateDict(fixture(name));

    List<String[]> expected = new ArrayList<>();
    for (String line : readResource("dtypes.expected.txt").split("\n")) {
      if (!line.startsWith("#") && !line.isBlank()) {
        expected.add(line.split(" : ", -1));
      }
    }
    assertThat(read.keySet())
        .containsExactlyElementsIn(expected.stream().map(e -> e[0].split(" ")[0]).toList())
        .inOrder();
    for (String[] e : expected) {
      String[] head = e[0].split(" ", -1);
      String tensor = head[0];
      String torchType = head[1];
      long[] shape =
          head[2].isEmpty()
              ? new long[0]
              : Arrays.stream(head[2].split(",")).mapToLong(Long::parseLong).toArray();
      String[] values = e[1].isEmpty() ? new String[0] : e[1].split(" ");
      ArrayData a = read.get(tensor);
      assertThat(a.shape()).isEqualTo(shape);
      switch (torchType) {
        case "float32", "float16", "bfloat16" -> {
          assertThat(a.dtype()).isEqualTo(DType.FLOAT32);
          float[] want = new float[values.length];
          for (int i = 0; i < want.length; i++) {
            want[i] = (float) Double.parseDouble(values[i]);
          }
          assertThat(a.floats()).isEqualTo(want);
        }
        case "float64" ->
            assertThat(a.doubles())
                .isEqualTo(Arrays.stream(values).mapToDouble(Double::parseDouble).toArray());
        case "int64" -> {
          assertThat(a.dtype()).isEqualTo(DType.INT64);
          assertThat(a.longs())
              .isEqualTo(Arrays.stream(values).mapToLong(Long::parseLong).toArray());
        }
        default -> {
          DType want =
              switch (torchType) {
                case "int32", "int16" -> DType.INT32;
                case "int8" -> DType.INT8;
                default -> DType.UINT8;
              };
          assertThat(a.dtype()).isEqualTo(want);
          assertThat(a.toLongArray())
              .isEqualTo(Arrays.stream(values).mapToLong(Long::parseLong).toArray());
        }
      }
    }
  }

  @Test
  void refusesAForeignGlobalNamingItAndRunsNothing() throws IOException {
    Path file = fixture("hostile_os_system.pth");

    Qnn4jFormatException e =
        assertThrows(Qnn4jFormatException.class, () -> TorchFiles.readStateDict(file));

    assertThat(e.getMessage()).startsWith(file + ": refused the Python global 'os.system'");
    assertThat(e.getMessage()).doesNotContain("\n");
    assertThat(Files.exists(RAN)).isFalse();
  }

  @Test
  void refusesAReduceOfAForeignCallableInsideAStateDict() throws IOException {
    Path file = fixture("hostile_reduce.pth");

    Qnn4jFormatException e = assertThrows(Qnn4jFormatException.class, () -> WeightFiles.read(file));

    // os.system pickles as posix.system on Linux.
    assertThat(e.getMessage()).startsWith(file + ": refused the Python global 'posix.system'");
    assertThat(Files.exists(RAN)).isFalse();
  }

  @Test
  void refusesAPickledModuleWithAdvice() throws IOException {
    Path file = fixture("whole_module.pth");

    Qnn4jFormatException e =
        assertThrows(Qnn4jFormatException.class, () -> TorchFiles.readStateDict(file));

    assertThat(e.getMessage())
        .contains("refused the Python global 'torch.nn.modules.linear.Linear'");
    assertThat(e.getMessage()).contains("save model.state_dict() instead");
  }

  @Test
  void choosesTheFormatByContentNotName() throws IOException {
    Path torch = Files.copy(fixture("float_lenet.pth"), dir.resolve("weights.safetensors"));
    Path safetensors =
        Files.copy(fixture("float_lenet.expected.safetensors"), dir.resolve("weights.pth"));

    assertThat(WeightFiles.read(torch).tensors())
        .containsExactlyEntriesIn(WeightFiles.read(safetensors).tensors());
    assertThat(TorchFiles.isTorchFile(torch)).isTrue();
    assertThat(TorchFiles.isTorchFile(safetensors)).isFalse();
  }

  @Test
  void aSafetensorsHeaderLengthStartingWith0x80IsNotTakenForAPickle() throws IOException {
    // Header length 0x0280: its first byte is pickle's PROTO opcode, its second a valid protocol.
    String header = "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
    header += " ".repeat(0x280 - header.length());
    byte[] json = header.getBytes(StandardCharsets.US_ASCII);
    byte[] bytes =
        ByteBuffer.allocate(8 + json.length + 4)
            .order(ByteOrder.LITTLE_ENDIAN)
            .putLong(json.length)
            .put(json)
            .putFloat(1.5f)
            .array();
    Path file = Files.write(dir.resolve("w.bin"), bytes);

    assertThat(WeightFiles.read(file).tensors().get("x").floats()).isEqualTo(new float[] {1.5f});
  }

  @Test
  void truncatedFilesFailWithOneLine() throws IOException {
    for (String name :
        new String[] {"float_lenet.pth", "float_lenet.legacy.pth", "dtypes.legacy.pth"}) {
      byte[] whole = Files.readAllBytes(fixture(name));
      for (int cut : new int[] {1, 3, 30, 300, whole.length / 2, whole.length - 1}) {
        Path file = Files.write(dir.resolve("cut-" + cut + "-" + name), Arrays.copyOf(whole, cut));
        Qnn4jFormatException e =
            assertThrows(
                Qnn4jFormatException.class, () -> WeightFiles.read(file), name + " cut at " + cut);
        assertThat(e.getMessage()).startsWith(file + ": ");
        assertThat(e.getMessage()).doesNotContain("\n");
      }
    }
  }

  @Test
  void halfPrecisionConversionIsExactForEveryValue() {
    for (int bits = 0; bits < 0x10000; bits++) {
      float f = TorchFiles.halfToFloat((short) bits);
      int exponent = (bits >>> 10) & 0x1F;
      int mantissa = bits & 0x3FF;
      double expected =
          exponent == 0
              ? mantissa * Math.pow(2, -24)
              : exponent == 31
                  ? (mantissa == 0 ? Double.POSITIVE_INFINITY : Double.NaN)
                  : (1 + mantissa / 1024.0) * Math.pow(2, exponent - 15);
      if ((bits & 0x8000) != 0) {
        expected = -expected;
      }
      if (Double.isNaN(expected)) {
        assertThat(Float.isNaN(f)).isTrue();
      } else {
        assertThat((double) f).isEqualTo(expected);
      }
    }
  }

  private static String readResource(String name) throws IOException {
    try (InputStream in = TorchFilesTest.class.getResourceAsStream("/pytorch/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
