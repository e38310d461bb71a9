package dev.qnn4j.runtime.fuzz;

import static com.google.common.truth.Truth.assertWithMessage;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.qnn4j.runtime.data.Dataset;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * {@link Dataset#fromNpy} (the {@code npy:X.npy:Y.npy} data option) on two arbitrary files. The
 * input is split in two: its first two bytes (big-endian) give the length of the images file, the
 * rest after it is the labels file. See {@link FuzzSupport}.
 */
class DatasetFuzzTest {

  @FuzzTest(maxDuration = FuzzSupport.CI_DURATION)
  @DictionaryEntries({
    "\u0093NUMPY",
    "{'descr': '",
    "'fortran_order': False, 'shape': (",
    "<f4",
    "<i8",
    "|u1",
    "|i1",
    "<i4",
    ",)",
    ", }"
  })
  void fromNpy(byte[] data) throws IOException {
    int split =
        data.length < 2 ? 0 : Math.min(((data[0] & 0xFF) << 8 | (data[1] & 0xFF)), data.length - 2);
    int start = Math.min(2, data.length);
    Path images = FuzzSupport.write("images.npy", Arrays.copyOfRange(data, start, start + split));
    Path labels =
        FuzzSupport.write("labels.npy", Arrays.copyOfRange(data, start + split, data.length));
    Dataset d;
    try {
      d = Dataset.fromNpy(images, labels);
    } catch (IOException e) {
      String message = String.valueOf(e.getMessage());
      FuzzSupport.checkFormatError(e, message.startsWith(labels + ": ") ? labels : images);
      return;
    }
    assertWithMessage("data set").that(d.size()).isGreaterThan(0);
    long imageSize = (long) d.channels() * d.height() * d.width();
    assertWithMessage("image size").that((long) d.imageSize()).isEqualTo(imageSize);
    assertWithMessage("images").that((long) d.images().length).isEqualTo(d.size() * imageSize);
    for (int label : d.labels()) {
      assertWithMessage("label")
          .that(label)
          .isIn(com.google.common.collect.Range.closedOpen(0, d.numClasses()));
    }
  }
}
