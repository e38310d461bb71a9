package dev.qnn4j.export;

import static com.google.common.truth.Truth.assertThat;
import static dev.qnn4j.export.ExportFixtures.calibrated;
import static dev.qnn4j.export.ExportFixtures.calibratedLeNet;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.qnn4j.export.ExportFixtures.BatchNormNet;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.autograd.Ops;
import dev.qnn4j.runtime.nn.BatchNorm2d;
import dev.qnn4j.runtime.nn.Conv2dOptions;
import dev.qnn4j.runtime.nn.F;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.nn.Module;
import dev.qnn4j.runtime.nn.QuantConv2d;
import dev.qnn4j.runtime.nn.QuantIdentity;
import dev.qnn4j.runtime.nn.QuantReLU;
import dev.qnn4j.runtime.quant.ActQuantConfig;
import dev.qnn4j.runtime.quant.WeightQuantConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Models a format cannot express fail with one line naming the layer, and write no file. */
class ExportErrorsTest {

  @TempDir Path dir;

  /** A format's export to a file, for the failure cases. */
  private interface Export {
    void run(Model model, long[] inputShape, Path path) throws Exception;
  }

  private static final Export QCDQ = QcdqExporter::export;
  private static final Export QONNX = QonnxExporter::export;
  private static final Export QOP = QopExporter::export;

  /** Asserts the export fails with {@code message} and leaves the directory as it was. */
  private ExportException fails(Export export, Model model, long[] shape, String message)
      throws Exception {
    Path file = dir.resolve("model.onnx");
    List<Path> before = listing();
    ExportException e = assertThrows(ExportException.class, () -> export.run(model, shape, file));
    assertThat(e).hasMessageThat().isEqualTo(message);
    assertThat(e.getMessage()).doesNotContain("\n");
    assertThat(Files.exists(file)).isFalse();
    assertThat(listing()).isEqualTo(before);
    System.out.println("export error: " + e.getMessage());
    return e;
  }

  private List<Path> listing() throws Exception {
    try (var files = Files.list(dir)) {
      return files.sorted().toList();
    }
  }

  /** A one-layer-after-another model: input -> each function in order. */
  private static Model chain(
      String name, List<Module> layers, List<Function<Tensor, Tensor>> steps) {
    return new Model() {
      @Override
      public String modelName() {
        return name;
      }

      @Override
      public List<Module> layers() {
        return layers;
      }

      @Override
      public Tensor forward(Tensor x) {
        for (Function<Tensor, Tensor> f : steps) {
          x = f.apply(x);
        }
        return x;
      }
    };
  }

  private static final long[] IMAGE = {3, 8, 8};

  private static Model convThen(QuantReLU relu, WeightQuantConfig weights) {
    QuantIdentity in = new QuantIdentity("quant_inp", 8, true);
    QuantConv2d conv =
        new QuantConv2d(
            "conv1", Conv2dOptions.of(3, 4, 3).withBias(false), weights, null, null, null, false);
    return chain(
        "Net", List.of(in, conv, relu), List.of(in::forward, conv::forward, relu::forward));
  }

  @Test
  void unsignedActivationAbove8BitsIsNotQcdqButIsQonnx() throws Exception {
    Model model =
        convThen(
            new QuantReLU("relu1", ActQuantConfig.unsigned(16), false),
            WeightQuantConfig.perTensorFloat(4));
    ExportException e =
        fails(
            QCDQ,
            model,
            IMAGE,
            "relu1: 16-bit unsigned activation quantizer"
                + " relu1.act_quant cannot be expressed in QCDQ (QuantizeLinear in opset 13 produces"
                + " int8/uint8; 2 to 8 bits supported)");
    assertThat(e.layer()).isEqualTo("relu1");
    fails(
        QOP,
        model,
        IMAGE,
        "relu1: 16-bit unsigned activation quantizer relu1.act_quant cannot"
            + " be expressed in QOp (QuantizeLinear in opset 13 produces int8/uint8; 2 to 8 bits"
            + " supported)");
    // QONNX carries bit widths as data: the same model exports.
    Path file = dir.resolve("wide.qonnx.onnx");
    QonnxExporter.export(model, IMAGE, file);
    assertThat(Files.exists(file)).isTrue();
  }

  @Test
  void signedActivationAbove8Bits() throws Exception {
    QuantIdentity in = new QuantIdentity("quant_inp", 12, false);
    fails(
        QCDQ,
        chain("Net", List.of(in), List.of(in::forward)),
        IMAGE,
        "quant_inp: 12-bit signed"
            + " activation quantizer quant_inp.act_quant cannot be expressed in QCDQ (QuantizeLinear"
            + " in opset 13 produces int8/uint8; 2 to 8 bits supported)");
  }

  @Test
  void weightsAbove8Bits() throws Exception {
    Model model = convThen(new QuantReLU("relu1", 4, false), WeightQuantConfig.perTensorFloat(16));
    fails(
        QCDQ,
        model,
        IMAGE,
        "conv1: 16-bit weights cannot be expressed in QCDQ (they are"
            + " stored as int8; 2 to 8 bits supported)");
    fails(
        QOP,
        model,
        IMAGE,
        "conv1: 16-bit weights cannot be expressed in QOp (QLinear operators"
            + " take int8 weights; 2 to 8 bits supported)");
  }

  @Test
  void qopNeedsQuantizedInputsAndIntegerBiases() throws Exception {
    fails(
        QOP,
        calibratedLeNet("lenet_weight"),
        new long[] {3, 32, 32},
        "conv1: the input is not"
            + " quantized; QOp needs an input quantizer or a quantized activation (QuantIdentity,"
            + " QuantReLU) before the layer");
    fails(
        QOP,
        calibratedLeNet("lenet_weight_act"),
        new long[] {3, 32, 32},
        "conv1: the bias is"
            + " float; QOp needs an integer bias (e.g. Int32Bias) with scale input scale x weight"
            + " scale");
    // A folded BatchNorm leaves a float bias too.
    fails(
        QOP,
        calibrated(new BatchNormNet(), 1, 2, 3, 12, 12),
        new long[] {3, 12, 12},
        "conv1: the bias is float; QOp needs an integer bias (e.g. Int32Bias) with scale input"
            + " scale x weight scale");
  }

  @Test
  void batchNormMustFollowAConvolution() throws Exception {
    QuantIdentity in = new QuantIdentity("quant_inp", 8, false);
    BatchNorm2d bn = new BatchNorm2d("bn", 3);
    fails(
        QCDQ,
        chain("Net", List.of(in, bn), List.of(in::forward, bn::forward)),
        IMAGE,
        "bn: BatchNorm2d is exported folded into the convolution or linear layer that produces its"
            + " input; that input must come straight from such a layer without an output quantizer and"
            + " be used by nothing else");
  }

  @Test
  void computationsOutsideTracedLayersAreReported() throws Exception {
    QuantIdentity in = new QuantIdentity("quant_inp", 8, false);
    // Ops.relu is not an F operation: the trace cannot see it, so F.add's input is unknown.
    Model model = chain("Net", List.of(in), List.of(in::forward, x -> F.add(x, Ops.relu(x))));
    fails(
        QONNX,
        model,
        IMAGE,
        "F.add: input 1 is neither the model input nor the result of a"
            + " traced layer or F operation (computed with Ops or created inside forward?)");
  }

  @Test
  void aFailedExportKeepsTheFileThatWasThere() throws Exception {
    Path file = dir.resolve("model.onnx");
    Files.write(file, new byte[] {1, 2, 3});
    Model model =
        convThen(
            new QuantReLU("relu1", ActQuantConfig.unsigned(16), false),
            WeightQuantConfig.perTensorFloat(4));
    assertThrows(ExportException.class, () -> QcdqExporter.export(model, IMAGE, file));
    assertThat(Files.readAllBytes(file)).isEqualTo(new byte[] {1, 2, 3});
    assertThat(listing()).containsExactly(file);
  }
}
