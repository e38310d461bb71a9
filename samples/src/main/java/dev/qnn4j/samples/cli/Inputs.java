package dev.qnn4j.samples.cli;

import dev.qnn4j.runtime.Parameter;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.data.Dataset;
import dev.qnn4j.runtime.io.ArrayData;
import dev.qnn4j.runtime.io.ArrayData.DType;
import dev.qnn4j.runtime.io.FiniteValues;
import dev.qnn4j.runtime.io.Npy;
import dev.qnn4j.runtime.io.Qnn4jFormatException;
import dev.qnn4j.runtime.io.WeightFiles;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.train.Checkpoint;
import dev.qnn4j.runtime.train.Optimizer;
import dev.qnn4j.runtime.train.TrainingState;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Checks and loaders for the files the commands read and write. */
final class Inputs {
  private Inputs() {}

  /** An existing, readable regular file, or a one-line error naming {@code option}. */
  static Path requireFile(Path file, String option) {
    if (file == null) {
      throw new CliException(option + " is required");
    }
    if (!Files.exists(file)) {
      throw new CliException(file + ": no such file (" + option + ")");
    }
    if (Files.isDirectory(file)) {
      throw new CliException(file + ": is a directory, expected a file (" + option + ")");
    }
    if (!Files.isReadable(file)) {
      throw new CliException(file + ": permission denied (" + option + ")");
    }
    return file;
  }

  /**
   * Checks that {@code file} can be written (its directory exists and is writable, it is not a
   * directory) before any long work starts. Creating (and deleting) an empty file there is the
   * final test: it also catches what permissions do not show, e.g. root in a read-only or special
   * file system (/proc).
   */
  static Path requireWritable(Path file, String option) {
    Path absolute = file.toAbsolutePath().normalize();
    Path dir = absolute.getParent();
    if (Files.isDirectory(absolute)) {
      throw new CliException(file + ": is a directory, expected a file name (" + option + ")");
    }
    if (dir == null || !Files.isDirectory(dir)) {
      throw new CliException(
          "cannot write " + file + ": directory " + dir + " does not exist (" + option + ")");
    }
    if (!Files.isWritable(dir)) {
      throw new CliException(
          "cannot write "
              + file
              + ": directory "
              + dir
              + (onReadOnlyFileSystem(dir)
                  ? " is on a read-only file system ("
                  : " is not writable (")
              + option
              + ")");
    }
    Path probe =
        dir.resolve(
            "." + absolute.getFileName() + ".probe-" + ProcessHandle.current().pid() + ".tmp");
    try {
      Files.deleteIfExists(Files.createFile(probe));
    } catch (FileAlreadyExistsException e) {
      // another file of that name: the directory takes new files
    } catch (IOException e) {
      String reason =
          e instanceof FileSystemException f && f.getReason() != null
              ? f.getReason()
              : e instanceof NoSuchFileException
                  ? "No such file or directory"
                  : e instanceof AccessDeniedException
                      ? "Permission denied"
                      : String.valueOf(e.getMessage());
      throw new CliException(
          "cannot write "
              + file
              + ": cannot create a file in directory "
              + dir
              + " ("
              + reason
              + ") ("
              + option
              + ")",
          e);
    }
    return file;
  }

  private static boolean onReadOnlyFileSystem(Path dir) {
    try {
      return Files.getFileStore(dir).isReadOnly();
    } catch (IOException | SecurityException e) {
      return false;
    }
  }

  /**
   * Reads float32 images {@code [N, C, H, W]} whose {@code [C, H, W]} is the model's input shape.
   *
   * @return the array, row-major
   */
  static ArrayData readImages(Path file, Model model, String option) throws IOException {
    requireFile(file, option);
    ArrayData a = Npy.read(file);
    long[] in = Models.inputShape(model);
    long[] shape = a.shape();
    boolean ok =
        a.dtype() == DType.FLOAT32
            && shape.length == in.length + 1
            && shape[0] > 0
            && Arrays.equals(Arrays.copyOfRange(shape, 1, shape.length), in);
    if (!ok) {
      throw new CliException(
          file
              + ": expected float32 images "
              + imagesShape(in)
              + " for "
              + model.modelName()
              + ", got "
              + describe(a));
    }
    return a;
  }

  /**
   * Reads calibration batches: float32 {@code [B, C, H, W]} (one batch) or {@code [K, B, C, H, W]}
   * (K batches, in order).
   */
  static List<Tensor> readBatches(Path file, Model model, String option) throws IOException {
    requireFile(file, option);
    ArrayData a = Npy.read(file);
    long[] in = Models.inputShape(model);
    long[] shape = a.shape();
    int rank = shape.length;
    boolean rankOk = rank == in.length + 1 || rank == in.length + 2;
    boolean ok =
        a.dtype() == DType.FLOAT32
            && rankOk
            && Arrays.equals(Arrays.copyOfRange(shape, rank - in.length, rank), in)
            && Arrays.stream(shape).allMatch(d -> d > 0);
    if (!ok) {
      throw new CliException(
          file
              + ": expected float32 calibration images "
              + imagesShape(in)
              + " (one batch) or [K, B, "
              + Arrays.toString(in).substring(1)
              + " (K batches) for "
              + model.modelName()
              + ", got "
              + describe(a));
    }
    float[] all = a.floats();
    int batches = rank == in.length + 2 ? (int) shape[0] : 1;
    long[] batchShape = Arrays.copyOfRange(shape, rank - in.length - 1, rank);
    int per = all.length / batches;
    int imageSize = (int) (per / batchShape[0]);
    requireFinite(file.toString(), option, all, imageSize, 0, (int) batchShape[0], batches);
    List<Tensor> out = new ArrayList<>();
    for (int k = 0; k < batches; k++) {
      out.add(Tensor.of(Arrays.copyOfRange(all, k * per, (k + 1) * per), batchShape));
    }
    return out;
  }

  /**
   * Refuses input images holding NaN or infinity before they reach a model (scales, checkpoints,
   * logits): one line naming {@code source}, the batch and the first bad element. {@code values}
   * are consecutive images of {@code imageSize} values, the first of them image {@code firstImage}
   * of the source, cut into batches of {@code batchImages} images numbered from 1.
   */
  static void requireFinite(
      String source,
      String option,
      float[] values,
      int imageSize,
      long firstImage,
      int batchImages,
      int batches) {
    int bad = FiniteValues.firstNonFinite(values);
    if (bad < 0) {
      return;
    }
    long image = firstImage + bad / imageSize;
    throw new CliException(
        String.format(
            Locale.ROOT,
            "%s: batch %d of %d holds %s at element %d of image %d (flat index %d); only finite inputs are accepted (%s)",
            source,
            image / batchImages + 1,
            batches,
            values[bad],
            bad % imageSize,
            image,
            image * imageSize + bad % imageSize,
            option));
  }

  /** The images and labels of {@code data} as NCHW, and a check against the model. */
  static void checkDataset(Dataset data, Model model, int classes, String source) {
    long[] in = model.inputShape();
    long[] actual = {data.channels(), data.height(), data.width()};
    if (in.length > 0 && !Arrays.equals(in, actual)) {
      throw new CliException(
          source
              + ": images have shape "
              + imagesShape(actual)
              + " but "
              + model.modelName()
              + " expects "
              + imagesShape(in));
    }
    if (data.size() == 0) {
      throw new CliException(source + ": the data set is empty");
    }
    if (data.numClasses() > classes) {
      throw new CliException(
          source
              + ": labels go up to "
              + (data.numClasses() - 1)
              + " but "
              + model.modelName()
              + " has "
              + classes
              + " outputs (classes 0.."
              + (classes - 1)
              + ")");
    }
  }

  /** "[N, 3, 32, 32]". */
  static String imagesShape(long[] inputShape) {
    return "[N, " + Arrays.toString(inputShape).substring(1);
  }

  static String describe(ArrayData a) {
    return a.dtype().name().toLowerCase(Locale.ROOT) + " " + Arrays.toString(a.shape());
  }

  /**
   * Loads a checkpoint written by {@code train} or {@code calibrate} (model, quantizer state), with
   * command-line wording for a plain weights file.
   */
  static TrainingState loadCheckpoint(Path file, Model model, String option) throws IOException {
    return loadCheckpoint(file, model, null, option);
  }

  /** {@link #loadCheckpoint(Path, Model, String)} with the optimizer state (null to ignore it). */
  static TrainingState loadCheckpoint(Path file, Model model, Optimizer optimizer, String option)
      throws IOException {
    requireFile(file, option);
    try {
      return Checkpoint.load(file, model, optimizer);
    } catch (Qnn4jFormatException e) {
      if (e.problem().startsWith("not a qnn4j checkpoint")) {
        throw new CliException(
            file
                + ": not a qnn4j checkpoint (no qnn4j.format header entry); pass plain"
                + " float or Brevitas weights with --weights"
                + (option.equals("--init-checkpoint") ? " / --init-weights" : ""),
            e);
      }
      throw e;
    }
  }

  /**
   * Loads float or Brevitas weights (a PyTorch state dict saved by torch.save or in safetensors, or
   * the model part of any qnn4j checkpoint, e.g. a float model's) into {@code model}. Every weight
   * and bias of the model must be in the file; activation-quantizer scales may be missing.
   */
  static void loadWeights(Path file, Model model, String option) throws IOException {
    requireFile(file, option);
    Map<String, ArrayData> tensors = WeightFiles.read(file).tensors();
    for (Parameter p : model.parameters()) {
      if (!p.name().contains("_quant.") && !tensors.containsKey(p.name())) {
        throw new CliException(
            file
                + ": tensor '"
                + p.name()
                + "' of model "
                + model.modelName()
                + " is missing ("
                + option
                + " must hold every weight and bias)");
      }
    }
    Checkpoint.loadWeights(file, model, true);
  }
}
