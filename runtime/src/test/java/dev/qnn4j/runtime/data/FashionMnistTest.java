package dev.qnn4j.runtime.data;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.qnn4j.runtime.io.ArrayData;
import dev.qnn4j.runtime.io.Qnn4jFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FashionMnistTest {

  @TempDir Path dir;

  private static final int PLANE = 32 * 32;

  /** Two 28x28 images: image 0 black with a white pixel at (0, 0) and gray 51 at (27, 27). */
  private void writeTinySet(Path into, String imagesName, String labelsName) throws IOException {
    byte[] pixels = new byte[2 * 784];
    pixels[0] = (byte) 255;
    pixels[783] = 51;
    Arrays.fill(pixels, 784, 2 * 784, (byte) 255); // image 1 all white
    Files.write(into.resolve(imagesName), IdxTest.gzip(IdxTest.idx(new int[] {2, 28, 28}, pixels)));
    Files.write(
        into.resolve(labelsName), IdxTest.gzip(IdxTest.idx(new int[] {2}, new byte[] {9, 3})));
  }

  @Test
  void preprocessingPadsReplicatesAndNormalises() throws IOException {
    writeTinySet(dir, FashionMnist.TRAIN_IMAGES, FashionMnist.TRAIN_LABELS);
    Dataset data = FashionMnist.train(dir);

    assertThat(data.shape()).isEqualTo(new long[] {2, 3, 32, 32});
    assertThat(data.numClasses()).isEqualTo(10);
    assertThat(data.labels()).isEqualTo(new int[] {9, 3});
    float[] image = data.image(0);
    // Padding (outside rows/columns 2..29) is black in [0, 1], so -1 after normalisation.
    assertThat(image[0]).isEqualTo(-1f);
    assertThat(image[31 * 32 + 31]).isEqualTo(-1f);
    assertThat(image[32 + 2]).isEqualTo(-1f);
    // Source pixel (0, 0) lands at (2, 2): white is +1.
    assertThat(image[2 * 32 + 2]).isEqualTo(1f);
    // Source pixel (27, 27) lands at (29, 29): 51/255 = 0.2 -> -0.6.
    assertThat(image[29 * 32 + 29]).isWithin(1e-6f).of(-0.6f);
    // Black image content is -1 as well.
    assertThat(image[10 * 32 + 10]).isEqualTo(-1f);
    // The three channels are identical.
    float[] c0 = Arrays.copyOfRange(image, 0, PLANE);
    assertThat(Arrays.copyOfRange(image, PLANE, 2 * PLANE)).isEqualTo(c0);
    assertThat(Arrays.copyOfRange(image, 2 * PLANE, 3 * PLANE)).isEqualTo(c0);
    // The all-white image is +1 inside and -1 in the border.
    float[] white = data.image(1);
    assertThat(white[2 * PLANE + 16 * 32 + 16]).isEqualTo(1f);
    assertThat(white[2 * PLANE + 16 * 32 + 1]).isEqualTo(-1f);
    assertThat(white[2 * PLANE + 16 * 32 + 30]).isEqualTo(-1f);
    // The cache keeps one gray plane per image; reads across image boundaries and of subsets
    // replicate it the same way.
    float[] both = data.images();
    assertThat(Arrays.copyOfRange(both, 0, 3 * PLANE)).isEqualTo(image);
    assertThat(Arrays.copyOfRange(both, 3 * PLANE, 6 * PLANE)).isEqualTo(white);
    assertThat(data.subset(1, 2).image(0)).isEqualTo(white);
  }

  @Test
  void nativeLayoutKeepsTheGrayImagesAndUnitNormalisationIsToTensor() throws IOException {
    writeTinySet(dir, FashionMnist.TRAIN_IMAGES, FashionMnist.TRAIN_LABELS);
    Dataset data = FashionMnist.train(dir, ImageLayout.GRAY_28);

    assertThat(data.shape()).isEqualTo(new long[] {2, 1, 28, 28});
    assertThat(data.labels()).isEqualTo(new int[] {9, 3});
    float[] image = data.image(0);
    assertThat(image[0]).isEqualTo(1f);
    assertThat(image[783]).isEqualTo(51 / 255f * 2 - 1);
    assertThat(image[1]).isEqualTo(-1f);

    // [0, 1] as torchvision's ToTensor: p / 255 in float32, on the memory-mapped cache as well.
    Dataset unit = data.withNormalisation(Normalisation.UNIT);
    assertThat(unit.shape()).isEqualTo(data.shape());
    assertThat(unit.image(0)[0]).isEqualTo(1f);
    assertThat(unit.image(0)[783]).isEqualTo(51 / 255f);
    assertThat(unit.image(0)[1]).isEqualTo(0f);
    assertThat(unit.subset(1, 2).image(0)[400]).isEqualTo(1f);
    assertThat(unit.alwaysFinite()).isTrue();

    // Each layout keeps its own cache: the seed layout is unchanged by the native one.
    assertThat(FashionMnist.train(dir).shape()).isEqualTo(new long[] {2, 3, 32, 32});
    assertThat(FashionMnist.train(dir, ImageLayout.GRAY_32).image(0)[2 * 32 + 2]).isEqualTo(1f);
    assertThat(FashionMnist.train(dir, ImageLayout.RGB_28).shape())
        .isEqualTo(new long[] {2, 3, 28, 28});
  }

  @Test
  void floatImagesRefuseANormalisation() {
    Dataset floats = Dataset.of(new float[] {0.5f}, new int[] {0}, 1, 1, 1, 2);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> floats.withNormalisation(Normalisation.UNIT));
    assertThat(e).hasMessageThat().contains("uint8 images only");
  }

  @Test
  void testSetUsesTheT10kFiles() throws IOException {
    writeTinySet(dir, FashionMnist.TEST_IMAGES, FashionMnist.TEST_LABELS);
    assertThat(FashionMnist.test(dir).size()).isEqualTo(2);
  }

  @Test
  void missingDirectoryExplainsHowToInstall() {
    Path missing = dir.resolve("fashion-mnist");
    NoSuchFileException e =
        assertThrows(NoSuchFileException.class, () -> FashionMnist.train(missing));
    assertThat(e).hasMessageThat().startsWith(missing + ": Fashion-MNIST directory does not exist");
    assertThat(e)
        .hasMessageThat()
        .contains("install it with `apt-get install dataset-fashion-mnist`");
    assertThat(e.getMessage()).doesNotContain("\n");
  }

  @Test
  void missingFileNamesTheFile() throws IOException {
    writeTinySet(dir, FashionMnist.TRAIN_IMAGES, FashionMnist.TRAIN_LABELS);
    Files.delete(dir.resolve(FashionMnist.TRAIN_LABELS));
    NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> FashionMnist.train(dir));
    assertThat(e).hasMessageThat().contains("train-labels-idx1-ubyte.gz is missing");
    assertThat(e).hasMessageThat().contains("apt-get install dataset-fashion-mnist");
  }

  @Test
  void mismatchedCountsAndBadLabelsAreRejected() throws IOException {
    writeTinySet(dir, FashionMnist.TRAIN_IMAGES, FashionMnist.TRAIN_LABELS);
    Path labels =
        Files.write(
            dir.resolve(FashionMnist.TRAIN_LABELS),
            IdxTest.gzip(IdxTest.idx(new int[] {3}, new byte[] {1, 2, 3})));
    Qnn4jFormatException count =
        assertThrows(Qnn4jFormatException.class, () -> FashionMnist.train(dir));
    assertThat(count).hasMessageThat().startsWith(labels + ": 3 labels for 2 images");

    Files.write(labels, IdxTest.gzip(IdxTest.idx(new int[] {2}, new byte[] {1, 10})));
    Qnn4jFormatException range =
        assertThrows(Qnn4jFormatException.class, () -> FashionMnist.train(dir));
    assertThat(range).hasMessageThat().isEqualTo(labels + ": label 10 at index 1 is outside 0..9");
  }

  @Test
  void wrongImageSizeIsRejected() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                FashionMnist.preprocess(
                    ArrayData.ofUnsignedBytes(new byte[32 * 32], 1, 32, 32),
                    ArrayData.ofUnsignedBytes(new byte[1], 1)));
    assertThat(e)
        .hasMessageThat()
        .contains("expected UINT8 images [N, 28, 28], found UINT8 [1, 32, 32]");
  }

  // --- the real data set, when installed --------------------------------------------------------

  @Test
  void realTrainingSetHas60000LabelledImages() throws IOException {
    assumeTrue(
        FashionMnist.isAvailable(FashionMnist.DEFAULT_DIR),
        "Fashion-MNIST not installed in "
            + FashionMnist.DEFAULT_DIR
            + " (apt-get install dataset-fashion-mnist); skipping");
    ArrayData images = Idx.read(FashionMnist.DEFAULT_DIR.resolve(FashionMnist.TRAIN_IMAGES));
    ArrayData labels = Idx.read(FashionMnist.DEFAULT_DIR.resolve(FashionMnist.TRAIN_LABELS));
    assertThat(images.shape()).isEqualTo(new long[] {60000, 28, 28});
    assertThat(labels.shape()).isEqualTo(new long[] {60000});
    int[] perClass = new int[10];
    for (long label : labels.toLongArray()) {
      assertThat(label).isAtLeast(0);
      assertThat(label).isAtMost(9);
      perClass[(int) label]++;
    }
    // Fashion-MNIST is balanced: 6000 training images per class.
    for (int count : perClass) {
      assertThat(count).isEqualTo(6000);
    }
  }

  @Test
  void realTestSetPreprocessesToCifarShape() throws IOException {
    assumeTrue(
        FashionMnist.isAvailable(FashionMnist.DEFAULT_DIR),
        "Fashion-MNIST not installed in "
            + FashionMnist.DEFAULT_DIR
            + " (apt-get install dataset-fashion-mnist); skipping");
    Dataset test = FashionMnist.test();
    assertThat(test.shape()).isEqualTo(new long[] {10000, 3, 32, 32});
    assertThat(test.numClasses()).isEqualTo(10);
    float min = Float.MAX_VALUE;
    float max = -Float.MAX_VALUE;
    for (float v : test.image(0)) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    assertThat(min).isEqualTo(-1f);
    assertThat(max).isAtMost(1f);
    assertThat(max).isGreaterThan(0f);
  }
}
