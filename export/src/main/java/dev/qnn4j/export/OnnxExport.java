package dev.qnn4j.export;

import dev.qnn4j.export.onnx.OnnxFiles;
import dev.qnn4j.export.onnx.OnnxGraphBuilder;
import dev.qnn4j.export.onnx.proto.ModelProto;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.nn.Model;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Properties;
import java.util.function.BiFunction;

/** The export pipeline the three public exporters share: trace, capture, emit, check, write. */
final class OnnxExport {

  /** An ONNX form of a quantized model. */
  enum Format {
    QCDQ("qcdq", true, QcdqEmitter::new),
    QONNX("qonnx", false, QonnxEmitter::new),
    QOP("qop", true, QopEmitter::new);

    private final String id;

    /**
     * Whether BatchNorm layers are folded into the convolution or linear layer before them (QCDQ,
     * and QOp, whose integer convolutions need it), or written as BatchNormalization nodes (QONNX,
     * as Brevitas writes it and FINN reads it).
     */
    private final boolean foldsBatchNorm;

    private final BiFunction<ExportGraph, OnnxGraphBuilder, OnnxEmitter> emitter;

    Format(
        String id,
        boolean foldsBatchNorm,
        BiFunction<ExportGraph, OnnxGraphBuilder, OnnxEmitter> emitter) {
      this.id = id;
      this.foldsBatchNorm = foldsBatchNorm;
      this.emitter = emitter;
    }
  }

  /** Metadata key of the format ({@code qcdq}, {@code qonnx}, {@code qop}). */
  static final String FORMAT_KEY = "qnn4j.format";

  /** Metadata key of the model's name. */
  static final String MODEL_NAME_KEY = "model_name";

  /** This module's version, the models' {@code producer_version}. */
  static final String VERSION = loadVersion();

  private OnnxExport() {}

  /** The model in {@code format}, checked by {@link dev.qnn4j.export.onnx.OnnxModelChecker}. */
  static ModelProto toModel(
      Format format, Model model, Tensor exampleInput, ExportOptions options) {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(exampleInput, "exampleInput");
    Objects.requireNonNull(options, "options");
    ExportGraph graph = GraphCapture.capture(model, exampleInput, format.foldsBatchNorm);
    String name = options.modelName() != null ? options.modelName() : model.modelName();
    OnnxGraphBuilder b =
        new OnnxGraphBuilder(name)
            .opsetVersion(options.opset())
            .producerVersion(VERSION)
            .docString(name + " exported by qnn4j " + VERSION + " as " + format.name())
            .metadata(MODEL_NAME_KEY, name)
            .metadata(FORMAT_KEY, format.id);
    String result = format.emitter.apply(graph, b).emit(options.inputName());
    try {
      b.addFloatOutput(b.rename(result, options.outputName()), graph.output().dimsAfterBatch());
    } catch (IllegalArgumentException e) {
      throw new ExportException(
          name, "cannot name the output '" + options.outputName() + "': " + e.getMessage());
    }
    return b.build();
  }

  /** Builds the whole model in memory, then writes it atomically: a failure leaves no file. */
  static void write(
      Format format, Model model, Tensor exampleInput, Path path, ExportOptions options)
      throws IOException {
    Objects.requireNonNull(path, "path");
    OnnxFiles.write(toModel(format, model, exampleInput, options), path);
  }

  /** Zeros of shape {@code [1, model.inputShape()...]}, for models that declare their shape. */
  static Tensor exampleInput(Model model) {
    long[] shape = model.inputShape();
    if (shape.length == 0) {
      throw new IllegalArgumentException(
          model.modelName()
              + " declares no input shape; pass an"
              + " example input or an input shape");
    }
    return exampleInput(shape);
  }

  /** Zeros of shape {@code [1, inputShape...]}: topology and constants do not depend on data. */
  static Tensor exampleInput(long[] inputShape) {
    long[] shape = new long[inputShape.length + 1];
    shape[0] = 1;
    System.arraycopy(inputShape, 0, shape, 1, inputShape.length);
    return Tensor.zeros(shape);
  }

  private static String loadVersion() {
    Properties p = new Properties();
    try (InputStream in = OnnxExport.class.getResourceAsStream("export.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return p.getProperty("version", "unknown");
  }
}
