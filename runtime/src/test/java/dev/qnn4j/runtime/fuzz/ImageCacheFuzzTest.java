package dev.qnn4j.runtime.fuzz;

import static com.google.common.truth.Truth.assertWithMessage;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.common.collect.Range;
import dev.qnn4j.runtime.data.Dataset;
import dev.qnn4j.runtime.data.ImageCache;
import java.io.IOException;
import java.nio.file.Path;

/**
 * {@link ImageCache#read} on arbitrary bytes. A cache that opens must be consistent: its labels in
 * range, its pixels normalised, its size what the file holds. See {@link FuzzSupport}.
 */
class ImageCacheFuzzTest {

  @FuzzTest(maxDuration = FuzzSupport.CI_DURATION)
  void read(byte[] data) throws IOException {
    Path file = FuzzSupport.write("cache/x" + ImageCache.SUFFIX, data);
    Dataset d;
    try {
      d = ImageCache.read(file).dataset();
    } catch (IOException e) {
      FuzzSupport.checkFormatError(e, file);
      return;
    }
    long imageBytes = (long) d.size() * d.imageSize();
    assertWithMessage("file size").that((long) data.length).isGreaterThan(imageBytes + d.size());
    for (int label : d.labels()) {
      assertWithMessage("label").that(label).isIn(Range.closedOpen(0, d.numClasses()));
    }
    float[] image = new float[d.imageSize()];
    for (int i = 0; i < d.size(); i++) {
      d.copyImage(i, image, 0);
      for (float p : image) {
        assertWithMessage("pixel").that(p).isIn(Range.closed(-1f, 1f));
      }
    }
  }
}
