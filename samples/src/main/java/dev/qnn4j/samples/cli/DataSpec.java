package dev.qnn4j.samples.cli;

import dev.qnn4j.runtime.data.Cifar10;
import dev.qnn4j.runtime.data.Dataset;
import dev.qnn4j.runtime.data.FashionMnist;
import dev.qnn4j.runtime.data.ImageLayout;
import dev.qnn4j.runtime.data.Normalisation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The {@code --data} option: {@code fashion-mnist[:DIR]}, {@code cifar10:DIR} or {@code
 * npy:IMAGES.npy:LABELS.npy}.
 */
record DataSpec(Kind kind, Path dir, Path images, Path labels) {
  static final String HELP =
      "fashion-mnist[:DIR] (default DIR /usr/share/datasets/fashion-mnist, Debian"
          + " package dataset-fashion-mnist), cifar10:DIR (the binary version, unpacked), or"
          + " npy:IMAGES.npy:LABELS.npy (float32 [N, C, H, W] images used as they are or uint8 normalised to"
          + " [-1, 1], memory-mapped; integer [N] labels; no separate test set: evaluation uses the same data)";

  enum Kind {
    FASHION_MNIST("fashion-mnist"),
    CIFAR10("cifar10"),
    NPY("npy");

    final String id;

    Kind(String id) {
      this.id = id;
    }
  }

  /** Which part of a data set a command needs. */
  enum Split {
    TRAIN,
    TEST,
    BOTH
  }

  /**
   * How the images reach the model: the layout of Fashion-MNIST's 28x28 gray images (ignored for
   * other data, which keeps its own shape) and the normalisation of byte images (float images are
   * used as they are).
   */
  record Format(ImageLayout layout, Normalisation normalisation) implements java.io.Serializable {
    /** The seed LeNets' format: 3x32x32 replicate-and-pad, [-1, 1]. */
    static final Format SEED = new Format(ImageLayout.RGB_32, Normalisation.SYMMETRIC);

    /** For headers, e.g. {@code layout 1x28x28 (native), normalisation unit [0, 1]}. */
    String describe(DataSpec spec) {
      String layoutText =
          spec.kind() == Kind.FASHION_MNIST
              ? layout.describe()
              : spec.kind() == Kind.CIFAR10 ? "3x32x32 (native)" : "as stored";
      return "layout "
          + layoutText
          + ", normalisation "
          + (spec.kind() == Kind.NPY
              ? "as stored (float32) or " + normalisation.describe() + " (uint8)"
              : normalisation.describe());
    }
  }

  /** Training and test data; {@code test == train} for npy data. */
  record Loaded(Dataset train, Dataset test, String trainName, String testName, boolean sameData) {}

  static DataSpec parse(String spec) {
    if (spec == null || spec.isBlank()) {
      throw new CliException("--data is empty; use " + HELP);
    }
    int colon = spec.indexOf(':');
    String kind = colon < 0 ? spec : spec.substring(0, colon);
    String rest = colon < 0 ? null : spec.substring(colon + 1);
    switch (kind) {
      case "fashion-mnist":
        return new DataSpec(
            Kind.FASHION_MNIST,
            rest == null || rest.isEmpty() ? FashionMnist.DEFAULT_DIR : Path.of(rest),
            null,
            null);
      case "cifar10":
        if (rest == null || rest.isEmpty()) {
          throw new CliException(
              "--data cifar10 needs a directory: cifar10:DIR (the unpacked binary version,"
                  + " cifar-10-batches-bin)");
        }
        return new DataSpec(Kind.CIFAR10, Path.of(rest), null, null);
      case "npy":
        String[] parts = rest == null ? new String[0] : rest.split(":", -1);
        if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
          throw new CliException(
              "--data npy needs two files: npy:IMAGES.npy:LABELS.npy, got '" + spec + "'");
        }
        return new DataSpec(Kind.NPY, null, Path.of(parts[0]), Path.of(parts[1]));
      default:
        throw new CliException("unknown --data kind '" + kind + "'; use " + HELP);
    }
  }

  boolean hasTestSet() {
    return kind != Kind.NPY;
  }

  /**
   * Loads the needed split(s); {@code limit}/{@code testLimit} keep only the first examples (0 =
   * all).
   */
  Loaded load(Split split, int limit, int testLimit) throws IOException {
    return load(split, limit, testLimit, Format.SEED);
  }

  /** As {@link #load(Split, int, int)}, in {@code format}. */
  Loaded load(Split split, int limit, int testLimit, Format format) throws IOException {
    Dataset train = null;
    Dataset test = null;
    String trainName;
    String testName;
    switch (kind) {
      case FASHION_MNIST -> {
        if (!FashionMnist.isAvailable(dir)) {
          throw new CliException(FashionMnistInstaller.missingMessage(dir));
        }
        if (split != Split.TEST) {
          train = FashionMnist.train(dir, format.layout());
        }
        if (split != Split.TRAIN) {
          test = FashionMnist.test(dir, format.layout());
        }
        trainName = "fashion-mnist train";
        testName = "fashion-mnist test";
      }
      case CIFAR10 -> {
        if (!Files.isDirectory(dir)) {
          throw new CliException(dir + ": no such directory (--data cifar10:DIR)");
        }
        if (split != Split.TEST) {
          train = Cifar10.train(dir);
        }
        if (split != Split.TRAIN) {
          test = Cifar10.test(dir);
        }
        trainName = "cifar10 train";
        testName = "cifar10 test";
      }
      case NPY -> {
        Inputs.requireFile(images, "--data npy images");
        Inputs.requireFile(labels, "--data npy labels");
        train = Dataset.fromNpy(images, labels);
        test = train;
        trainName = images.getFileName().toString();
        testName = trainName;
      }
      default -> throw new IllegalStateException(kind.toString());
    }
    train = normalised(train, format.normalisation());
    test = normalised(test, format.normalisation());
    if (kind == Kind.NPY) {
      train = limit(train, limit > 0 ? limit : testLimit);
      return new Loaded(train, train, trainName, testName, true);
    }
    return new Loaded(limit(train, limit), limit(test, testLimit), trainName, testName, false);
  }

  /** Byte images in {@code n}; float images (npy float32) stay as they are. */
  private static Dataset normalised(Dataset d, Normalisation n) {
    if (d == null || !d.alwaysFinite() || n == Normalisation.SYMMETRIC) {
      return d;
    }
    return d.withNormalisation(n);
  }

  private static Dataset limit(Dataset d, int n) {
    return d == null || n <= 0 || n >= d.size() ? d : d.subset(0, n);
  }

  /** A short description for messages. */
  String describe() {
    return switch (kind) {
      case FASHION_MNIST -> "fashion-mnist:" + dir;
      case CIFAR10 -> "cifar10:" + dir;
      case NPY -> "npy:" + images + ":" + labels;
    };
  }
}
