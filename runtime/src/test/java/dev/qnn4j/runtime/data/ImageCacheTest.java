package dev.qnn4j.runtime.data;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.qnn4j.runtime.io.ArrayData;
import dev.qnn4j.runtime.io.Qnn4jFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image cache behind IDX and CIFAR-10 data sets: built once, reused, rebuilt when stale or
 * damaged.
 */
class ImageCacheTest {
  @TempDir Path dir;
  @TempDir Path elsewhere;

  private Path cifarCache() {
    return dir.resolve("cifar10-test" + ImageCache.SUFFIX);
  }

  @Test
  void cifarIsDecodedOnceIntoACacheNextToTheDataAndReused() throws IOException {
    Files.write(dir.resolve("test_batch.bin"), Cifar10Test.batch(3, 7));
    Dataset first = Cifar10.test(dir);
    assertThat(Files.isRegularFile(cifarCache())).isTrue();
    assertThat(first.labels()).isEqualTo(new int[] {7, 8, 9});
    assertThat(first.image(2)[100]).isEqualTo(Pixels.palette()[2]);
    assertThat(first.alwaysFinite()).isTrue();

    // Reused: a marker time on the cache survives the second load, and the data is the same.
    FileTime marker = FileTime.fromMillis(1_000_000_000_000L);
    Files.setLastModifiedTime(cifarCache(), marker);
    Dataset second = Cifar10.test(dir);
    assertThat(Files.getLastModifiedTime(cifarCache())).isEqualTo(marker);
    assertThat(second.images()).isEqualTo(first.images());
    assertThat(second.labels()).isEqualTo(first.labels());
  }

  @Test
  void aChangedSourceRebuildsTheCache() throws IOException {
    Path source = dir.resolve("test_batch.bin");
    Files.write(source, Cifar10Test.batch(3, 7));
    Cifar10.test(dir);
    Files.write(source, Cifar10Test.batch(3, 1)); // same size, other labels
    Files.setLastModifiedTime(source, FileTime.fromMillis(1_500_000_000_000L));
    assertThat(Cifar10.test(dir).labels()).isEqualTo(new int[] {1, 2, 3});
  }

  @Test
  void aDamagedCacheIsRebuilt() throws IOException {
    Files.write(dir.resolve("test_batch.bin"), Cifar10Test.batch(3, 7));
    // Copied out first: the data set maps the cache file, which this test damages in place.
    float[] good = Cifar10.test(dir).images();
    byte[] cache = Files.readAllBytes(cifarCache());
    cache[cache.length / 2] ^= 1;
    Files.write(cifarCache(), cache);
    Qnn4jFormatException e =
        assertThrows(Qnn4jFormatException.class, () -> ImageCache.read(cifarCache()));
    assertThat(e)
        .hasMessageThat()
        .startsWith(cifarCache() + ": checksum mismatch: stored CRC-32C ");
    assertThat(Cifar10.test(dir).images()).isEqualTo(good);
    ImageCache.read(cifarCache()); // whole again
  }

  @Test
  void anUnwritableDataDirectoryPutsTheCacheInTheCacheDirectory() throws IOException {
    Path readOnly = dir.resolve("ro");
    Files.createDirectories(readOnly);
    Files.write(readOnly.resolve("test_batch.bin"), Cifar10Test.batch(2, 0));
    String before = System.getProperty("qnn4j.cache.dir");
    System.setProperty("qnn4j.cache.dir", elsewhere.toString());
    // Root may write anywhere, so a directory in the cache's place makes the write next to the data
    // fail, as a read-only directory would.
    Files.createDirectories(readOnly.resolve("cifar10-test" + ImageCache.SUFFIX));
    try {
      Dataset d = Cifar10.test(readOnly);
      assertThat(d.labels()).isEqualTo(new int[] {0, 1});
      try (var files = Files.list(elsewhere)) {
        assertThat(files.map(p -> p.getFileName().toString()).toList())
            .containsExactly("cifar10-test-" + hashOf(readOnly) + ImageCache.SUFFIX);
      }
    } finally {
      if (before == null) {
        System.clearProperty("qnn4j.cache.dir");
      } else {
        System.setProperty("qnn4j.cache.dir", before);
      }
    }
  }

  private static String hashOf(Path dir) throws IOException {
    try {
      byte[] digest =
          java.security.MessageDigest.getInstance("SHA-256")
              .digest(
                  dir.toAbsolutePath()
                      .toString()
                      .getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return java.util.HexFormat.of().formatHex(digest, 0, 8);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IOException(e);
    }
  }

  @Test
  void gzippedFashionMnistIsStreamedIntoTheCacheWithTheSamePixelsAsTheHeapPath()
      throws IOException {
    int n = 3;
    byte[] pixels = new byte[n * 28 * 28];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = (byte) (i * 31);
    }
    byte[] labels = {4, 0, 9};
    Path images = dir.resolve("t10k-images-idx3-ubyte.gz");
    Path labelFile = dir.resolve("t10k-labels-idx1-ubyte.gz");
    Files.write(images, IdxTest.gzip(IdxTest.idx(new int[] {n, 28, 28}, pixels)));
    Files.write(labelFile, IdxTest.gzip(IdxTest.idx(new int[] {n}, labels)));
    Dataset cached = FashionMnist.load(images, labelFile);
    Dataset heap =
        FashionMnist.preprocess(
            ArrayData.ofUnsignedBytes(pixels, n, 28, 28), ArrayData.ofUnsignedBytes(labels, n));
    assertThat(Files.isRegularFile(dir.resolve("t10k-images-idx3-ubyte" + ImageCache.SUFFIX)))
        .isTrue();
    assertThat(cached.images()).isEqualTo(heap.images());
    assertThat(cached.labels()).isEqualTo(new int[] {4, 0, 9});
    assertThat(cached.shape()).isEqualTo(new long[] {3, 3, 32, 32});
  }

  @Test
  void aTruncatedGzippedIdxFailsNamingItAndLeavesNoCache() throws IOException {
    byte[] pixels = new byte[2 * 28 * 28];
    Path images = dir.resolve("train-images-idx3-ubyte.gz");
    Path labelFile = dir.resolve("train-labels-idx1-ubyte.gz");
    Files.write(
        images, Arrays.copyOf(IdxTest.gzip(IdxTest.idx(new int[] {3, 28, 28}, pixels)), 60));
    Files.write(labelFile, IdxTest.gzip(IdxTest.idx(new int[] {3}, new byte[] {1, 2, 3})));
    Qnn4jFormatException e =
        assertThrows(Qnn4jFormatException.class, () -> FashionMnist.load(images, labelFile));
    assertThat(e).hasMessageThat().startsWith(images + ": ");
    try (var files = Files.list(dir)) {
      assertThat(
              files
                  .map(p -> p.getFileName().toString())
                  .filter(f -> f.contains("qnn4j-images"))
                  .toList())
          .isEmpty();
    }
  }

  @Test
  void readRefusesHeadersThatDoNotFitTheFile() throws IOException {
    Files.write(dir.resolve("test_batch.bin"), Cifar10Test.batch(2, 0));
    Cifar10.test(dir);
    byte[] good = Files.readAllBytes(cifarCache());

    assertThat(readError(Arrays.copyOf(good, good.length - 100)))
        .contains(
            ": truncated: header declares 2 images of 3x32x32 = "
                + good.length
                + " bytes, the file has "
                + (good.length - 100));
    byte[] magic = good.clone();
    magic[0] = 'X';
    assertThat(readError(magic)).endsWith(": not a qnn4j image cache (bad magic)");
    byte[] version = good.clone();
    version[8] = 2;
    assertThat(readError(version)).endsWith(": unsupported image cache version 2 (supported: 1)");
    byte[] label = good.clone();
    label[label.length - 5] = 10; // the last label, with the checksum made to match
    assertThat(readError(withChecksum(label))).endsWith(": label 10 of image 1 is outside 0..9");
    byte[] classes = good.clone();
    ByteBuffer.wrap(classes).order(ByteOrder.LITTLE_ENDIAN).putInt(36, 0);
    assertThat(readError(withChecksum(classes)))
        .endsWith(": header declares 0 classes, expected 1..256");
  }

  private String readError(byte[] bytes) throws IOException {
    Path file = dir.resolve("x" + ImageCache.SUFFIX);
    Files.write(file, bytes);
    Qnn4jFormatException e = assertThrows(Qnn4jFormatException.class, () -> ImageCache.read(file));
    assertThat(e).hasMessageThat().startsWith(file + ": ");
    return e.getMessage();
  }

  /** {@code bytes} with its last 4 bytes set to the CRC-32C of the others, as a writer would. */
  static byte[] withChecksum(byte[] bytes) {
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, bytes.length - 4);
    ByteBuffer.wrap(bytes)
        .order(ByteOrder.LITTLE_ENDIAN)
        .putInt(bytes.length - 4, (int) crc.getValue());
    return bytes;
  }
}
