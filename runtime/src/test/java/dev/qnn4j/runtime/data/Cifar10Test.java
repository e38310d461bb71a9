package dev.qnn4j.runtime.data;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.qnn4j.runtime.io.Qnn4jFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Cifar10Test {

  @TempDir Path dir;

  /** {@code records} CIFAR-10 records; record r has label (first + r) % 10 and every pixel = r. */
  static byte[] batch(int records, int first) {
    byte[] b = new byte[records * Cifar10.RECORD_BYTES];
    for (int r = 0; r < records; r++) {
      int base = r * Cifar10.RECORD_BYTES;
      b[base] = (byte) ((first + r) % 10);
      Arrays.fill(b, base + 1, base + Cifar10.RECORD_BYTES, (byte) r);
    }
    return b;
  }

  private void writeAll() throws IOException {
    for (int i = 0; i < Cifar10.TRAIN_FILES.size(); i++) {
      Files.write(dir.resolve(Cifar10.TRAIN_FILES.get(i)), batch(2, 2 * i));
    }
    Files.write(dir.resolve("test_batch.bin"), batch(3, 7));
  }

  @Test
  void readsTrainAndTestSets() throws IOException {
    writeAll();
    // A recognisable image: channel c, row y, column x of record 0 in data_batch_1 = c*100 + x.
    byte[] first = batch(2, 0);
    for (int c = 0; c < 3; c++) {
      for (int y = 0; y < 32; y++) {
        for (int x = 0; x < 32; x++) {
          first[1 + c * 1024 + y * 32 + x] = (byte) (c * 100 + x);
        }
      }
    }
    Files.write(dir.resolve("data_batch_1.bin"), first);

    Dataset train = Cifar10.train(dir);
    assertThat(train.size()).isEqualTo(10);
    assertThat(train.shape()).isEqualTo(new long[] {10, 3, 32, 32});
    assertThat(train.numClasses()).isEqualTo(10);
    assertThat(train.labels()).isEqualTo(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
    float[] image0 = train.image(0);
    assertThat(image0[0]).isEqualTo(-1f); // c0, x0: byte 0
    assertThat(image0[2 * 1024 + 5 * 32 + 31]).isWithin(1e-6f).of((231 / 255f - 0.5f) / 0.5f);
    assertThat(train.image(3)[100])
        .isWithin(1e-6f)
        .of((1 / 255f - 0.5f) / 0.5f); // record 1 of file 2

    Dataset test = Cifar10.test(dir);
    assertThat(test.labels()).isEqualTo(new int[] {7, 8, 9});
  }

  @Test
  void missingFilesAreListedWithTheDirectory() throws IOException {
    writeAll();
    Files.delete(dir.resolve("data_batch_3.bin"));
    Files.delete(dir.resolve("data_batch_5.bin"));
    NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> Cifar10.train(dir));
    assertThat(e)
        .hasMessageThat()
        .startsWith(
            dir
                + ": CIFAR-10 file(s) missing: data_batch_3.bin, "
                + "data_batch_5.bin (expected the binary version's data_batch_1.bin, data_batch_2.bin, "
                + "data_batch_3.bin, data_batch_4.bin, data_batch_5.bin, test_batch.bin");
    assertThat(e.getMessage()).doesNotContain("\n");
    // The test set is complete and still loads.
    assertThat(Cifar10.test(dir).size()).isEqualTo(3);
  }

  @Test
  void missingDirectoryIsReported() {
    Path missing = dir.resolve("cifar-10-batches-bin");
    NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> Cifar10.test(missing));
    assertThat(e).hasMessageThat().startsWith(missing + ": CIFAR-10 directory does not exist");
    assertThat(e).hasMessageThat().contains("test_batch.bin");
  }

  @Test
  void sizeNotMultipleOfRecordIsRejected() throws IOException {
    Path file =
        Files.write(
            dir.resolve("test_batch.bin"),
            Arrays.copyOf(batch(2, 0), 2 * Cifar10.RECORD_BYTES - 1));
    Qnn4jFormatException e = assertThrows(Qnn4jFormatException.class, () -> Cifar10.test(dir));
    assertThat(e)
        .hasMessageThat()
        .startsWith(file + ": size 6145 is not a multiple of the " + "3073-byte CIFAR-10 record");
  }

  @Test
  void labelOutOfRangeIsRejected() throws IOException {
    byte[] bytes = batch(3, 0);
    bytes[2 * Cifar10.RECORD_BYTES] = 10;
    Path file = Files.write(dir.resolve("test_batch.bin"), bytes);
    Qnn4jFormatException e = assertThrows(Qnn4jFormatException.class, () -> Cifar10.test(dir));
    assertThat(e).hasMessageThat().isEqualTo(file + ": record 2 has label 10, expected 0..9");
  }
}
