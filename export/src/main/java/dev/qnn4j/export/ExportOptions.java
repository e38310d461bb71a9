package dev.qnn4j.export;

import dev.qnn4j.export.onnx.OnnxGraphBuilder;
import java.util.Objects;

/**
 * Settings shared by the three exporters.
 *
 * @param opset default-domain ONNX opset, at least 13 (per-axis DequantizeLinear)
 * @param inputName name of the graph input
 * @param outputName name of the graph output
 * @param modelName graph name and {@code model_name} metadata; null means the model's {@link
 *     dev.qnn4j.runtime.nn.Model#modelName()}
 */
public record ExportOptions(int opset, String inputName, String outputName, String modelName) {

  public ExportOptions {
    if (opset < 13) {
      throw new IllegalArgumentException("opset " + opset + " is too old: the exports need 13+");
    }
    requireName(inputName, "input name");
    requireName(outputName, "output name");
    if (inputName.equals(outputName)) {
      throw new IllegalArgumentException("input and output are both named '" + inputName + "'");
    }
    if (modelName != null) {
      requireName(modelName, "model name");
    }
  }

  /** Opset 13, input {@code input}, output {@code output}, the model's own name. */
  public static ExportOptions defaults() {
    return new ExportOptions(OnnxGraphBuilder.DEFAULT_OPSET, "input", "output", null);
  }

  public ExportOptions withOpset(int version) {
    return new ExportOptions(version, inputName, outputName, modelName);
  }

  public ExportOptions withInputName(String name) {
    return new ExportOptions(opset, name, outputName, modelName);
  }

  public ExportOptions withOutputName(String name) {
    return new ExportOptions(opset, inputName, name, modelName);
  }

  public ExportOptions withModelName(String name) {
    return new ExportOptions(opset, inputName, outputName, name);
  }

  private static void requireName(String name, String what) {
    if (Objects.requireNonNull(name, what).isEmpty()) {
      throw new IllegalArgumentException(what + " must not be empty");
    }
  }
}
