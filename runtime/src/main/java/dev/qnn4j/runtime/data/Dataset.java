package dev.qnn4j.runtime.data;

import dev.qnn4j.runtime.io.ArrayData;
import dev.qnn4j.runtime.io.ArrayData.DType;
import dev.qnn4j.runtime.io.FileErrors;
import dev.qnn4j.runtime.io.Npy;
import dev.qnn4j.runtime.io.Qnn4jFormatException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * An immutable labelled image data set: images float32 {@code [N, C, H, W]} (row-major, one image
 * after the other) and class labels {@code 0 .. numClasses()-1}. The images live in Java arrays or
 * in a memory-mapped file ({@link #fromNpy}, {@link ImageCache}), which may be larger than the
 * heap.
 *
 * <p>Images decoded from 8-bit pixels (Fashion-MNIST, CIFAR-10) are held as one byte per value and
 * a 256-entry table of the normalised floats, a quarter of the memory of floats (Fashion-MNIST as
 * 3x32x32: 184 MB instead of 737 MB); they decode into each batch as it is cut.
 *
 * <p>It deliberately knows nothing of ND4J; {@link BatchLoader} cuts it into mini-batches and the
 * training loop turns those into tensors.
 */
public final class Dataset {

  private final ImageValues values;
  private final int[] labels;
  private final int channels;
  private final int height;
  private final int width;
  private final int numClasses;

  /** Takes ownership of the arrays; callers in this package must not modify them afterwards. */
  Dataset(float[] images, int[] labels, int channels, int height, int width, int numClasses) {
    this(ImageValues.ofFloats(images), labels, channels, height, width, numClasses);
  }

  /**
   * Images held as bytes: value {@code i} of the data set is {@code palette[codes[i] & 0xFF]}.
   * Takes ownership of the arrays, like the float constructor.
   */
  Dataset(
      byte[] codes,
      float[] palette,
      int[] labels,
      int channels,
      int height,
      int width,
      int numClasses) {
    this(ImageValues.ofCodes(codes, palette), labels, channels, height, width, numClasses);
  }

  Dataset(ImageValues values, int[] labels, int channels, int height, int width, int numClasses) {
    if (channels <= 0 || height <= 0 || width <= 0) {
      throw new IllegalArgumentException(
          "image dimensions must be positive, got C=" + channels + " H=" + height + " W=" + width);
    }
    if ((long) channels * height * width > ArrayData.MAX_ELEMENTS) {
      throw new IllegalArgumentException(
          "images of "
              + channels
              + "x"
              + height
              + "x"
              + width
              + " exceed the "
              + ArrayData.MAX_ELEMENTS
              + "-element limit of a Java array");
    }
    long expected = (long) labels.length * channels * height * width;
    if (values.count() != expected) {
      throw new IllegalArgumentException(
          labels.length
              + " labels of "
              + channels
              + "x"
              + height
              + "x"
              + width
              + " images need "
              + expected
              + " values, got "
              + values.count());
    }
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0 || labels[i] >= numClasses) {
        throw new IllegalArgumentException(
            "label " + labels[i] + " of example " + i + " is outside 0.." + (numClasses - 1));
      }
    }
    this.values = values;
    this.labels = labels;
    this.channels = channels;
    this.height = height;
    this.width = width;
    this.numClasses = numClasses;
  }

  /**
   * A data set from copies of {@code images} ({@code [N, channels, height, width]}, row-major) and
   * {@code labels} ({@code N} values in {@code 0..numClasses-1}).
   */
  public static Dataset of(
      float[] images, int[] labels, int channels, int height, int width, int numClasses) {
    return new Dataset(images.clone(), labels.clone(), channels, height, width, numClasses);
  }

  /**
   * A data set from FLOAT32 (used as they are) or UINT8 (normalised like the built-in image data
   * sets, {@code (p/255 - 0.5)/0.5}) images {@code [N, C, H, W]} and integer labels {@code [N]};
   * {@link #numClasses()} is the largest label plus one.
   *
   * @throws IllegalArgumentException if ranks, dtypes or sizes do not fit
   */
  public static Dataset fromArrays(ArrayData images, ArrayData labels) {
    try {
      long[] shape = images.shape();
      int[] classes = checkedLabels(images.dtype(), shape, "images", labels, "labels");
      ImageValues values =
          images.dtype() == DType.UINT8
              ? ImageValues.ofCodes(images.bytes(), Pixels.palette())
              : ImageValues.ofFloats(images.floats());
      return new Dataset(
          values, classes, (int) shape[1], (int) shape[2], (int) shape[3], numClasses(classes));
    } catch (Qnn4jFormatException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  /**
   * Loads the {@code npy:X.npy:Y.npy} data option: images float32 {@code [N, C, H, W]} used as they
   * are (no normalisation) or uint8 normalised as {@link #fromArrays}, labels int64 (or another
   * integer type) {@code [N]}, non-negative; {@link #numClasses()} is the largest label plus one.
   *
   * <p>The images are memory-mapped, not read: the operating system pages in the images a batch
   * copies, so the file may be larger than the heap (only the labels, 4 bytes per example, are
   * held). A Fortran-ordered images file is read into the heap instead.
   *
   * @throws Qnn4jFormatException naming the offending file if the arrays do not fit together
   */
  public static Dataset fromNpy(Path images, Path labels) throws IOException {
    Npy.Layout x = Npy.layout(images);
    ArrayData y = Npy.read(labels);
    long[] shape = x.shape();
    int[] classes = checkedLabels(x.dtype(), shape, images.toString(), y, labels.toString());
    if (x.fortranOrder()) {
      return fromArrays(Npy.read(images), y);
    }
    ImageValues values;
    try (FileChannel channel = FileChannel.open(images, StandardOpenOption.READ)) {
      // A mapping stays valid after its channel is closed.
      values =
          ImageValues.mapped(
              channel,
              x.dataOffset(),
              x.dataBytes() / x.dtype().byteSize(),
              x.dtype() == DType.UINT8 ? Pixels.palette() : null);
    } catch (IOException e) {
      throw FileErrors.naming(images.toString(), e);
    }
    return new Dataset(
        values, classes, (int) shape[1], (int) shape[2], (int) shape[3], numClasses(classes));
  }

  /**
   * Checks images of {@code dtype} and {@code shape} against {@code labels}; returns the labels.
   */
  private static int[] checkedLabels(
      DType dtype, long[] shape, String imagesSource, ArrayData labels, String labelsSource)
      throws Qnn4jFormatException {
    if (dtype != DType.FLOAT32 && dtype != DType.UINT8) {
      throw new Qnn4jFormatException(
          imagesSource,
          "images must be float32 or uint8, found " + dtype + " (convert with astype('float32'))");
    }
    if (shape.length != 4) {
      throw new Qnn4jFormatException(
          imagesSource,
          "images must have rank 4 [N, C, H, W], found shape " + Arrays.toString(shape));
    }
    if (labels.dtype().isFloatingPoint()) {
      throw new Qnn4jFormatException(
          labelsSource, "labels must be integers (int64), found " + labels.dtype());
    }
    if (labels.rank() != 1) {
      throw new Qnn4jFormatException(
          labelsSource,
          "labels must have rank 1 [N], found shape " + Arrays.toString(labels.shape()));
    }
    if (shape[0] == 0) {
      // Also keeps C*H*W within an int: with N >= 1 it is bounded by the file size, while an
      // empty array may declare any image size.
      throw new Qnn4jFormatException(
          imagesSource, "images hold no examples (shape " + Arrays.toString(shape) + ")");
    }
    if (shape[0] != labels.numElements()) {
      throw new Qnn4jFormatException(
          labelsSource,
          labels.numElements() + " labels for " + shape[0] + " images in " + imagesSource);
    }
    if (shape[1] == 0 || shape[2] == 0 || shape[3] == 0) {
      throw new Qnn4jFormatException(
          imagesSource, "images have an empty dimension in shape " + Arrays.toString(shape));
    }
    if (shape[1] * shape[2] * shape[3] > ArrayData.MAX_ELEMENTS) {
      throw new Qnn4jFormatException(
          imagesSource,
          "one image of shape "
              + Arrays.toString(shape)
              + " exceeds the "
              + ArrayData.MAX_ELEMENTS
              + "-element limit of a Java array");
    }
    long[] wide = labels.toLongArray();
    int[] narrow = new int[wide.length];
    for (int i = 0; i < wide.length; i++) {
      if (wide[i] < 0 || wide[i] > Integer.MAX_VALUE - 1) {
        throw new Qnn4jFormatException(
            labelsSource,
            "label " + wide[i] + " at index " + i + " is not a class index (must be non-negative)");
      }
      narrow[i] = (int) wide[i];
    }
    return narrow;
  }

  private static int numClasses(int[] labels) {
    int max = -1;
    for (int label : labels) {
      max = Math.max(max, label);
    }
    return max + 1;
  }

  /** Number of examples N. */
  public int size() {
    return labels.length;
  }

  public int numClasses() {
    return numClasses;
  }

  public int channels() {
    return channels;
  }

  public int height() {
    return height;
  }

  public int width() {
    return width;
  }

  /** Floats per image, C*H*W. */
  public int imageSize() {
    return channels * height * width;
  }

  /** {@code [N, C, H, W]}. */
  public long[] shape() {
    return new long[] {size(), channels, height, width};
  }

  public int label(int index) {
    return labels[index];
  }

  /** A copy of all labels. */
  public int[] labels() {
    return labels.clone();
  }

  /** A copy of all images, {@code [N, C, H, W]} row-major. */
  public float[] images() {
    if (values.count() > ArrayData.MAX_ELEMENTS) {
      throw new IllegalStateException(
          this
              + " holds "
              + values.count()
              + " values, more than one Java array can; read it by batches (BatchLoader)");
    }
    float[] out = new float[(int) values.count()];
    values.copy(0, out, 0, out.length);
    return out;
  }

  /** A copy of image {@code index}, {@code [C, H, W]} row-major. */
  public float[] image(int index) {
    float[] out = new float[imageSize()];
    copyImage(index, out, 0);
    return out;
  }

  /** Copies image {@code index} into {@code dst} at {@code dstOffset}, without allocating. */
  public void copyImage(int index, float[] dst, int dstOffset) {
    values.copy((long) index * imageSize(), dst, dstOffset, imageSize());
  }

  /**
   * True when the images are decoded from bytes (uint8 files, IDX, CIFAR-10), so no value can be
   * NaN or infinite and batches need no check for them.
   */
  public boolean alwaysFinite() {
    return values.alwaysFinite();
  }

  /**
   * This one-channel data set read as {@code channels} identical channels (its values are not
   * copied).
   */
  Dataset withReplicatedChannels(int channels) {
    if (this.channels != 1) {
      throw new IllegalStateException("only a one-channel data set can be replicated, not " + this);
    }
    return new Dataset(
        ImageValues.replicated(values, channels, height * width),
        labels,
        channels,
        height,
        width,
        numClasses);
  }

  /**
   * The same images with {@code normalisation} applied to their bytes (data sets decoded from uint8
   * files: IDX, CIFAR-10, uint8 npy); the default of the built-in data sets is {@link
   * Normalisation#SYMMETRIC}.
   *
   * @throws IllegalArgumentException for float images, which have no bytes to normalise
   */
  public Dataset withNormalisation(Normalisation normalisation) {
    ImageValues other = values.withPalette(normalisation.palette());
    if (other == null) {
      throw new IllegalArgumentException(
          "float32 images are used as they are; a normalisation applies to uint8 images only");
    }
    return new Dataset(other, labels, channels, height, width, numClasses);
  }

  /** Examples {@code from} (inclusive) to {@code to} (exclusive), e.g. for a quick smoke run. */
  public Dataset subset(int from, int to) {
    if (from < 0 || to > size() || from > to) {
      throw new IndexOutOfBoundsException(
          "subset [" + from + ", " + to + ") of " + size() + " examples");
    }
    int[] labelRange = Arrays.copyOfRange(labels, from, to);
    return new Dataset(
        values.slice((long) from * imageSize(), (long) to * imageSize()),
        labelRange,
        channels,
        height,
        width,
        numClasses);
  }

  @Override
  public String toString() {
    return "Dataset["
        + size()
        + " x "
        + channels
        + "x"
        + height
        + "x"
        + width
        + ", "
        + numClasses
        + " classes]";
  }
}
