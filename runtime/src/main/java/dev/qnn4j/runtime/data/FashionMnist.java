package dev.qnn4j.runtime.data;

import dev.qnn4j.runtime.io.ArrayData;
import dev.qnn4j.runtime.io.ArrayData.DType;
import dev.qnn4j.runtime.io.Qnn4jFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Loader of Fashion-MNIST (60000 training and 10000 test 28x28 gray images, 10 classes) from its
 * four IDX files, in the {@link ImageLayout} a model takes: by default preprocessed for the
 * project's LeNets, which take CIFAR-sized {@code 3x32x32} input; {@link ImageLayout#GRAY_28} keeps
 * the native {@code 1x28x28} images (the bnn_pynq FC models, MLPs). Values are normalised to [-1,
 * 1]; {@link Dataset#withNormalisation} gives [0, 1] instead.
 *
 * <p>Preprocessing of each image in the default layout, in this order:
 *
 * <ol>
 *   <li>scale bytes to [0, 1]: {@code x = p / 255};
 *   <li>zero-pad the 28x28 image to 32x32, 2 pixels on each side. The padding is applied to the [0,
 *       1] image, i.e. it is black, like the background of Fashion-MNIST images; after
 *       normalisation padded pixels are therefore {@code -1}, not {@code 0};
 *   <li>replicate the gray channel to 3 identical channels;
 *   <li>normalise to [-1, 1]: {@code (x - 0.5) / 0.5} (the same as {@link Cifar10}).
 * </ol>
 *
 * <p>The result is a {@link Dataset} of float32 {@code [N, 3, 32, 32]} images and labels 0..9.
 */
public final class FashionMnist {

  /** Where the Debian package {@code dataset-fashion-mnist} installs the files. */
  public static final Path DEFAULT_DIR = Path.of("/usr/share/datasets/fashion-mnist");

  public static final String TRAIN_IMAGES = "train-images-idx3-ubyte.gz";
  public static final String TRAIN_LABELS = "train-labels-idx1-ubyte.gz";
  public static final String TEST_IMAGES = "t10k-images-idx3-ubyte.gz";
  public static final String TEST_LABELS = "t10k-labels-idx1-ubyte.gz";

  public static final int NUM_CLASSES = 10;
  public static final int SOURCE_SIDE = 28;
  public static final int SIDE = 32;
  public static final int CHANNELS = 3;

  public static final List<String> CLASS_NAMES =
      List.of(
          "T-shirt/top",
          "Trouser",
          "Pullover",
          "Dress",
          "Coat",
          "Sandal",
          "Shirt",
          "Sneaker",
          "Bag",
          "Ankle boot");

  private FashionMnist() {}

  /** The training set from {@link #DEFAULT_DIR}. */
  public static Dataset train() throws IOException {
    return train(DEFAULT_DIR);
  }

  /** The test set from {@link #DEFAULT_DIR}. */
  public static Dataset test() throws IOException {
    return test(DEFAULT_DIR);
  }

  public static Dataset train(Path dir) throws IOException {
    return train(dir, ImageLayout.RGB_32);
  }

  public static Dataset test(Path dir) throws IOException {
    return test(dir, ImageLayout.RGB_32);
  }

  /** The training set in {@code layout}. */
  public static Dataset train(Path dir, ImageLayout layout) throws IOException {
    return load(dir, TRAIN_IMAGES, TRAIN_LABELS, layout);
  }

  /** The test set in {@code layout}. */
  public static Dataset test(Path dir, ImageLayout layout) throws IOException {
    return load(dir, TEST_IMAGES, TEST_LABELS, layout);
  }

  /** True if {@code dir} holds all four files. */
  public static boolean isAvailable(Path dir) {
    for (String name : List.of(TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS)) {
      if (!Files.isRegularFile(dir.resolve(name))) {
        return false;
      }
    }
    return true;
  }

  /**
   * Reads and preprocesses an images IDX file and its labels IDX file. The preprocessed images are
   * written once into an {@link ImageCache} file (next to the data if that directory is writable,
   * else in {@link ImageCache#cacheDirectory()}) and memory-mapped from there; later loads reuse it
   * while the IDX files keep their sizes and modification times. The heap holds only the labels.
   */
  public static Dataset load(Path imagesFile, Path labelsFile) throws IOException {
    return load(imagesFile, labelsFile, ImageLayout.RGB_32);
  }

  /** As {@link #load(Path, Path)}, in {@code layout} (each layout has its own cache file). */
  public static Dataset load(Path imagesFile, Path labelsFile, ImageLayout layout)
      throws IOException {
    ArrayData labels = Idx.read(labelsFile);
    long[] shape = Idx.dimensions(imagesFile);
    byte[] classes =
        checkedLabels(DType.UINT8, shape, imagesFile.toString(), labels, labelsFile.toString());
    String name = imagesFile.getFileName().toString().replaceFirst("\\.gz$", "");
    // The cache holds each gray plane once, in the layout's size; a 3-channel layout reads it as 3
    // identical channels (a third of the pages, which count in a run's resident memory).
    ImageLayout plane = layout.grayPlane();
    boolean seedCache = plane == ImageLayout.GRAY_32;
    ImageCache.Spec spec =
        new ImageCache.Spec(shape[0], 1, plane.side(), plane.side(), NUM_CLASSES, "");
    Dataset gray =
        ImageCache.load(
            seedCache ? name : name + "-" + plane.id(),
            List.of(imagesFile, labelsFile),
            seedCache ? LAYOUT : "fashion-mnist " + plane.describe() + ", v1",
            spec,
            out -> {
              Idx.stream(
                  imagesFile,
                  payload -> {
                    byte[] source = new byte[SOURCE_SIDE * SOURCE_SIDE];
                    byte[] arranged = new byte[plane.side() * plane.side()];
                    for (long i = 0; i < shape[0]; i++) {
                      payload.readFully(source, 0, source.length);
                      plane.arrange(source, 0, arranged, 0);
                      out.write(arranged);
                    }
                    return null;
                  });
              return classes;
            });
    return layout.channels() == 1 ? gray : gray.withReplicatedChannels(layout.channels());
  }

  /** Describes the cached preprocessing: a change to it must change this, to rebuild old caches. */
  private static final String LAYOUT =
      "fashion-mnist 1x32x32 padded by 2, gray (replicated to 3 channels when read), v2";

  /**
   * Preprocesses UINT8 images {@code [N, 28, 28]} and UINT8 labels {@code [N]} (as read by {@link
   * Idx}) as described in the class comment.
   *
   * @throws IllegalArgumentException if the shapes or labels do not fit
   */
  public static Dataset preprocess(ArrayData images, ArrayData labels) {
    try {
      return preprocess(images, "images", labels, "labels");
    } catch (Qnn4jFormatException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  private static Dataset load(Path dir, String imagesName, String labelsName, ImageLayout layout)
      throws IOException {
    Path imagesFile = dir.resolve(imagesName);
    Path labelsFile = dir.resolve(labelsName);
    for (Path file : List.of(imagesFile, labelsFile)) {
      if (!Files.isRegularFile(file)) {
        String problem =
            Files.isDirectory(dir)
                ? "Fashion-MNIST file " + file.getFileName() + " is missing"
                : "Fashion-MNIST directory does not exist";
        throw new NoSuchFileException(
            dir.toString(),
            null,
            problem
                + "; install it with `apt-get install dataset-fashion-mnist` or pass a directory holding "
                + String.join(", ", TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS));
      }
    }
    return load(imagesFile, labelsFile, layout);
  }

  private static Dataset preprocess(
      ArrayData images, String imagesSource, ArrayData labels, String labelsSource)
      throws Qnn4jFormatException {
    byte[] labelBytes =
        checkedLabels(images.dtype(), images.shape(), imagesSource, labels, labelsSource);
    int n = labelBytes.length;
    int[] classes = new int[n];
    for (int i = 0; i < n; i++) {
      classes[i] = labelBytes[i];
    }
    byte[] pixels = images.bytes();
    byte[] out = new byte[Math.multiplyExact(n, CHANNELS * SIDE * SIDE)];
    for (int img = 0; img < n; img++) {
      ImageLayout.RGB_32.arrange(
          pixels, img * SOURCE_SIDE * SOURCE_SIDE, out, img * CHANNELS * SIDE * SIDE);
    }
    return new Dataset(out, Pixels.palette(), classes, CHANNELS, SIDE, SIDE, NUM_CLASSES);
  }

  /**
   * Checks images of {@code dtype} and {@code shape} against {@code labels}; returns the labels.
   */
  private static byte[] checkedLabels(
      DType dtype, long[] shape, String imagesSource, ArrayData labels, String labelsSource)
      throws Qnn4jFormatException {
    if (dtype != DType.UINT8
        || shape.length != 3
        || shape[1] != SOURCE_SIDE
        || shape[2] != SOURCE_SIDE) {
      throw new Qnn4jFormatException(
          imagesSource,
          "expected UINT8 images [N, 28, 28], found " + dtype + " " + Arrays.toString(shape));
    }
    if (labels.dtype() != DType.UINT8 || labels.rank() != 1) {
      throw new Qnn4jFormatException(
          labelsSource,
          "expected UINT8 labels [N], found "
              + labels.dtype()
              + " "
              + Arrays.toString(labels.shape()));
    }
    long n = shape[0];
    if (n == 0) {
      throw new Qnn4jFormatException(
          imagesSource, "images hold no examples (IDX dimensions " + Arrays.toString(shape) + ")");
    }
    if (labels.numElements() != n) {
      throw new Qnn4jFormatException(
          labelsSource, labels.numElements() + " labels for " + n + " images in " + imagesSource);
    }
    byte[] labelBytes = labels.bytes();
    for (int i = 0; i < n; i++) {
      int label = labelBytes[i] & 0xFF;
      if (label >= NUM_CLASSES) {
        throw new Qnn4jFormatException(
            labelsSource,
            "label " + label + " at index " + i + " is outside 0.." + (NUM_CLASSES - 1));
      }
    }
    return labelBytes;
  }
}
