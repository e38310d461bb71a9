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
import dev.qnn4j.export.onnx.BrevitasReferenceTest;
import dev.qnn4j.export.onnx.OnnxTensors;
import dev.qnn4j.export.onnx.proto.GraphProto;
import dev.qnn4j.export.onnx.proto.ModelProto;
import dev.qnn4j.export.onnx.proto.NodeProto;
import dev.qnn4j.export.onnx.proto.StringStringEntryProto;
import dev.qnn4j.export.onnx.proto.TensorProto;
import dev.qnn4j.export.onnx.proto.TensorProto.DataType;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.nn.BatchNorm2d;
import dev.qnn4j.runtime.nn.Conv2d;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.reference.Matching;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** QCDQ export: ONNX Runtime runs it like the Java forward, and it is what Brevitas writes. */
class QcdqExporterTest {

  @TempDir Path dir;

  // ---------------------------------------------------------------------------------------------
  // Same outputs as the Java evaluation forward

  @ParameterizedTest
  @ValueSource(strings = {"lenet_weight", "lenet_weight_act", "lenet_weight_act_bias"})
  void leNetRunsInOnnxRuntimeLikeTheJavaForward(String caseName) throws Exception {
    Model model = calibratedLeNet(caseName);
    Tensor input = referenceInput(caseName);
    Path file = dir.resolve(caseName + ".onnx");
    QcdqExporter.export(model, input, file);
    ModelProto onnx = readChecked(file);

    float[] want = javaForward(model, input);
    // NO_OPT runs the graph as written; ALL_OPT lets ONNX Runtime fuse QDQ patterns.
    for (OptLevel level : new OptLevel[] {OptLevel.NO_OPT, OptLevel.ALL_OPT}) {
      float[] got = runOrt(onnx, level, "input", "output", input);
      assertMatchesAndCountExact("QCDQ " + caseName + " " + level, want, got);
    }
    // Every quantized activation is bit-exact; what differs is the float rounding of the last
    // layer's sums. The probe is the input of the final Gemm (float activations in lenet_weight).
    String last = ExportFixtures.finalGemmInput(onnx);
    float[] lastJava = ExportFixtures.lastLayerInput(model, input).toFloatArray();
    float[] lastOrt = ExportFixtures.runOrtProbing(onnx, last, input).get(last).data();
    int exact =
        assertMatchesAndCountExact(
            "QCDQ " + caseName + " input of the last layer", lastJava, lastOrt);
    if (!caseName.equals("lenet_weight")) {
      assertThat(exact).isEqualTo(lastJava.length);
    }
    // The batch dimension is dynamic: a different batch size runs too.
    Tensor other = randomInput(5, 3, 3, 32, 32);
    assertMatchesAndCountExact(
        "QCDQ " + caseName + " batch 3",
        javaForward(model, other),
        runOrt(onnx, OptLevel.NO_OPT, "input", "output", other));
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void residualModelRunsInOnnxRuntimeLikeTheJavaForward(boolean eltwiseAdd) throws Exception {
    ResidualNet model = calibrated(new ResidualNet(eltwiseAdd), 4, 8, 3, 16, 16);
    Path file = dir.resolve("residual.onnx");
    // Traced on zeros of the input shape the model declares.
    QcdqExporter.export(model, file);
    ModelProto onnx = readChecked(file);
    List<String> ops = opTypes(onnx);
    assertThat(ops).containsAtLeast("Add", "AveragePool", "Flatten", "Conv", "Gemm");
    // conv1, conv2 and fc2 have per-channel weight scales: DequantizeLinear along axis 0.
    long perChannel =
        onnx.getGraph().getNodeList().stream()
            .filter(n -> n.getOpType().equals("DequantizeLinear") && n.getAttributeCount() == 1)
            .count();
    assertThat(perChannel).isEqualTo(6);

    Tensor input = randomInput(1, 8, 3, 16, 16);
    assertMatchesAndCountExact(
        "QCDQ " + model.modelName(),
        javaForward(model, input),
        runOrt(onnx, OptLevel.NO_OPT, "input", "output", input));
  }

  @Test
  void batchNormIsFoldedIntoTheExportedConstantsOnly() throws Exception {
    BatchNormNet model = calibrated(new BatchNormNet(), 2, 4, 3, 12, 12);
    Map<String, float[]> before = state(model);
    Path file = dir.resolve("bn.onnx");
    QcdqExporter.export(model, new long[] {3, 12, 12}, file);
    ModelProto onnx = readChecked(file);

    assertThat(opTypes(onnx)).doesNotContain("BatchNormalization");
    assertThat(opTypes(onnx))
        .containsExactly(
            "QuantizeLinear",
            "DequantizeLinear",
            "Clip",
            "DequantizeLinear",
            "Conv",
            "Relu",
            "MaxPool",
            "Conv",
            "Relu",
            "MaxPool",
            "Flatten",
            "Gemm")
        .inOrder();
    // The user's model is untouched: same parameters and BatchNorm statistics.
    Map<String, float[]> after = state(model);
    assertThat(after.keySet()).isEqualTo(before.keySet());
    before.forEach((k, v) -> assertWithMessage(k).that(after.get(k)).isEqualTo(v));

    // The float convolution's exported constants are what BatchNorm2d.foldInto makes of a copy.
    Conv2d conv = new Conv2d("conv2", model.conv2.options().withBias(true));
    conv.weight().set(model.conv2.weight());
    conv.bias().set(Tensor.zeros(6)); // conv2 has no bias: folding starts from zero
    BatchNorm2d bn = new BatchNorm2d("bn2", 6);
    bn.loadStateDict(model.bn2.stateDict(), true);
    bn.foldInto(conv);
    Map<String, TensorProto> constants = BrevitasReferenceTest.constants(onnx.getGraph());
    assertThat(OnnxTensors.toFloatArray(constants.get("conv2.weight")))
        .isEqualTo(conv.weight().toFloatArray());
    assertThat(OnnxTensors.toFloatArray(constants.get("conv2.bias")))
        .isEqualTo(conv.bias().toFloatArray());

    Tensor input = randomInput(3, 4, 3, 12, 12);
    assertMatchesAndCountExact(
        "QCDQ BatchNormNet",
        javaForward(model, input),
        runOrt(onnx, OptLevel.NO_OPT, "input", "output", input));
  }

  private static Map<String, float[]> state(Model model) {
    return model.stateDict().entrySet().stream()
        .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().toFloatArray()));
  }

  // ---------------------------------------------------------------------------------------------
  // Same graph, integers and scales as Brevitas

  /**
   * Brevitas flattens with {@code Reshape(x, [1, -1])}, which fixes the batch to the traced 1; we
   * write {@code Flatten(axis=1)}. The comparison treats Reshape and Flatten as the same op.
   */
  private static List<String> comparableOps(ModelProto model) {
    return BrevitasReferenceTest.opTypes(model).stream()
        .map(op -> op.equals("Reshape") ? "Flatten" : op)
        .collect(Collectors.toList());
  }

  @ParameterizedTest
  @ValueSource(strings = {"lenet_weight", "lenet_weight_act", "lenet_weight_act_bias"})
  void leNetHasBrevitasOpsIntegersScalesAndZeroPoints(String caseName) throws Exception {
    Path file = dir.resolve(caseName + ".onnx");
    QcdqExporter.export(calibratedLeNet(caseName), referenceInput(caseName), file);
    ModelProto ours = readChecked(file);
    ModelProto brevitas = BrevitasReferenceTest.load(caseName);

    assertThat(comparableOps(ours)).isEqualTo(comparableOps(brevitas));

    List<TensorProto> ourInts = integerTensors(ours);
    List<TensorProto> theirInts = integerTensors(brevitas);
    assertThat(ourInts).hasSize(theirInts.size());
    int elements = 0;
    for (int i = 0; i < ourInts.size(); i++) {
      TensorProto o = ourInts.get(i);
      TensorProto t = theirInts.get(i);
      String what = caseName + " integer tensor #" + i + " (" + o.getName() + ")";
      assertWithMessage(what).that(o.getDataType()).isEqualTo(t.getDataType());
      assertWithMessage(what).that(o.getDimsList()).isEqualTo(t.getDimsList());
      assertWithMessage(what).that(OnnxTensors.toIntArray(o)).isEqualTo(OnnxTensors.toIntArray(t));
      elements += OnnxTensors.toIntArray(o).length;
    }

    List<QuantNode> ourQ = quantNodes(ours);
    List<QuantNode> theirQ = quantNodes(brevitas);
    assertThat(ourQ).hasSize(theirQ.size());
    for (int i = 0; i < ourQ.size(); i++) {
      QuantNode o = ourQ.get(i);
      QuantNode t = theirQ.get(i);
      String what = caseName + " " + o.op() + " #" + i + " (" + o.name() + " vs " + t.name() + ")";
      assertWithMessage(what).that(o.op()).isEqualTo(t.op());
      Matching.assertScales(what + " scale", t.scale(), o.scale());
      assertWithMessage(what + " zero point type")
          .that(o.zeroPointType())
          .isEqualTo(t.zeroPointType());
      assertWithMessage(what + " zero point").that(o.zeroPoint()).isEqualTo(t.zeroPoint());
    }
    System.out.printf(
        "QCDQ %s vs Brevitas: %d ops, %d integer tensors (%d elements) equal, %d"
            + " Q/DQ scales and zero points match%n",
        caseName, comparableOps(ours).size(), ourInts.size(), elements, ourQ.size());
  }

  /** A QuantizeLinear or DequantizeLinear with its constant scale and zero point. */
  private record QuantNode(
      String op, String name, float[] scale, int zeroPointType, int[] zeroPoint) {}

  private static List<QuantNode> quantNodes(ModelProto model) {
    GraphProto g = model.getGraph();
    Map<String, TensorProto> constants = BrevitasReferenceTest.constants(g);
    List<QuantNode> out = new ArrayList<>();
    for (NodeProto n : g.getNodeList()) {
      if (n.getOpType().equals("QuantizeLinear") || n.getOpType().equals("DequantizeLinear")) {
        TensorProto zp = constants.get(n.getInput(2));
        out.add(
            new QuantNode(
                n.getOpType(),
                n.getName(),
                OnnxTensors.toFloatArray(constants.get(n.getInput(1))),
                zp.getDataType(),
                OnnxTensors.toIntArray(zp)));
      }
    }
    return out;
  }

  /**
   * The integer weights and biases in graph order: the int8/int32 constants a Clip or a
   * DequantizeLinear reads as its data input.
   */
  private static List<TensorProto> integerTensors(ModelProto model) {
    GraphProto g = model.getGraph();
    Map<String, TensorProto> constants = BrevitasReferenceTest.constants(g);
    List<TensorProto> out = new ArrayList<>();
    for (NodeProto n : g.getNodeList()) {
      boolean reads = n.getOpType().equals("Clip") || n.getOpType().equals("DequantizeLinear");
      TensorProto t = reads ? constants.get(n.getInput(0)) : null;
      if (t != null
          && (t.getDataType() == DataType.INT8_VALUE || t.getDataType() == DataType.INT32_VALUE)) {
        out.add(t);
      }
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // Names, metadata, validity

  @Test
  void namesMetadataAndDynamicBatch() throws Exception {
    Model model = calibratedLeNet("lenet_weight_act_bias");
    Path file = dir.resolve("named.onnx");
    QcdqExporter.export(
        model,
        new long[] {3, 32, 32},
        file,
        ExportOptions.defaults()
            .withInputName("image")
            .withOutputName("logits")
            .withModelName("lenet5"));
    ModelProto onnx = readChecked(file);

    assertThat(onnx.getProducerName()).isEqualTo("qnn4j");
    assertThat(onnx.getProducerVersion()).isNotEmpty();
    assertThat(onnx.getProducerVersion()).doesNotContain("$");
    assertThat(onnx.getOpsetImport(0).getVersion()).isEqualTo(13);
    assertThat(onnx.getGraph().getName()).isEqualTo("lenet5");
    Map<String, String> meta =
        onnx.getMetadataPropsList().stream()
            .collect(
                Collectors.toMap(StringStringEntryProto::getKey, StringStringEntryProto::getValue));
    assertThat(meta).containsEntry("model_name", "lenet5");
    assertThat(meta).containsEntry("qnn4j.format", "qcdq");
    assertThat(onnx.getGraph().getInput(0).getName()).isEqualTo("image");
    assertThat(onnx.getGraph().getOutput(0).getName()).isEqualTo("logits");
    assertThat(
            onnx.getGraph()
                .getInput(0)
                .getType()
                .getTensorType()
                .getShape()
                .getDim(0)
                .getDimParam())
        .isEqualTo("N");
    assertThat(
            onnx.getGraph()
                .getOutput(0)
                .getType()
                .getTensorType()
                .getShape()
                .getDim(0)
                .getDimParam())
        .isEqualTo("N");

    // Traced on zeros of [1, 3, 32, 32], run on a batch of 5.
    Tensor batch = randomInput(9, 5, 3, 32, 32);
    float[] got = runOrt(onnx, OptLevel.NO_OPT, "image", "logits", batch);
    assertMatchesAndCountExact("QCDQ renamed batch 5", javaForward(model, batch), got);
  }

  @Test
  void opsetOptionIsWritten() throws Exception {
    ModelProto onnx =
        QcdqExporter.toOnnx(
            calibratedLeNet("lenet_weight"),
            referenceInput("lenet_weight"),
            ExportOptions.defaults().withOpset(15));
    assertThat(onnx.getOpsetImport(0).getVersion()).isEqualTo(15);
    assertThat(Files.list(dir).count()).isEqualTo(0);
  }

  private static List<String> opTypes(ModelProto m) {
    return BrevitasReferenceTest.opTypes(m);
  }
}
