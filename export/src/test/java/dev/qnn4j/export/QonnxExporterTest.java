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
import static dev.qnn4j.export.ExportFixtures.runOrt;

import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import dev.qnn4j.export.ExportFixtures.BatchNormNet;
import dev.qnn4j.export.ExportFixtures.ResidualNet;
import dev.qnn4j.export.QonnxSemantics.Quant;
import dev.qnn4j.export.onnx.BrevitasReferenceTest;
import dev.qnn4j.export.onnx.OnnxTensors;
import dev.qnn4j.export.onnx.proto.GraphProto;
import dev.qnn4j.export.onnx.proto.ModelProto;
import dev.qnn4j.export.onnx.proto.NodeProto;
import dev.qnn4j.export.onnx.proto.OperatorSetIdProto;
import dev.qnn4j.export.onnx.proto.TensorProto;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.nn.BatchNorm;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.nn.Module;
import dev.qnn4j.runtime.nn.QuantWeightLayer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * QONNX export. ONNX Runtime has no Quant kernel, so the graph is checked structurally against the
 * QCDQ export of the same model, its Quant nodes are evaluated in Java on the weights, and the
 * whole graph runs in ONNX Runtime after each Quant node is lowered to standard operators with the
 * operator's semantics ({@link QonnxSemantics}).
 */
class QonnxExporterTest {

  @TempDir Path dir;

  static Stream<Arguments> models() {
    return Stream.of(
        Arguments.of("lenet_weight", (Object) null),
        Arguments.of("lenet_weight_act", null),
        Arguments.of("lenet_weight_act_bias", null),
        Arguments.of("ResidualNet", new long[] {8, 3, 16, 16}),
        Arguments.of("ResidualNetFAdd", new long[] {8, 3, 16, 16}),
        Arguments.of("BatchNormNet", new long[] {4, 3, 12, 12}));
  }

  static Model model(String name) {
    return switch (name) {
      case "ResidualNet" -> calibrated(new ResidualNet(true), 4, 8, 3, 16, 16);
      case "ResidualNetFAdd" -> calibrated(new ResidualNet(false), 4, 8, 3, 16, 16);
      case "BatchNormNet" -> calibrated(new BatchNormNet(), 2, 4, 3, 12, 12);
      default -> calibratedLeNet(name);
    };
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void quantNodesMirrorTheQcdqExportAndComputeTheJavaForward(String name, long[] shape)
      throws Exception {
    Model model = model(name);
    Tensor input = shape == null ? referenceInput(name) : randomInput(2, shape);
    Path file = dir.resolve(name + ".qonnx.onnx");
    QonnxExporter.export(model, input, file);
    ModelProto qonnx = readChecked(file);
    ModelProto qcdq = QcdqExporter.toOnnx(model, input, ExportOptions.defaults());

    // Structure: the QONNX domain is imported, and every quantizer is a Quant node where QCDQ
    // ends one with DequantizeLinear (QuantizeLinear and Clip have no counterpart); QCDQ folds
    // each BatchNorm, QONNX keeps it as a BatchNormalization node.
    assertThat(qonnx.getOpsetImportList().stream().map(OperatorSetIdProto::getDomain).toList())
        .containsExactly("", QonnxEmitter.DOMAIN);
    List<String> expected =
        BrevitasReferenceTest.opTypes(qcdq).stream()
            .filter(op -> !op.equals("QuantizeLinear") && !op.equals("Clip"))
            .map(op -> op.equals("DequantizeLinear") ? "Quant" : op)
            .collect(Collectors.toList());
    List<String> qonnxOps = BrevitasReferenceTest.opTypes(qonnx);
    assertThat(qonnxOps.stream().filter(op -> !op.equals("BatchNormalization")).toList())
        .isEqualTo(expected);
    assertThat(qonnxOps.stream().filter(op -> op.equals("BatchNormalization")).count())
        .isEqualTo(model.layers().stream().filter(m -> m instanceof BatchNorm).count());
    GraphProto g = qonnx.getGraph();
    Map<String, TensorProto> constants = BrevitasReferenceTest.constants(g);
    List<NodeProto> quants =
        g.getNodeList().stream().filter(n -> n.getOpType().equals("Quant")).toList();
    for (NodeProto n : quants) {
      assertWithMessage(n.getName()).that(QonnxSemantics.isFinnQuant(n)).isTrue();
    }
    // The same scales as the QCDQ DequantizeLinear nodes, in order (but the weight and bias scales
    // QCDQ multiplies by a folded BatchNorm's factors).
    boolean folds = qonnxOps.contains("BatchNormalization");
    List<NodeProto> dqs =
        qcdq.getGraph().getNodeList().stream()
            .filter(n -> n.getOpType().equals("DequantizeLinear"))
            .toList();
    Map<String, TensorProto> qcdqConstants = BrevitasReferenceTest.constants(qcdq.getGraph());
    for (int i = 0; i < quants.size(); i++) {
      String quantName = quants.get(i).getName();
      if (folds && (quantName.contains(".weight_quant.") || quantName.contains(".bias_quant."))) {
        continue;
      }
      assertWithMessage(quantName)
          .that(Quant.of(quants.get(i), constants).scale())
          .isEqualTo(OnnxTensors.toFloatArray(qcdqConstants.get(dqs.get(i).getInput(1))));
    }

    // Semantics, on constants: each weight's Quant node gives the runtime's quantized weight.
    int checkedWeights = 0;
    for (Module m : model.layers()) {
      // Unfolded in QONNX, so BatchNormNet's weights too.
      if (m instanceof QuantWeightLayer layer && layer.weightQuantizer() != null) {
        NodeProto quant =
            g.getNodeList().stream()
                .filter(n -> n.getName().equals(layer.name() + ".weight_quant.Quant"))
                .findFirst()
                .orElseThrow();
        TensorProto w = constants.get(quant.getInput(0));
        float[] got =
            Quant.of(quant, constants).apply(OnnxTensors.toFloatArray(w), OnnxTensors.dims(w));
        // Tolerance 0: equal values, where a zero's sign may differ (the runtime's kernel drops
        // it).
        assertWithMessage(layer.name())
            .that(got)
            .usingTolerance(0)
            .containsExactly(layer.weightQuantizer().quantize(layer.weight()).toFloatArray())
            .inOrder();
        checkedWeights++;
      }
    }

    // Semantics, end to end: the lowered graph in ONNX Runtime against the Java forward.
    ModelProto lowered = QonnxSemantics.lowered(qonnx);
    float[] got = runOrt(lowered, OptLevel.NO_OPT, "input", "output", input);
    assertMatchesAndCountExact(
        "QONNX "
            + name
            + " ("
            + quants.size()
            + " Quant nodes, "
            + checkedWeights
            + " weight Quant nodes equal to the runtime's)",
        javaForward(model, input),
        got);
  }
}
