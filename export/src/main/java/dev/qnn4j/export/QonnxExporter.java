package dev.qnn4j.export;

import dev.qnn4j.export.OnnxExport.Format;
import dev.qnn4j.export.onnx.proto.ModelProto;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.nn.Model;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Writes a model as QONNX, the format FINN reads: the float operators of {@link QcdqExporter} with
 * every quantizer a {@code Quant(x, scale, zeropt, bitwidth)} node of domain {@code
 * qonnx.custom_op.general} (attributes {@code signed}, {@code narrow}, {@code
 * rounding_mode="ROUND"}). Weights and biases are float initializers feeding Quant nodes; a
 * quantized bias's scale is input scale x weight scale. Any bit width can be written. ONNX Runtime
 * has no kernel for {@code Quant}; FINN and the {@code qonnx} package execute it.
 *
 * <p>How the model is traced, named and written is described in the {@linkplain dev.qnn4j.export
 * package documentation}.
 */
public final class QonnxExporter {
  private QonnxExporter() {}

  /** Exports with {@link ExportOptions#defaults()}. */
  public static void export(Model model, Tensor exampleInput, Path path) throws IOException {
    export(model, exampleInput, path, ExportOptions.defaults());
  }

  /** Exports {@code model}, traced on {@code exampleInput}, to {@code path}. */
  public static void export(Model model, Tensor exampleInput, Path path, ExportOptions options)
      throws IOException {
    OnnxExport.write(Format.QONNX, model, exampleInput, path, options);
  }

  /**
   * Exports with {@link ExportOptions#defaults()}, traced on zeros of {@code [1, inputShape...]}.
   */
  public static void export(Model model, long[] inputShape, Path path) throws IOException {
    export(model, inputShape, path, ExportOptions.defaults());
  }

  /** Exports {@code model}, traced on zeros of {@code [1, inputShape...]}, to {@code path}. */
  public static void export(Model model, long[] inputShape, Path path, ExportOptions options)
      throws IOException {
    export(model, OnnxExport.exampleInput(inputShape), path, options);
  }

  /** Exports with {@link ExportOptions#defaults()}, traced on zeros of the model's input shape. */
  public static void export(Model model, Path path) throws IOException {
    export(model, path, ExportOptions.defaults());
  }

  /**
   * Exports {@code model}, traced on zeros of {@code [1, model.inputShape()...]} (the shape a
   * {@code @QuantModel} declares), to {@code path}.
   */
  public static void export(Model model, Path path, ExportOptions options) throws IOException {
    export(model, OnnxExport.exampleInput(model), path, options);
  }

  /** The exported model without writing it. */
  public static ModelProto toOnnx(Model model, Tensor exampleInput, ExportOptions options) {
    return OnnxExport.toModel(Format.QONNX, model, exampleInput, options);
  }
}
