package dev.qnn4j.runtime.data;

import dev.qnn4j.runtime.io.ArrayData;
import dev.qnn4j.runtime.io.Qnn4jFormatException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reader of the binary version of CIFAR-10 ({@code cifar-10-binary.tar.gz} from
 * https://www.cs.toronto.edu/~kriz/cifar.html, unpacked into one directory).
 *
 * <p>Each file is a sequence of 3073-byte records: one label byte (0..9), then the 32x32 image as
 * 1024 red, 1024 green and 1024 blue bytes, i.e. already in CHW order. The training set is {@code
 * data_batch_1.bin} .. {@code data_batch_5.bin}, the test set {@code test_batch.bin}, 10000 records
 * each in the official release (any whole number of records is accepted).
 *
 * <p>The records are decoded once into an {@link ImageCache} file (next to the data if that
 * directory is writable, else in {@link ImageCache#cacheDirectory()}) and memory-mapped from there.
 *
 * <p>Pixels are normalised to [-1, 1] with {@code (p/255 - 0.5) / 0.5}, the same preprocessing as
 * {@link FashionMnist}, so both data sets feed the same LeNets.
 */
public final class Cifar10 {

  public static final int NUM_CLASSES = 10;
  public static final int CHANNELS = 3;
  public static final int SIDE = 32;
  public static final int IMAGE_BYTES = CHANNELS * SIDE * SIDE;
  public static final int RECORD_BYTES = 1 + IMAGE_BYTES;

  public static final List<String> TRAIN_FILES =
      List.of(
          "data_batch_1.bin",
          "data_batch_2.bin",
          "data_batch_3.bin",
          "data_batch_4.bin",
          "data_batch_5.bin");
  public static final List<String> TEST_FILES = List.of("test_batch.bin");

  public static final List<String> CLASS_NAMES =
      List.of(
          "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck");

  /** Records converted per read; bounds the temporary byte buffer. */
  private static final int RECORDS_PER_READ = 1000;

  private Cifar10() {}

  /** The 50000 training images of {@code dir}. */
  public static Dataset train(Path dir) throws IOException {
    return read(dir, TRAIN_FILES);
  }

  /** The 10000 test images of {@code dir}. */
  public static Dataset test(Path dir) throws IOException {
    return read(dir, TEST_FILES);
  }

  private static Dataset read(Path dir, List<String> names) throws IOException {
    List<Path> files = resolve(dir, names);
    long totalRecords = 0;
    for (Path file : files) {
      long size = Files.size(file);
      if (size % RECORD_BYTES != 0) {
        throw new Qnn4jFormatException(
            file.toString(),
            "size "
                + size
                + " is not a multiple of the "
                + RECORD_BYTES
                + "-byte CIFAR-10 record (1 label byte + "
                + IMAGE_BYTES
                + " pixel bytes); truncated or not the binary version");
      }
      totalRecords += size / RECORD_BYTES;
    }
    if (totalRecords == 0) {
      throw new Qnn4jFormatException(
          files.get(0).toString(), "holds no CIFAR-10 records (an empty file)");
    }
    if (totalRecords > ArrayData.MAX_ELEMENTS) {
      throw new IOException(
          dir + ": " + totalRecords + " CIFAR-10 records are more than one data set can index");
    }
    String name = "cifar10-" + (names.equals(TEST_FILES) ? "test" : "train");
    int n = (int) totalRecords;
    ImageCache.Spec spec = new ImageCache.Spec(n, CHANNELS, SIDE, SIDE, NUM_CLASSES, "");
    return ImageCache.load(
        name,
        files,
        LAYOUT,
        spec,
        out -> {
          byte[] labels = new byte[n];
          byte[] buffer = new byte[RECORDS_PER_READ * RECORD_BYTES];
          int record = 0;
          for (Path file : files) {
            long recordsInFile = Files.size(file) / RECORD_BYTES;
            try (InputStream in = Files.newInputStream(file)) {
              for (long done = 0; done < recordsInFile; ) {
                int batch = (int) Math.min(RECORDS_PER_READ, recordsInFile - done);
                int got = in.readNBytes(buffer, 0, batch * RECORD_BYTES);
                if (got != batch * RECORD_BYTES) {
                  throw new Qnn4jFormatException(file.toString(), "file shrank while being read");
                }
                for (int r = 0; r < batch; r++, record++) {
                  int base = r * RECORD_BYTES;
                  int label = buffer[base] & 0xFF;
                  if (label >= NUM_CLASSES) {
                    throw new Qnn4jFormatException(
                        file.toString(),
                        "record "
                            + (done + r)
                            + " has label "
                            + label
                            + ", expected 0.."
                            + (NUM_CLASSES - 1));
                  }
                  labels[record] = (byte) label;
                  out.write(buffer, base + 1, IMAGE_BYTES);
                }
                done += batch;
              }
            }
          }
          return labels;
        });
  }

  /** Describes the cached layout: a change to it must change this, to rebuild old caches. */
  private static final String LAYOUT = "cifar10 3x32x32 CHW, v1";

  /** The files of {@code names} in {@code dir}; one error listing every missing one. */
  private static List<Path> resolve(Path dir, List<String> names) throws NoSuchFileException {
    List<Path> files = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    for (String name : names) {
      Path file = dir.resolve(name);
      if (Files.isRegularFile(file)) {
        files.add(file);
      } else {
        missing.add(name);
      }
    }
    if (!missing.isEmpty()) {
      String expected = String.join(", ", TRAIN_FILES) + ", " + String.join(", ", TEST_FILES);
      String problem =
          Files.isDirectory(dir)
              ? "CIFAR-10 file(s) missing: " + String.join(", ", missing)
              : "CIFAR-10 directory does not exist";
      throw new NoSuchFileException(
          dir.toString(),
          null,
          problem
              + " (expected the binary version's "
              + expected
              + ", from cifar-10-binary.tar.gz at https://www.cs.toronto.edu/~kriz/cifar.html)");
    }
    return files;
  }
}
