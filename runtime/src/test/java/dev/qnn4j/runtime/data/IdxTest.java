package dev.qnn4j.runtime.data;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.qnn4j.runtime.io.ArrayData;
import dev.qnn4j.runtime.io.ArrayData.DType;
import dev.qnn4j.runtime.io.Qnn4jFormatException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxTest {

  @TempDir Path dir;

  /** An IDX file of unsigned bytes with the given dimensions and payload. */
  static byte[] idx(int[] dims, byte[] payload) {
    ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + payload.length); // big-endian
    b.putInt(0x0800 | dims.length);
    for (int d : dims) {
      b.putInt(d);
    }
    return b.put(payload).array();
  }

  static byte[] gzip(byte[] bytes) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(bytes);
    }
    return out.toByteArray();
  }

  private static byte[] sequence(int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) i;
    }
    return b;
  }

  private Qnn4jFormatException readFails(Path file) {
    Qnn4jFormatException e = assertThrows(Qnn4jFormatException.class, () -> Idx.read(file));
    assertThat(e).hasMessageThat().startsWith(file + ": ");
    assertThat(e.getMessage()).doesNotContain("\n");
    return e;
  }

  @Test
  void readsRawImages() throws IOException {
    Path file =
        Files.write(dir.resolve("images-idx3-ubyte"), idx(new int[] {2, 3, 4}, sequence(24)));
    ArrayData images = Idx.read(file);
    assertThat(images.dtype()).isEqualTo(DType.UINT8);
    assertThat(images.shape()).isEqualTo(new long[] {2, 3, 4});
    assertThat(images.bytes()).isEqualTo(sequence(24));
  }

  @Test
  void readsGzippedLabelsByName() throws IOException {
    Path file =
        Files.write(
            dir.resolve("labels-idx1-ubyte.gz"),
            gzip(idx(new int[] {3}, new byte[] {9, 0, (byte) 200})));
    ArrayData labels = Idx.read(file);
    assertThat(labels.shape()).isEqualTo(new long[] {3});
    assertThat(labels.toLongArray()).isEqualTo(new long[] {9, 0, 200});
  }

  @Test
  void detectsGzipByMagicWhateverTheName() throws IOException {
    Path file = Files.write(dir.resolve("labels.bin"), gzip(idx(new int[] {2}, new byte[] {4, 5})));
    assertThat(Idx.read(file).toLongArray()).isEqualTo(new long[] {4, 5});
  }

  @Test
  void readsPayloadsLargerThanOneChunk() throws IOException {
    byte[] payload = new byte[20_000_000];
    payload[payload.length - 1] = 7;
    Path file = Files.write(dir.resolve("big.gz"), gzip(idx(new int[] {20_000, 1000, 1}, payload)));
    // Rank-3 dims with a trailing 1 keep the file valid under the 0x803 magic.
    ArrayData a = Idx.read(file);
    assertThat(a.numElements()).isEqualTo(20_000_000);
    assertThat(a.bytes()[payload.length - 1]).isEqualTo(7);
  }

  @Test
  void truncatedRawFileNamesExpectedAndActualBytes() throws IOException {
    byte[] full = idx(new int[] {2, 28, 28}, new byte[2 * 784]);
    Path file = Files.write(dir.resolve("t-idx3-ubyte"), Arrays.copyOf(full, full.length - 100));
    Qnn4jFormatException e = readFails(file);
    assertThat(e.problem())
        .isEqualTo(
            "truncated: IDX dimensions [2, 28, 28] need 1568 payload "
                + "bytes after the 16-byte header, found 1468");
  }

  @Test
  void truncatedDecompressedPayloadNamesExpectedAndActualBytes() throws IOException {
    byte[] full = idx(new int[] {10}, new byte[10]);
    Path file = Files.write(dir.resolve("t.gz"), gzip(Arrays.copyOf(full, full.length - 4)));
    assertThat(readFails(file))
        .hasMessageThat()
        .contains("need 10 payload bytes after the 8-byte " + "header, found 6");
  }

  @Test
  void cutOffGzipStreamIsRejected() throws IOException {
    byte[] compressed = gzip(idx(new int[] {1000}, sequence(1000)));
    Path file =
        Files.write(dir.resolve("cut.gz"), Arrays.copyOf(compressed, compressed.length / 2));
    assertThat(readFails(file)).hasMessageThat().contains("truncated");
  }

  @Test
  void trailingBytesAreRejected() throws IOException {
    Path file = Files.write(dir.resolve("o-idx1-ubyte"), idx(new int[] {2}, new byte[3]));
    assertThat(readFails(file)).hasMessageThat().contains("oversized");
    Path gz = Files.write(dir.resolve("o.gz"), gzip(idx(new int[] {2}, new byte[3])));
    assertThat(readFails(gz))
        .hasMessageThat()
        .contains("unexpected data after the 2 payload bytes");
  }

  @Test
  void badMagicIsRejected() throws IOException {
    byte[] bytes =
        idx(new int[] {2, 2}, new byte[4]); // 0x00000802: rank 2 is not a supported layout
    Path file = Files.write(dir.resolve("m-idx2-ubyte"), bytes);
    assertThat(readFails(file))
        .hasMessageThat()
        .contains(
            "bad IDX magic 0x00000802 (expected "
                + "0x00000801 for ubyte labels or 0x00000803 for ubyte images)");
    Path text = Files.writeString(dir.resolve("readme.txt"), "hello world");
    assertThat(readFails(text)).hasMessageThat().contains("bad IDX magic 0x68656c6c");
  }

  @Test
  void negativeDimensionIsRejected() throws IOException {
    Path file = Files.write(dir.resolve("n-idx1-ubyte"), idx(new int[] {-1}, new byte[0]));
    assertThat(readFails(file)).hasMessageThat().contains("negative dimension");
  }

  @Test
  void tooShortFileIsRejected() throws IOException {
    Path file = Files.write(dir.resolve("s"), new byte[] {0, 0});
    assertThat(readFails(file)).hasMessageThat().contains("too short for an IDX header");
  }
}
