package dev.qnn4j.export;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static dev.qnn4j.export.ExportFixtures.assertMatchesAndCountExact;
import static dev.qnn4j.export.ExportFixtures.calibrated;
import static dev.qnn4j.export.ExportFixtures.calibratedLeNet;
import static dev.qnn4j.export.ExportFixtures.javaForward;
import static dev.qnn4j.export.ExportFixtures.randomInput;
import static dev.qnn4j.export.ExportFixtures.readChecked;
import static dev.qnn4j.export.ExportFixtures.referenceInput;

import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import dev.qnn4j.export.ExportFixtures.ResidualNet;
import dev.qnn4j.export.onnx.BrevitasReferenceTest;
import dev.qnn4j.export.onnx.OrtRunner.FloatTensor;
import dev.qnn4j.export.onnx.proto.ModelProto;
import dev.qnn4j.runtime.QuantTensor;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.nn.Model;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * QOp export runs in ONNX Runtime. Its QLinear operators requantize integer results with their own
 * rounding, so the last quantized activation (the input of the final float layer) may differ from
 * the Java forward by one quantization step in a few elements; the test counts them, bounds them by
 * one step, and checks the logits with the reference matching rule.
 */
class QopExporterTest {

  @TempDir Path dir;

  static Stream<Arguments> models() {
    return Stream.of(
        Arguments.of("lenet_weight_act_bias", List.of("QLinearConv")),
        Arguments.of("ResidualNet", List.of("QLinearConv", "QLinearMatMul", "Add", "AveragePool")),
        Arguments.of("ResidualNetFAdd", List.of("QLinearConv", "QLinearMatMul", "Add")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void runsInOnnxRuntimeWithinOneQuantizationStep(String name, List<String> ops) throws Exception {
    Model model =
        switch (name) {
          case "ResidualNet" -> calibrated(new ResidualNet(true), 4, 8, 3, 16, 16);
          case "ResidualNetFAdd" -> calibrated(new ResidualNet(false), 4, 8, 3, 16, 16);
          default -> calibratedLeNet(name);
        };
    Tensor input = name.startsWith("lenet") ? referenceInput(name) : randomInput(4, 8, 3, 16, 16);
    Path file = dir.resolve(name + ".qop.onnx");
    QopExporter.export(model, input, file);
    ModelProto qop = readChecked(file);
    List<String> opTypes = BrevitasReferenceTest.opTypes(qop);
    assertThat(opTypes).containsAtLeastElementsIn(ops);
    assertThat(opTypes).containsNoneOf("Conv", "MatMul");
    // Only the last layer, whose float result the model returns, runs on dequantized operands.
    assertThat(opTypes.stream().filter(op -> op.equals("Gemm")).count()).isEqualTo(1);
    System.out.println("QOp " + name + ": " + String.join(" ", opTypes));

    // The input of the final Gemm: the last activation the graph holds as integers.
    String lastActivation = ExportFixtures.finalGemmInput(qop);
    Map<String, FloatTensor> out = ExportFixtures.runOrtProbing(qop, lastActivation, input);

    QuantTensor javaActivation = (QuantTensor) ExportFixtures.lastLayerInput(model, input);
    float scale = javaActivation.scale().item();
    float[] want = javaActivation.toFloatArray();
    float[] got = out.get(lastActivation).data();
    assertThat(got).hasLength(want.length);
    int differing = 0;
    for (int i = 0; i < want.length; i++) {
      long steps = Math.round(Math.abs((double) got[i] - want[i]) / scale);
      assertWithMessage("%s last activation element %s: %s vs %s", name, i, got[i], want[i])
          .that(steps)
          .isAtMost(1);
      differing += steps == 0 ? 0 : 1;
    }
    System.out.printf(
        "QOp %s: last quantized activation (scale %s) differs by one step in %d of"
            + " %d elements%n",
        name, scale, differing, want.length);

    float[] logits = javaForward(model, input);
    assertMatchesAndCountExact("QOp " + name + " output", logits, out.get("output").data());
    // With every ONNX Runtime graph optimization on as well.
    assertMatchesAndCountExact(
        "QOp " + name + " output ALL_OPT",
        logits,
        ExportFixtures.runOrt(qop, OptLevel.ALL_OPT, "input", "output", input));
  }
}
