package dev.qnn4j.runtime.fuzz;

import static com.google.common.truth.Truth.assertWithMessage;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.qnn4j.runtime.data.Cifar10;
import dev.qnn4j.runtime.data.Dataset;
import java.io.IOException;
import java.nio.file.Path;

/**
 * {@link Cifar10#test} on a directory whose {@code test_batch.bin} holds arbitrary bytes. See
 * {@link FuzzSupport}.
 */
class Cifar10FuzzTest {

  @FuzzTest(maxDuration = FuzzSupport.CI_DURATION)
  void read(byte[] data) throws IOException {
    Path file = FuzzSupport.write("cifar/test_batch.bin", data);
    Dataset d;
    try {
      d = Cifar10.test(file.getParent());
    } catch (IOException e) {
      FuzzSupport.checkFormatError(e, file);
      return;
    }
    assertWithMessage("records")
        .that((long) d.size())
        .isEqualTo(data.length / Cifar10.RECORD_BYTES);
    assertWithMessage("shape")
        .that(d.shape())
        .isEqualTo(new long[] {d.size(), Cifar10.CHANNELS, Cifar10.SIDE, Cifar10.SIDE});
    for (int label : d.labels()) {
      assertWithMessage("label")
          .that(label)
          .isIn(com.google.common.collect.Range.closedOpen(0, 10));
    }
    for (float p : d.images()) {
      assertWithMessage("pixel").that(p).isIn(com.google.common.collect.Range.closed(-1f, 1f));
    }
  }
}
