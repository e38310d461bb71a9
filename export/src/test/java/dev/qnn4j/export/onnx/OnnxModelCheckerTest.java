package dev.qnn4j.export.onnx;

import static com.google.common.truth.Truth.assertThat;

import com.google.protobuf.ByteString;
import dev.qnn4j.export.onnx.proto.GraphProto;
import dev.qnn4j.export.onnx.proto.ModelProto;
import dev.qnn4j.export.onnx.proto.NodeProto;
import dev.qnn4j.export.onnx.proto.TensorProto;
import dev.qnn4j.export.onnx.proto.TypeProto;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** {@link OnnxModelChecker} on a valid QCDQ model and on copies broken one way at a time. */
class OnnxModelCheckerTest {

  /**
   * x -> activation QCDQ (4-bit signed) -> Conv(per-channel 4-bit narrow weight, int32 bias) ->
   * Relu -> y. Nodes: 0 Q, 1 Clip, 2 DQ, 3 weight Clip, 4 weight DQ, 5 bias DQ, 6 Conv, 7 Relu.
   */
  private static ModelProto validModel() {
    OnnxGraphBuilder b = new OnnxGraphBuilder("g");
    String x = b.addFloatInput("x", 2, 4, 4);
    String xq = b.activationQcdq("inp", x, 0.1f, 4, true, false);
    String w =
        b.weightQcdqPerChannel(
            "conv.weight_quant",
            new byte[3 * 2 * 3 * 3],
            new long[] {3, 2, 3, 3},
            new float[] {0.1f, 0.2f, 0.3f},
            4,
            true);
    String bias = b.int32Bias("conv.bias_quant", new int[] {1, 2, 3}, 0.1f, new float[] {0.5f});
    String y =
        b.conv(
            "conv",
            xq,
            w,
            bias,
            new long[] {3, 3},
            new long[] {1, 1},
            new long[] {1, 1, 1, 1},
            new long[] {1, 1},
            1);
    b.addFloatOutput(b.rename(b.relu("relu", y), "y"), 3, 4, 4);
    return b.build();
  }

  private static ModelProto editGraph(ModelProto m, UnaryOperator<GraphProto.Builder> edit) {
    return m.toBuilder().setGraph(edit.apply(m.getGraph().toBuilder())).build();
  }

  private static TensorProto initializer(GraphProto.Builder g, String name) {
    return g.getInitializerList().stream()
        .filter(t -> t.getName().equals(name))
        .findFirst()
        .orElseThrow();
  }

  private static int initializerIndex(GraphProto.Builder g, String name) {
    for (int i = 0; i < g.getInitializerCount(); i++) {
      if (g.getInitializer(i).getName().equals(name)) {
        return i;
      }
    }
    throw new AssertionError(name);
  }

  @Test
  void validModelHasNoProblems() {
    ModelProto m = validModel();
    assertThat(m.getGraph().getNodeList().stream().map(NodeProto::getOpType).toList())
        .containsExactly(
            "QuantizeLinear",
            "Clip",
            "DequantizeLinear",
            "Clip",
            "DequantizeLinear",
            "DequantizeLinear",
            "Conv",
            "Relu")
        .inOrder();
    assertThat(OnnxModelChecker.check(m)).isEmpty();
  }

  @Test
  void danglingInput() {
    ModelProto m =
        editGraph(
            validModel(),
            g -> {
              g.setNode(7, g.getNode(7).toBuilder().setInput(0, "conv.output_that_does_not_exist"));
              return g;
            });
    assertThat(OnnxModelChecker.check(m))
        .containsExactly(
            "node 'relu.Relu' (Relu): input 'conv.output_that_does_not_exist' is not a graph input,"
                + " initializer or output of an earlier node");
  }

  @Test
  void nodesOutOfTopologicalOrder() {
    ModelProto m =
        editGraph(
            validModel(),
            g -> {
              NodeProto conv = g.getNode(6);
              g.setNode(6, g.getNode(7));
              g.setNode(7, conv);
              return g;
            });
    assertThat(OnnxModelChecker.check(m))
        .containsExactly(
            "node 'relu.Relu' (Relu): input 'conv.Conv_output_0' is only produced by a later node"
                + " (nodes are not in topological order)");
  }

  @Test
  void duplicateNames() {
    ModelProto m =
        editGraph(
            validModel(),
            g -> {
              g.addInitializer(initializer(g, "inp.scale")); // initializer twice
              g.setNode(7, g.getNode(7).toBuilder().setName("conv.Conv")); // node name twice
              g.setNode(
                  5, g.getNode(5).toBuilder().setOutput(0, "inp.scale")); // output = initializer
              g.setNode(6, g.getNode(6).toBuilder().setInput(2, "inp.scale"));
              return g;
            });
    assertThat(OnnxModelChecker.check(m))
        .containsExactly(
            "initializer 'inp.scale': duplicate name",
            "node 'conv.bias_quant.DequantizeLinear' (DequantizeLinear): output 'inp.scale'"
                + " duplicates the name of an existing value",
            "node 'conv.Conv' (Relu): duplicate node name")
        .inOrder();
  }

  @Test
  void zeroPointTypeMismatchBetweenInt8AndUint8() {
    ModelProto m =
        editGraph(
            validModel(),
            g -> {
              // The activation's DequantizeLinear gets a uint8 zero point while its data is int8.
              g.addInitializer(OnnxTensors.uint8Tensor("inp.zero_point_u8", new byte[] {0}));
              g.setNode(2, g.getNode(2).toBuilder().setInput(2, "inp.zero_point_u8"));
              return g;
            });
    assertThat(OnnxModelChecker.check(m))
        .containsExactly(
            "node 'inp.DequantizeLinear' (DequantizeLinear): zero point 'inp.zero_point_u8' is UINT8"
                + " but input 'inp.Clip_output_0' is INT8");
  }

  @Test
  void quantizeLinearZeroPointTypeFlowsIntoClipBounds() {
    ModelProto m =
        editGraph(
            validModel(),
            g -> {
              // QuantizeLinear now produces uint8, so the int8 Clip bounds and DQ zero point
              // mismatch.
              g.addInitializer(OnnxTensors.uint8Tensor("inp.zero_point_u8", new byte[] {0}));
              g.setNode(0, g.getNode(0).toBuilder().setInput(2, "inp.zero_point_u8"));
              return g;
            });
    assertThat(OnnxModelChecker.check(m))
        .containsExactly(
            "node 'inp.Clip' (Clip): min 'inp.clip_min' is INT8 but input"
                + " 'inp.QuantizeLinear_output_0' is UINT8",
            "node 'inp.Clip' (Clip): max 'inp.clip_max' is INT8 but input"
                + " 'inp.QuantizeLinear_output_0' is UINT8",
            "node 'inp.DequantizeLinear' (DequantizeLinear): zero point 'inp.zero_point' is INT8 but"
                + " input 'inp.Clip_output_0' is UINT8")
        .inOrder();
  }

  @Test
  void biasAndQuantizeLinearZeroPointRules() {
    ModelProto m =
        editGraph(
            validModel(),
            g -> {
              g.addInitializer(OnnxTensors.int32Tensor("one", new int[] {1}));
              g.setNode(5, g.getNode(5).toBuilder().setInput(2, "one")); // int32 zp must be 0
              g.setNode(0, g.getNode(0).toBuilder().setInput(2, "one")); // Q zp must be 8-bit
              return g;
            });
    assertThat(OnnxModelChecker.check(m))
        .containsAtLeast(
            "node 'inp.QuantizeLinear' (QuantizeLinear): zero point 'one' is INT32, expected INT8 or"
                + " UINT8",
            "node 'conv.bias_quant.DequantizeLinear' (DequantizeLinear): int32 zero point 'one' must"
                + " be 0, found 1");
  }

  @Test
  void perChannelScaleMustMatchTheQuantizedAxis() {
    ModelProto m =
        editGraph(
            validModel(),
            g -> {
              int i = initializerIndex(g, "conv.weight_quant.scale");
              g.setInitializer(
                  i,
                  OnnxTensors.floatTensor("conv.weight_quant.scale", new float[] {0.1f, 0.2f}, 2));
              return g;
            });
    assertThat(OnnxModelChecker.check(m))
        .containsExactly(
            "node 'conv.weight_quant.DequantizeLinear' (DequantizeLinear): zero point"
                + " 'conv.weight_quant.zero_point' has dims [3] but scale 'conv.weight_quant.scale'"
                + " has dims [2]",
            "node 'conv.weight_quant.DequantizeLinear' (DequantizeLinear): scale"
                + " 'conv.weight_quant.scale' has 2 elements but axis 0 of input"
                + " 'conv.weight_quant.Clip_output_0' has 3")
        .inOrder();
  }

  @Test
  void tensorDataMustMatchDims() {
    ModelProto m =
        editGraph(
            validModel(),
            g -> {
              int i = initializerIndex(g, "conv.weight_quant.int_weight");
              g.setInitializer(
                  i, g.getInitializer(i).toBuilder().setRawData(ByteString.copyFrom(new byte[53])));
              g.addInitializer(
                  TensorProto.newBuilder()
                      .setName("typed")
                      .setDataType(1)
                      .addDims(3)
                      .addFloatData(1f)
                      .addFloatData(2f));
              g.addInitializer(
                  TensorProto.newBuilder().setName("wrong_field").setDataType(1).addInt64Data(1));
              g.addInitializer(TensorProto.newBuilder().setName("no_type").addDims(1));
              return g;
            });
    assertThat(OnnxModelChecker.check(m))
        .containsExactly(
            "initializer 'conv.weight_quant.int_weight': raw_data has 53 bytes, expected 54 for INT8"
                + " [3, 2, 3, 3]",
            "initializer 'typed': has 2 elements, expected 3 for FLOAT [3]",
            "initializer 'wrong_field': data is in a field that does not match data_type FLOAT []",
            "initializer 'no_type': invalid data_type 0")
        .inOrder();
  }

  @Test
  void clipBoundsMustBeOrderedScalars() {
    ModelProto m =
        editGraph(
            validModel(),
            g -> {
              g.setInitializer(
                  initializerIndex(g, "inp.clip_min"),
                  OnnxTensors.int8Tensor("inp.clip_min", new byte[] {9}));
              g.setInitializer(
                  initializerIndex(g, "inp.clip_max"),
                  OnnxTensors.int8Tensor("inp.clip_max", new byte[] {7, 7}, 2));
              g.setInitializer(
                  initializerIndex(g, "conv.weight_quant.clip_max"),
                  OnnxTensors.int8Tensor("conv.weight_quant.clip_max", new byte[] {-8}));
              return g;
            });
    assertThat(OnnxModelChecker.check(m))
        .containsExactly(
            "node 'inp.Clip' (Clip): max 'inp.clip_max' has dims [2], expected a scalar",
            "node 'conv.weight_quant.Clip' (Clip): min -7 is greater than max -8")
        .inOrder();
  }

  @Test
  void headerInputsAndOutputs() {
    ModelProto valid = validModel();
    ModelProto m =
        valid.toBuilder()
            .clearIrVersion()
            .clearOpsetImport()
            .setGraph(
                valid.getGraph().toBuilder()
                    .setInput(
                        0,
                        valid.getGraph().getInput(0).toBuilder()
                            .setType(TypeProto.getDefaultInstance()))
                    .addOutput(valid.getGraph().getOutput(0).toBuilder().setName("nowhere"))
                    .setNode(7, valid.getGraph().getNode(7).toBuilder().setDomain("com.example")))
            .build();
    assertThat(OnnxModelChecker.check(m))
        .containsExactly(
            "model: ir_version is not set",
            "model: no opset import for the default domain ''",
            "graph input 'x': has no tensor type",
            "node 'relu.Relu' (Relu): domain 'com.example' has no opset import",
            "graph output 'nowhere': is not produced by any node, input or initializer")
        .inOrder();
  }

  @Test
  void constantNodesCountAsProducers() {
    ModelProto valid = validModel();
    GraphProto.Builder g = valid.getGraph().toBuilder();
    TensorProto scale = initializer(g, "inp.scale");
    g.removeInitializer(initializerIndex(g, "inp.scale"));
    g.addNode(
        0,
        NodeProto.newBuilder()
            .setName("scale_const")
            .setOpType("Constant")
            .addOutput("inp.scale")
            .addAttribute(
                OnnxGraphBuilder.tensorAttr("value", scale.toBuilder().clearName().build())));
    assertThat(OnnxModelChecker.check(valid.toBuilder().setGraph(g).build())).isEmpty();

    // The Constant's type is followed too: a uint8 Constant zero point on int8 data is caught.
    g.addNode(
        0,
        NodeProto.newBuilder()
            .setName("zp_const")
            .setOpType("Constant")
            .addOutput("zp_u8")
            .addAttribute(
                OnnxGraphBuilder.tensorAttr("value", OnnxTensors.uint8Tensor("", new byte[] {0}))));
    g.setNode(4, g.getNode(4).toBuilder().setInput(2, "zp_u8"));
    List<String> problems = OnnxModelChecker.check(valid.toBuilder().setGraph(g).build());
    assertThat(problems)
        .containsExactly(
            "node 'inp.DequantizeLinear' (DequantizeLinear): zero"
                + " point 'zp_u8' is UINT8 but input 'inp.Clip_output_0' is INT8");
  }
}
