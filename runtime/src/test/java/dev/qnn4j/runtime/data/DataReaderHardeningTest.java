package dev.qnn4j.runtime.data;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.qnn4j.runtime.io.ArrayData;
import dev.qnn4j.runtime.io.Npy;
import dev.qnn4j.runtime.io.Qnn4jFormatException;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regression tests for what the reader review and fuzzing (dev.qnn4j.runtime.fuzz) found in the
 * data set readers.
 */
class DataReaderHardeningTest {
  @TempDir Path dir;

  private Path npy(String name, ArrayData a) throws IOException {
    Path f = dir.resolve(name);
    Npy.write(f, a);
    return f;
  }

  // Finding (DatasetFuzzTest seed corpus): fromNpy accepted images of shape [0, C, H, W], a data
  // set with no examples and 0 classes; and since an empty array may declare any C, H, W, their
  // product overflowed int (imageSize() of [0, 65536, 65536, 65536] was 0), so batching such a
  // data set failed far from the file with NegativeArraySizeException or worse.

  @Test
  void npyDataSetWithoutExamplesIsRejected() throws IOException {
    Path y = npy("y.npy", ArrayData.ofLongs(new long[0], 0));
    Path x = npy("x.npy", ArrayData.ofFloats(new float[0], 0, 1, 28, 28));
    Qnn4jFormatException e = assertThrows(Qnn4jFormatException.class, () -> Dataset.fromNpy(x, y));
    assertThat(e)
        .hasMessageThat()
        .isEqualTo(x + ": images hold no examples (shape [0, 1, 28, 28])");
    Path huge = npy("huge.npy", ArrayData.ofFloats(new float[0], 0, 65536, 65536, 65536));
    e = assertThrows(Qnn4jFormatException.class, () -> Dataset.fromNpy(huge, y));
    assertThat(e).hasMessageThat().startsWith(huge + ": images hold no examples");
  }

  @Test
  void imageSizeBeyondTheArrayLimitIsRejected() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Dataset.of(new float[0], new int[0], 65536, 65536, 65536, 10));
    assertThat(e).hasMessageThat().contains("65536x65536x65536");
  }

  // Finding: a directory or a missing file gave the JDK's bare message, "Is a directory" (no
  // file name) or just the path (no reason).

  @Test
  void idxDirectoryOrMissingFileIsNamed() {
    FileSystemException e = assertThrows(FileSystemException.class, () -> Idx.read(dir));
    assertThat(e).hasMessageThat().startsWith(dir + ": ");
    assertThat(e).hasMessageThat().doesNotContain("\n");
    Path absent = dir.resolve("train-images-idx3-ubyte");
    NoSuchFileException missing = assertThrows(NoSuchFileException.class, () -> Idx.read(absent));
    assertThat(missing).hasMessageThat().isEqualTo(absent + ": no such file");
  }

  @Test
  void cifarFileThatIsADirectoryCountsAsMissing() throws IOException {
    Files.createDirectories(dir.resolve("test_batch.bin"));
    NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> Cifar10.test(dir));
    assertThat(e).hasMessageThat().contains("CIFAR-10 file(s) missing: test_batch.bin");
  }
}
