package dev.qnn4j.export;

import dev.qnn4j.export.OnnxExport.Format;
import dev.qnn4j.export.onnx.proto.ModelProto;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.nn.Model;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Writes a model as QOp ONNX: integer operators where the quantizers allow them, as Brevitas'
 * {@code export_onnx_qop} does. Activation quantizers become {@code QuantizeLinear -> Clip} and
 * their int8/uint8 results stay integer through MaxPool and Flatten; a quantized layer whose result
 * goes (through a Relu) into an activation quantizer becomes one {@code QLinearConv} or {@code
 * QLinearMatMul} (a linear layer with a bias a 1x1 QLinearConv) requantizing to that quantizer,
 * with an int32 bias; {@code DequantizeLinear} returns to float at the boundaries (the model
 * output, Add, AveragePool, and a last layer whose result is not requantized, which runs in float
 * on dequantized operands).
 *
 * <p>Needs activations and weights of 2 to 8 bits, integer biases and a quantized input for every
 * layer; anything else is an {@link ExportException}. QLinear operators round their integer results
 * themselves, so outputs can differ from the fake-quantized model by a quantization step.
 *
 * <p>How the model is traced, named and written is described in the {@linkplain dev.qnn4j.export
 * package documentation}.
 */
public final class QopExporter {
  private QopExporter() {}

  /** Exports with {@link ExportOptions#defaults()}. */
  public static void export(Model model, Tensor exampleInput, Path path) throws IOException {
    export(model, exampleInput, path, ExportOptions.defaults());
  }

  /** Exports {@code model}, traced on {@code exampleInput}, to {@code path}. */
  public static void export(Model model, Tensor exampleInput, Path path, ExportOptions options)
      throws IOException {
    OnnxExport.write(Format.QOP, model, exampleInput, path, options);
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
    return OnnxExport.toModel(Format.QOP, model, exampleInput, options);
  }
}
