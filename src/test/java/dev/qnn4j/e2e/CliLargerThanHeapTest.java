package dev.qnn4j.e2e;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import dev.qnn4j.e2e.CliReliabilityChild.Proc;
import dev.qnn4j.runtime.io.ArrayData;
import dev.qnn4j.runtime.io.Npy;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.train.Checkpoint;
import dev.qnn4j.samples.QuantModel_QuantWeightActBiasLeNet;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 3 GB uint8 {@code .npy} data set trains in a JVM with a 512 MB heap: the images are
 * memory-mapped and each batch reads only its own examples. The data file is sparse (its pages are
 * holes until written), so the test costs neither 3 GB of disk nor the time to write them; it runs
 * 20 steps of a shuffled epoch and stops there.
 */
class CliLargerThanHeapTest {
  @TempDir Path dir;

  /** 976563 images of 3x32x32 bytes: 3,000,001,536 bytes of image data. */
  private static final long IMAGES = 976_563;

  @Test
  void aThreeGigabyteUint8DataSetTrainsUnderA512MegabyteHeap() throws Exception {
    Path x = dir.resolve("x.npy");
    Path y = dir.resolve("y.npy");
    try {
      long dataBytes = IMAGES * 3 * 32 * 32;
      byte[] header = npyHeader("|u1", "(" + IMAGES + ", 3, 32, 32)");
      try (RandomAccessFile f = new RandomAccessFile(x.toFile(), "rw")) {
        f.write(header);
        f.setLength(header.length + dataBytes);
        // A few non-zero images spread over the file, past the 1 GiB and 2 GiB mapping segments
        // too.
        for (long image : new long[] {0, 349_525, 699_050, IMAGES - 1}) {
          f.seek(header.length + image * 3072);
          byte[] pattern = new byte[3072];
          for (int i = 0; i < pattern.length; i++) {
            pattern[i] = (byte) (i * 7 + image);
          }
          f.write(pattern);
        }
      }
      long[] labels = new long[(int) IMAGES];
      for (int i = 0; i < labels.length; i++) {
        labels[i] = i % 10;
      }
      Npy.write(y, ArrayData.ofLongs(labels, IMAGES));
      assertThat(Files.size(x)).isGreaterThan(3_000_000_000L);

      Path c = dir.resolve("c.safetensors");
      List<String> command =
          new ArrayList<>(
              CliReliabilityChild.command(
                  "train",
                  "--model",
                  CliReliabilityChild.LENET,
                  "--data",
                  "npy:" + x + ":" + y,
                  "--batch-size",
                  "64",
                  "--max-steps",
                  "20",
                  "--seed",
                  "3",
                  "--out",
                  c.toString()));
      command.set(command.indexOf("-Xmx1g"), "-Xmx512m");
      Path log = dir.resolve("train");
      Proc r =
          CliReliabilityChild.finish(
              CliReliabilityChild.start(dir, log, command), log, "train (3 GB)");
      assertWithMessage(r.toString()).that(r.code()).isEqualTo(0);
      assertWithMessage(r.toString()).that(r.err()).doesNotContain("OutOfMemoryError");
      assertThat(r.out()).contains("(976563 images, 10 classes)");
      Model m = new QuantModel_QuantWeightActBiasLeNet();
      assertThat(Checkpoint.load(c, m, null).step()).isEqualTo(20);
      CliReliabilityChild.assertNoCrashLog(dir);
    } finally {
      Files.deleteIfExists(x);
      Files.deleteIfExists(y);
    }
  }

  /**
   * A version 1.0 .npy header for {@code descr} and {@code shape}, padded to 64 bytes as numpy
   * does.
   */
  private static byte[] npyHeader(String descr, String shape) {
    String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
    int total = (10 + dict.length() + 1 + 63) / 64 * 64;
    StringBuilder text = new StringBuilder(dict);
    while (10 + text.length() + 1 < total) {
      text.append(' ');
    }
    text.append('\n');
    byte[] out = new byte[total];
    byte[] magic = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
    System.arraycopy(magic, 0, out, 0, 8);
    int length = total - 10;
    out[8] = (byte) length;
    out[9] = (byte) (length >> 8);
    byte[] t = text.toString().getBytes(StandardCharsets.ISO_8859_1);
    System.arraycopy(t, 0, out, 10, t.length);
    return out;
  }
}
