package dev.qnn4j.export;

import dev.qnn4j.export.OnnxExport.Format;
import dev.qnn4j.export.onnx.proto.ModelProto;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.nn.Model;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Writes a model as QCDQ ONNX (opset 13+), the form of Brevitas 0.11's {@code export_onnx_qcdq}:
 * float operators ({@code Conv}, {@code Gemm}, {@code Relu}, {@code MaxPool}, {@code AveragePool},
 * {@code Add}, {@code Flatten}) between fake-quantization patterns.
 *
 * <ul>
 *   <li>Activation quantizers (QuantIdentity, QuantReLU after its {@code Relu}, a layer's input or
 *       output quantizer, QuantEltwiseAdd's output quantizer): {@code QuantizeLinear -> Clip ->
 *       DequantizeLinear} with the evaluation-mode scale, an int8 (signed) or uint8 zero point 0,
 *       and Clip bounds from bit width, signedness and narrow range (no Clip for full-range 8-bit).
 *   <li>Quantized weights: integer weights as an int8 initializer {@code -> Clip ->
 *       DequantizeLinear}, per-channel scales along axis 0. Float layers keep float weights.
 *   <li>Quantized biases: int32 {@code -> DequantizeLinear} with scale input scale x weight scale;
 *       float biases stay float.
 * </ul>
 *
 * Activations and weights of more than 8 bits (or fewer than 2) cannot be expressed.
 *
 * <p>How the model is traced, named and written is described in the {@linkplain dev.qnn4j.export
 * package documentation}.
 */
public final class QcdqExporter {
  private QcdqExporter() {}

  /** Exports with {@link ExportOptions#defaults()}. */
  public static void export(Model model, Tensor exampleInput, Path path) throws IOException {
    export(model, exampleInput, path, ExportOptions.defaults());
  }

  /** Exports {@code model}, traced on {@code exampleInput}, to {@code path}. */
  public static void export(Model model, Tensor exampleInput, Path path, ExportOptions options)
      throws IOException {
    OnnxExport.write(Format.QCDQ, model, exampleInput, path, options);
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
    return OnnxExport.toModel(Format.QCDQ, model, exampleInput, options);
  }
}
