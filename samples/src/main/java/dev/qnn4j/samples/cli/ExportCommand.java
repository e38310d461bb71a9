package dev.qnn4j.samples.cli;

import dev.qnn4j.export.ExportOptions;
import dev.qnn4j.export.QcdqExporter;
import dev.qnn4j.export.QonnxExporter;
import dev.qnn4j.export.QopExporter;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.nn.Model;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "export",
    sortOptions = false,
    description = {
      "Writes a model as ONNX: qcdq (QuantizeLinear/Clip/DequantizeLinear around float operators, as Brevitas'"
          + " export_onnx_qcdq), qonnx (the QONNX Quant operator, for FINN and the qonnx tools) or qop"
          + " (QLinearConv/QLinearMatMul integer operators).",
      "qcdq and qop files are then run once in ONNX Runtime on a zero input and compared with the Java model"
          + " (the self-check); QONNX's custom operators do not run in ONNX Runtime."
    },
    footer = {
      "",
      "Example:",
      "  qnn4j export --model QuantWeightActBiasLeNet --checkpoint lenet.safetensors --format qcdq --output lenet.onnx"
    })
final class ExportCommand extends ModelCommand {
  enum Format {
    qcdq,
    qonnx,
    qop
  }

  @Mixin WeightsOptions params;

  @Option(
      names = "--format",
      paramLabel = "qcdq|qonnx|qop",
      defaultValue = "qcdq",
      description = "ONNX form (default ${DEFAULT-VALUE}).")
  Format format;

  @Option(
      names = "--output",
      required = true,
      paramLabel = "F.onnx",
      description = "The ONNX file (written atomically).")
  Path output;

  @Option(
      names = "--opset",
      paramLabel = "N",
      defaultValue = "13",
      description = "ONNX opset, 13 or later (default ${DEFAULT-VALUE}).")
  int opset;

  @Option(
      names = "--input-name",
      paramLabel = "NAME",
      defaultValue = "input",
      description = "Graph input name (default ${DEFAULT-VALUE}).")
  String inputName;

  @Option(
      names = "--output-name",
      paramLabel = "NAME",
      defaultValue = "output",
      description = "Graph output name (default ${DEFAULT-VALUE}).")
  String outputName;

  @Option(names = "--no-check", description = "Skip the ONNX Runtime self-check.")
  boolean noCheck;

  @Override
  public Integer call() throws Exception {
    ExportOptions options;
    try {
      options =
          ExportOptions.defaults()
              .withOpset(opset)
              .withInputName(inputName)
              .withOutputName(outputName);
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new CliException("bad export option: " + e.getMessage());
    }
    Model model = createModel();
    params.check();
    Inputs.requireWritable(output, "--output");
    params.load(model);
    model.eval();
    long[] shape = Models.batchShape(model, 1);
    switch (format) {
      case qcdq -> QcdqExporter.export(model, Models.inputShape(model), output, options);
      case qonnx -> QonnxExporter.export(model, Models.inputShape(model), output, options);
      case qop -> QopExporter.export(model, Models.inputShape(model), output, options);
      default -> throw new IllegalStateException(format.toString());
    }
    out()
        .printf(
            Locale.ROOT,
            "%s: %s ONNX of %s, opset %d, %d bytes%n",
            output,
            format.name().toUpperCase(Locale.ROOT),
            model.modelName(),
            opset,
            Files.size(output));
    if (format == Format.qonnx || noCheck) {
      out()
          .println(
              "ONNX Runtime self-check: skipped"
                  + (noCheck ? "" : " (QONNX's Quant operator is not an ONNX Runtime operator)"));
      return Qnn4jCli.OK;
    }
    selfCheck(model, output, shape);
    return Qnn4jCli.OK;
  }

  /** Runs {@code file} in ONNX Runtime on zeros and compares with the Java eval forward. */
  void selfCheck(Model model, Path file, long[] shape) throws Exception {
    float[] want = Predictions.noGrad(() -> model.forward(Tensor.zeros(shape)).toFloatArray());
    float[] got;
    try (OrtModel ort = new OrtModel(file)) {
      got = ort.run(new float[Math.toIntExact(Models.numel(shape))], shape);
    }
    double diff = OrtModel.maxAbsDiff(want, got);
    if (!OrtModel.matches(want, got)) {
      throw new CheckFailedException(
          "ONNX Runtime self-check FAILED: on a zero input "
              + file
              + " gives outputs up to "
              + String.format(Locale.ROOT, "%.3g", diff)
              + " away from the Java model ("
              + got.length
              + " vs "
              + want.length
              + " values); the file is kept for inspection");
    }
    out()
        .printf(
            Locale.ROOT,
            "ONNX Runtime self-check: OK (zero input %s, %d outputs, max |ONNX Runtime - Java| = %.3g)%n",
            java.util.Arrays.toString(shape),
            want.length,
            diff);
  }
}
