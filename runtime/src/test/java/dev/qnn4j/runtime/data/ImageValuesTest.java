package dev.qnn4j.runtime.data;

import static com.google.common.truth.Truth.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mapped image values read what the file holds, also for images that straddle two mapping segments
 * (1 GiB in use; small here, so that many images cross an edge).
 */
class ImageValuesTest {
  @TempDir Path dir;

  @Test
  void floatsAcrossSegmentEdgesMatchTheHeap() throws Exception {
    int count = 5 * 77; // 5 images of 77 values; the 64-byte segments hold 16 floats
    float[] values = new float[count];
    Random rng = new Random(1);
    for (int i = 0; i < count; i++) {
      values[i] = (float) rng.nextGaussian();
    }
    ByteBuffer bytes = ByteBuffer.allocate(24 + 4 * count).order(ByteOrder.LITTLE_ENDIAN);
    bytes.position(24);
    bytes.asFloatBuffer().put(values);
    Path file = dir.resolve("f.bin");
    Files.write(file, bytes.array());
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      ImageValues mapped = ImageValues.mapped(channel, 24, count, null, 64);
      assertSameAsHeap(mapped, ImageValues.ofFloats(values), 77);
    }
  }

  @Test
  void bytesAcrossSegmentEdgesMatchTheHeap() throws Exception {
    int count = 7 * 51;
    byte[] codes = new byte[count];
    new Random(2).nextBytes(codes);
    byte[] file = new byte[13 + count];
    System.arraycopy(codes, 0, file, 13, count);
    Path path = dir.resolve("b.bin");
    Files.write(path, file);
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
      ImageValues mapped = ImageValues.mapped(channel, 13, count, Pixels.palette(), 20);
      assertSameAsHeap(mapped, ImageValues.ofCodes(codes, Pixels.palette()), 51);
    }
  }

  private static void assertSameAsHeap(ImageValues mapped, ImageValues heap, int imageSize) {
    assertThat(mapped.count()).isEqualTo(heap.count());
    int images = (int) (heap.count() / imageSize);
    for (int i = 0; i < images; i++) {
      float[] a = new float[imageSize];
      float[] b = new float[imageSize];
      mapped.copy((long) i * imageSize, a, 0, imageSize);
      heap.copy((long) i * imageSize, b, 0, imageSize);
      assertThat(a).isEqualTo(b);
    }
    float[] a = new float[2 * imageSize];
    float[] b = new float[2 * imageSize];
    mapped.slice(imageSize, 3L * imageSize).copy(0, a, 0, a.length);
    heap.slice(imageSize, 3L * imageSize).copy(0, b, 0, b.length);
    assertThat(a).isEqualTo(b);
  }
}
