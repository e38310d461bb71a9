package dev.qnn4j.runtime.data;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.qnn4j.runtime.io.ArrayData;
import dev.qnn4j.runtime.io.Npy;
import dev.qnn4j.runtime.io.Qnn4jFormatException;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetTest {

  @TempDir Path dir;

  private static float[] ramp(int n) {
    float[] f = new float[n];
    for (int i = 0; i < n; i++) {
      f[i] = i;
    }
    return f;
  }

  private Path npy(String name, ArrayData array) throws IOException {
    Path file = dir.resolve(name);
    Npy.write(file, array);
    return file;
  }

  @Test
  void fromNpyLoadsImagesAndLabels() throws IOException {
    Path x = npy("x.npy", ArrayData.ofFloats(ramp(3 * 2 * 2 * 2), 3, 2, 2, 2));
    Path y = npy("y.npy", ArrayData.ofLongs(new long[] {4, 0, 2}, 3));
    Dataset d = Dataset.fromNpy(x, y);
    assertThat(d.size()).isEqualTo(3);
    assertThat(d.shape()).isEqualTo(new long[] {3, 2, 2, 2});
    assertThat(d.numClasses()).isEqualTo(5);
    assertThat(d.labels()).isEqualTo(new int[] {4, 0, 2});
    assertThat(d.image(1)).isEqualTo(new float[] {8, 9, 10, 11, 12, 13, 14, 15});
    assertThat(d.images()).isEqualTo(ramp(24));
  }

  @Test
  void fromNpyReadsTheReferenceQatBatch() throws IOException, URISyntaxException {
    // qat.inputs.npy is [3, 16, 3, 32, 32]; its first batch saved as [16, 3, 32, 32] with its
    // labels.
    Path root =
        Path.of(getClass().getResource("/reference/brevitas/qat.inputs.npy").toURI()).getParent();
    ArrayData inputs = Npy.read(root.resolve("qat.inputs.npy"));
    ArrayData labels = Npy.read(root.resolve("qat.labels.npy"));
    float[] first = java.util.Arrays.copyOf(inputs.floats(), 16 * 3 * 32 * 32);
    long[] firstLabels = java.util.Arrays.copyOf(labels.longs(), 16);
    Dataset d =
        Dataset.fromNpy(
            npy("x.npy", ArrayData.ofFloats(first, 16, 3, 32, 32)),
            npy("y.npy", ArrayData.ofLongs(firstLabels, 16)));
    assertThat(d.size()).isEqualTo(16);
    assertThat(d.label(0)).isEqualTo(6);
    assertThat(d.image(15)).isEqualTo(java.util.Arrays.copyOfRange(first, 15 * 3072, 16 * 3072));
  }

  @Test
  void wrongImageDtypeNamesTheImagesFile() throws IOException {
    Path x = npy("x64.npy", ArrayData.ofDoubles(new double[4], 1, 1, 2, 2));
    Path y = npy("y.npy", ArrayData.ofLongs(new long[] {0}, 1));
    Qnn4jFormatException e = assertThrows(Qnn4jFormatException.class, () -> Dataset.fromNpy(x, y));
    assertThat(e)
        .hasMessageThat()
        .startsWith(x + ": images must be float32 or uint8, found FLOAT64");
  }

  @Test
  void wrongImageRankNamesTheImagesFile() throws IOException {
    Path x = npy("x3.npy", ArrayData.ofFloats(new float[4], 1, 2, 2));
    Path y = npy("y.npy", ArrayData.ofLongs(new long[] {0}, 1));
    Qnn4jFormatException e = assertThrows(Qnn4jFormatException.class, () -> Dataset.fromNpy(x, y));
    assertThat(e)
        .hasMessageThat()
        .isEqualTo(x + ": images must have rank 4 [N, C, H, W], found " + "shape [1, 2, 2]");
  }

  @Test
  void labelProblemsNameTheLabelsFile() throws IOException {
    Path x = npy("x.npy", ArrayData.ofFloats(new float[8], 2, 1, 2, 2));
    Path floats = npy("yf.npy", ArrayData.ofFloats(new float[] {0, 1}, 2));
    assertThat(assertThrows(Qnn4jFormatException.class, () -> Dataset.fromNpy(x, floats)))
        .hasMessageThat()
        .startsWith(floats + ": labels must be integers (int64), found FLOAT32");
    Path rank2 = npy("y2.npy", ArrayData.ofLongs(new long[] {0, 1}, 2, 1));
    assertThat(assertThrows(Qnn4jFormatException.class, () -> Dataset.fromNpy(x, rank2)))
        .hasMessageThat()
        .startsWith(rank2 + ": labels must have rank 1 [N]");
    Path three = npy("y3.npy", ArrayData.ofLongs(new long[] {0, 1, 2}, 3));
    assertThat(assertThrows(Qnn4jFormatException.class, () -> Dataset.fromNpy(x, three)))
        .hasMessageThat()
        .isEqualTo(three + ": 3 labels for 2 images in " + x);
    Path negative = npy("yn.npy", ArrayData.ofLongs(new long[] {0, -1}, 2));
    assertThat(assertThrows(Qnn4jFormatException.class, () -> Dataset.fromNpy(x, negative)))
        .hasMessageThat()
        .isEqualTo(
            negative + ": label -1 at index 1 is not a class index (must be " + "non-negative)");
  }

  @Test
  void int32LabelsAreAccepted() throws IOException {
    Dataset d =
        Dataset.fromNpy(
            npy("x.npy", ArrayData.ofFloats(new float[4], 1, 1, 2, 2)),
            npy("y.npy", ArrayData.ofInts(new int[] {7}, 1)));
    assertThat(d.numClasses()).isEqualTo(8);
  }

  @Test
  void fromArraysReportsProblemsAsIllegalArgument() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                Dataset.fromArrays(
                    ArrayData.ofFloats(new float[4], 1, 1, 2, 2),
                    ArrayData.ofLongs(new long[] {0, 1}, 2)));
    assertThat(e).hasMessageThat().isEqualTo("labels: 2 labels for 1 images in images");
  }

  @Test
  void ofCopiesAndValidates() {
    float[] images = ramp(8);
    int[] labels = {1, 0};
    Dataset d = Dataset.of(images, labels, 1, 2, 2, 2);
    images[0] = 99;
    labels[0] = 0;
    assertThat(d.image(0)[0]).isEqualTo(0f);
    assertThat(d.label(0)).isEqualTo(1);
    assertThrows(
        IllegalArgumentException.class, () -> Dataset.of(ramp(8), new int[] {2, 0}, 1, 2, 2, 2));
    assertThrows(
        IllegalArgumentException.class, () -> Dataset.of(ramp(7), new int[] {1, 0}, 1, 2, 2, 2));
  }

  @Test
  void subsetKeepsClassCountAndRows() {
    Dataset d = Dataset.of(ramp(12), new int[] {0, 1, 2}, 1, 2, 2, 3);
    Dataset tail = d.subset(1, 3);
    assertThat(tail.size()).isEqualTo(2);
    assertThat(tail.numClasses()).isEqualTo(3);
    assertThat(tail.image(0)).isEqualTo(new float[] {4, 5, 6, 7});
    assertThat(tail.labels()).isEqualTo(new int[] {1, 2});
  }
}
