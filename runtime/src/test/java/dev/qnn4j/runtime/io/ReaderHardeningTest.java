package dev.qnn4j.runtime.io;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regression tests for what the reader review and fuzzing (dev.qnn4j.runtime.fuzz) found in {@link
 * Npy} and {@link Safetensors}: every failure is one short line that starts with the file's path.
 */
class ReaderHardeningTest {
  @TempDir Path dir;

  private static void assertOneLineNaming(IOException e, Object source) {
    assertThat(e).hasMessageThat().startsWith(source + ": ");
    assertThat(e)
        .hasMessageThat()
        .doesNotContainMatch("[\\r\\n\\u000B\\u000C\\u0085\\u2028\\u2029]");
    assertThat(e.getMessage().length()).isLessThan(source.toString().length() + 1000);
  }

  private static byte[] safetensors(String json, byte[] blob) {
    byte[] header = json.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(8 + header.length + blob.length)
        .order(ByteOrder.LITTLE_ENDIAN)
        .putLong(header.length)
        .put(header)
        .put(blob)
        .array();
  }

  private Path file(String name, byte[] content) throws IOException {
    return Files.write(dir.resolve(name), content);
  }

  // Finding: a directory or a missing file gave the JDK's bare message: "Is a directory" (no
  // file name) or just the path (no reason).

  @Test
  void directoryInsteadOfFileIsNamed() {
    IOException npy = assertThrows(IOException.class, () -> Npy.read(dir));
    assertOneLineNaming(npy, dir);
    assertThat(npy).isInstanceOf(FileSystemException.class);
    IOException st = assertThrows(IOException.class, () -> Safetensors.read(dir));
    assertOneLineNaming(st, dir);
  }

  @Test
  void missingFileSaysSo() {
    Path absent = dir.resolve("absent.npy");
    NoSuchFileException npy = assertThrows(NoSuchFileException.class, () -> Npy.read(absent));
    assertThat(npy).hasMessageThat().isEqualTo(absent + ": no such file");
    NoSuchFileException st =
        assertThrows(
            NoSuchFileException.class, () -> Safetensors.read(dir.resolve("absent.safetensors")));
    assertThat(st).hasMessageThat().isEqualTo(dir.resolve("absent.safetensors") + ": no such file");
  }

  // Finding: names taken from the file were quoted in full, so a hostile file could make a
  // message of any length (a 1 MiB tensor name, header key or shape literal).

  @Test
  void longTensorNameIsAbbreviated() throws IOException {
    String name = "t".repeat(100_000);
    Path f =
        file(
            "long.safetensors",
            safetensors(
                "{\"" + name + "\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}",
                new byte[4]));
    Qnn4jFormatException e = assertThrows(Qnn4jFormatException.class, () -> Safetensors.read(f));
    assertOneLineNaming(e, f);
    assertThat(e).hasMessageThat().contains("... (100000 characters)");
  }

  @Test
  void longNpyHeaderValuesAreAbbreviated() throws IOException {
    String digits = "9".repeat(50_000);
    Path f =
        file(
            "digits.npy",
            NpyTest.npy(
                2,
                "{'descr': '<f4', 'fortran_order': False, 'shape': (" + digits + ",), }",
                new byte[0]));
    assertOneLineNaming(assertThrows(Qnn4jFormatException.class, () -> Npy.read(f)), f);

    StringBuilder keys =
        new StringBuilder("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)");
    for (int i = 0; i < 2000; i++) {
      keys.append(", 'k").append(i).append("': 'v'");
    }
    Path extra = file("extra.npy", NpyTest.npy(2, keys + "}", NpyTest.floatsLE(1)));
    Qnn4jFormatException e = assertThrows(Qnn4jFormatException.class, () -> Npy.read(extra));
    assertOneLineNaming(e, extra);
    assertThat(e).hasMessageThat().contains("and 1995 more");

    Path dup =
        file(
            "dup.npy",
            NpyTest.npy(
                2,
                "{'" + "d".repeat(10_000) + "': 1, '" + "d".repeat(10_000) + "': 1}",
                new byte[0]));
    assertOneLineNaming(assertThrows(Qnn4jFormatException.class, () -> Npy.read(dup)), dup);
  }

  @Test
  void lineBreakingControlCharactersInNamesAreEscaped() throws IOException {
    for (String c : new String[] {"\\u000b", "\\u000c", "\\u0085", "\\u2028"}) {
      Path f =
          file(
              "ctl.safetensors",
              safetensors(
                  "{\"a" + c + "b\":{\"dtype\":\"X\",\"shape\":[1],\"data_offsets\":[0,4]}}",
                  new byte[4]));
      assertOneLineNaming(assertThrows(Qnn4jFormatException.class, () -> Safetensors.read(f)), f);
    }
    // A vertical tab in an npy structured descr, which was printed unquoted.
    Path npy =
        file(
            "ctl.npy",
            NpyTest.npy(
                1,
                "{'descr': [('a\u000bb', '<f4')], 'fortran_order': False, 'shape': (1,), }",
                NpyTest.floatsLE(1)));
    assertOneLineNaming(assertThrows(Qnn4jFormatException.class, () -> Npy.read(npy)), npy);
  }

  // Finding: shape literals accepted any Unicode digit (Character.isDigit, Long.parseLong), e.g.
  // Arabic-Indic digits in a UTF-8 (version 3) header, which numpy itself rejects.

  @Test
  void nonAsciiDigitsInShapeAreRejected() throws IOException {
    Path f =
        file(
            "digits3.npy",
            NpyTest.npy(
                3,
                "{'descr': '<f4', 'fortran_order': False, 'shape': (\u0662,), }",
                NpyTest.floatsLE(1, 2)));
    Qnn4jFormatException e = assertThrows(Qnn4jFormatException.class, () -> Npy.read(f));
    assertOneLineNaming(e, f);
    assertThat(e).hasMessageThat().contains("malformed header");
  }

  // Hardening: data that really is there but cannot fit in the heap fails before allocating,
  // saying so, rather than with an OutOfMemoryError.

  @Test
  void arrayLargerThanTheHeapFailsFastWithoutAllocating() throws IOException {
    long elements = 1_500_000_000L; // 12 GB of float64, fewer than Java's array-length limit
    long bytes = elements * 8;
    assumeTrue(Runtime.getRuntime().maxMemory() < bytes);
    byte[] header =
        NpyTest.npy(
            1,
            "{'descr': '<f8', 'fortran_order': False, 'shape': (" + elements + ",), }",
            new byte[0]);
    Path f = dir.resolve("sparse.npy");
    try (FileChannel c =
        FileChannel.open(
            f,
            StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE,
            StandardOpenOption.SPARSE)) {
      c.write(ByteBuffer.wrap(header));
      c.write(ByteBuffer.wrap(new byte[1]), header.length + bytes - 1); // sparse: no disk used
    }
    Qnn4jFormatException e = assertThrows(Qnn4jFormatException.class, () -> Npy.read(f));
    assertOneLineNaming(e, f);
    assertThat(e).hasMessageThat().contains("do not fit in this JVM's maximum heap");

    byte[] streamHeader =
        NpyTest.npy(
            1,
            "{'descr': '<f8', 'fortran_order': False, 'shape': (" + elements + ",), }",
            new byte[8]);
    e =
        assertThrows(
            Qnn4jFormatException.class,
            () -> Npy.read(new ByteArrayInputStream(streamHeader), "stream.npy"));
    assertThat(e).hasMessageThat().startsWith("stream.npy: its 12000000000 bytes of array data");
  }
}
