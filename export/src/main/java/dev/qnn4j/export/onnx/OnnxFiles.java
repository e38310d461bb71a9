package dev.qnn4j.export.onnx;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.qnn4j.export.onnx.proto.AttributeProto;
import dev.qnn4j.export.onnx.proto.ModelProto;
import dev.qnn4j.export.onnx.proto.NodeProto;
import dev.qnn4j.export.onnx.proto.TensorProto;
import dev.qnn4j.runtime.io.AtomicFiles;
import dev.qnn4j.runtime.io.FileErrors;
import dev.qnn4j.runtime.io.FiniteValues;
import dev.qnn4j.runtime.io.NonFiniteValueException;
import dev.qnn4j.runtime.io.Qnn4jFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Writes and reads {@code .onnx} files.
 *
 * <p>{@link #write} is atomic: the bytes go to a hidden temporary file in the target's directory,
 * which is fsynced and then renamed over the target; the directory is fsynced after the rename.
 * Readers see either the old file or the complete new one, and a failure at any step deletes the
 * temporary file, so no partial model is ever left behind.
 */
public final class OnnxFiles {

  private OnnxFiles() {}

  /**
   * Writes {@code model} to {@code path} atomically, replacing any existing file.
   *
   * @throws NonFiniteValueException naming the tensor, before anything is written, if a FLOAT
   *     initializer or constant (a weight, a scale) holds NaN or infinity
   */
  public static void write(ModelProto model, Path path) throws IOException {
    for (TensorProto t : model.getGraph().getInitializerList()) {
      requireFinite(path, t);
    }
    for (NodeProto node : model.getGraph().getNodeList()) {
      for (AttributeProto a : node.getAttributeList()) {
        if (a.hasT()) {
          requireFinite(
              path,
              a.getT().getName().isEmpty()
                  ? node.getName() + "." + a.getName()
                  : a.getT().getName(),
              a.getT());
        }
      }
    }
    AtomicFiles.write(path, model::writeTo);
  }

  private static void requireFinite(Path path, TensorProto t) throws NonFiniteValueException {
    requireFinite(path, t.getName(), t);
  }

  private static void requireFinite(Path path, String name, TensorProto t)
      throws NonFiniteValueException {
    if (t.getDataType() == TensorProto.DataType.FLOAT_VALUE) {
      FiniteValues.requireFiniteToWrite(
          path,
          name,
          OnnxTensors.toFloatArray(t),
          t.getDimsList().stream().mapToLong(Long::longValue).toArray());
    }
  }

  /**
   * Reads a model. A file that is not a valid ONNX model fails with a {@link Qnn4jFormatException}
   * whose one-line message names the file: {@code <path>: not a valid ONNX model (<reason>)}; a
   * missing file with a {@link NoSuchFileException}, {@code <path>: no such file}.
   *
   * <p>The file is read whole (at most 2 GiB, the format's limit) and parsed from memory, where
   * protobuf-java checks every declared length against the bytes actually present before allocating
   * and limits nesting to 100 levels, so a corrupt file cannot make the parse allocate what it
   * merely declares. (Its stream decoder threw ArrayIndexOutOfBoundsException on a malformed varint
   * at a buffer boundary, found by fuzzing; any such failure of the parser is reported as an
   * invalid model too.)
   */
  public static ModelProto read(Path path) throws IOException {
    String source = path.toString();
    ModelProto model;
    try {
      if (Files.size(path) > MAX_MODEL_BYTES) {
        throw new Qnn4jFormatException(
            source, "not a valid ONNX model (larger than the 2 GiB protobuf limit)");
      }
      CodedInputStream coded = CodedInputStream.newInstance(Files.readAllBytes(path));
      coded.setSizeLimit(Integer.MAX_VALUE);
      model = ModelProto.parseFrom(coded);
    } catch (InvalidProtocolBufferException e) {
      String reason = String.valueOf(e.getMessage()).replaceAll("\\s+", " ").trim();
      throw new Qnn4jFormatException(source, "not a valid ONNX model (" + reason + ")", e);
    } catch (Qnn4jFormatException e) {
      throw e;
    } catch (IOException e) {
      throw FileErrors.naming(source, e);
    } catch (RuntimeException e) {
      throw new Qnn4jFormatException(
          source,
          "not a valid ONNX model (malformed protobuf: " + e.getClass().getSimpleName() + ")",
          e);
    }
    if (!model.hasGraph()) {
      throw new Qnn4jFormatException(source, "not a valid ONNX model (no graph)");
    }
    return model;
  }

  /** The largest array Java allocates; protobuf messages are limited to 2 GiB anyway. */
  private static final long MAX_MODEL_BYTES = Integer.MAX_VALUE - 8;
}
