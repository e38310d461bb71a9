package dev.qnn4j.export.onnx;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.qnn4j.export.onnx.OrtRunner.FloatTensor;
import dev.qnn4j.export.onnx.proto.AttributeProto;
import dev.qnn4j.export.onnx.proto.GraphProto;
import dev.qnn4j.export.onnx.proto.ModelProto;
import dev.qnn4j.export.onnx.proto.NodeProto;
import dev.qnn4j.export.onnx.proto.TensorProto;
import dev.qnn4j.export.onnx.proto.TensorProto.DataType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The three QCDQ exports Brevitas 0.11 made of the seed tutorial's LeNets: they parse with the
 * generated classes, pass the checker, show the conventions {@link OnnxGraphBuilder} mirrors, and
 * can be rebuilt with the builder's helpers into models that compute the same outputs.
 */
public class BrevitasReferenceTest {

  private static final String[] MODELS = {
    "lenet_weight", "lenet_weight_act", "lenet_weight_act_bias"
  };

  static Path path(String model) throws Exception {
    return Path.of(
        BrevitasReferenceTest.class
            .getResource("/reference/brevitas/" + model + ".qcdq.onnx")
            .toURI());
  }

  public static ModelProto load(String model) throws Exception {
    return OnnxFiles.read(path(model));
  }

  /** Op types in graph order, Constant nodes left out. */
  public static List<String> opTypes(ModelProto model) {
    return model.getGraph().getNodeList().stream()
        .map(NodeProto::getOpType)
        .filter(op -> !op.equals("Constant"))
        .collect(Collectors.toList());
  }

  // ---------------------------------------------------------------------------------------------
  // Parsing

  @ParameterizedTest
  @ValueSource(strings = {"lenet_weight", "lenet_weight_act", "lenet_weight_act_bias"})
  void parsesWithoutUnknownFields(String name) throws Exception {
    ModelProto model = load(name);
    List<String> unknown = new ArrayList<>();
    collectUnknownFields(model, "model", unknown);
    assertThat(unknown).isEmpty();

    assertThat(model.getIrVersion()).isEqualTo(7);
    assertThat(model.getProducerName()).isEqualTo("pytorch");
    assertThat(model.getOpsetImportCount()).isEqualTo(1);
    assertThat(model.getOpsetImport(0).getDomain()).isEmpty();
    assertThat(model.getOpsetImport(0).getVersion()).isEqualTo(13);
    // Nothing was dropped: what we parsed serializes back to the file's exact bytes.
    assertThat(model.toByteArray()).isEqualTo(Files.readAllBytes(path(name)));
  }

  private static void collectUnknownFields(Message message, String path, List<String> out) {
    if (!message.getUnknownFields().asMap().isEmpty()) {
      out.add(path + ": " + message.getUnknownFields().asMap().keySet());
    }
    for (Map.Entry<FieldDescriptor, Object> e : message.getAllFields().entrySet()) {
      if (e.getKey().getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
        continue;
      }
      String child = path + "." + e.getKey().getName();
      if (e.getKey().isRepeated()) {
        List<?> items = (List<?>) e.getValue();
        for (int i = 0; i < items.size(); i++) {
          collectUnknownFields((Message) items.get(i), child + "[" + i + "]", out);
        }
      } else {
        collectUnknownFields((Message) e.getValue(), child, out);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"lenet_weight", "lenet_weight_act", "lenet_weight_act_bias"})
  void passesTheChecker(String name) throws Exception {
    assertThat(OnnxModelChecker.check(load(name))).isEmpty();
  }

  // ---------------------------------------------------------------------------------------------
  // Op sequences

  @Test
  void opSequences() throws Exception {
    for (String name : MODELS) {
      ModelProto m = load(name);
      long constants =
          m.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("Constant")).count();
      System.out.println(
          name
              + " ("
              + constants
              + " Constant nodes): "
              + String.join(" ", abbreviate(opTypes(m))));
    }
    String weightOnly =
        "C DQ Conv Relu MaxPool C DQ Conv Relu MaxPool Reshape C DQ Gemm Relu"
            + " C DQ Gemm Relu C DQ Gemm";
    String weightAct =
        "Q C DQ C DQ Conv Relu Q C DQ MaxPool C DQ Conv Relu Q C DQ MaxPool"
            + " Reshape C DQ Gemm Relu Q C DQ C DQ Gemm Relu Q C DQ C DQ Gemm";
    String weightActBias =
        "Q C DQ C DQ DQ Conv Relu Q C DQ MaxPool C DQ DQ Conv Relu Q C DQ"
            + " MaxPool Reshape C DQ DQ Gemm Relu Q C DQ C DQ DQ Gemm Relu Q C DQ C DQ DQ Gemm";
    assertThat(String.join(" ", abbreviate(opTypes(load("lenet_weight"))))).isEqualTo(weightOnly);
    assertThat(String.join(" ", abbreviate(opTypes(load("lenet_weight_act")))))
        .isEqualTo(weightAct);
    assertThat(String.join(" ", abbreviate(opTypes(load("lenet_weight_act_bias")))))
        .isEqualTo(weightActBias);
    assertThat(opTypes(load("lenet_weight_act_bias")).subList(0, 6))
        .containsExactly(
            "QuantizeLinear",
            "Clip",
            "DequantizeLinear",
            "Clip",
            "DequantizeLinear",
            "DequantizeLinear")
        .inOrder();
  }

  private static List<String> abbreviate(List<String> ops) {
    return ops.stream()
        .map(
            op ->
                switch (op) {
                  case "QuantizeLinear" -> "Q";
                  case "DequantizeLinear" -> "DQ";
                  case "Clip" -> "C";
                  default -> op;
                })
        .collect(Collectors.toList());
  }

  // ---------------------------------------------------------------------------------------------
  // Conventions

  @Test
  void conventionsOfTheQcdqExport() throws Exception {
    ModelProto m = load("lenet_weight_act_bias");
    GraphProto g = m.getGraph();
    Map<String, TensorProto> constants = constants(g);
    Map<String, NodeProto> producers = new HashMap<>();
    g.getNodeList().forEach(n -> n.getOutputList().forEach(o -> producers.put(o, n)));

    List<String> actRanges = new ArrayList<>();
    List<String> weightRanges = new ArrayList<>();
    for (NodeProto n : g.getNodeList()) {
      if (n.getOpType().equals("Clip")) {
        TensorProto min = constants.get(n.getInput(1));
        TensorProto max = constants.get(n.getInput(2));
        assertThat(min.getDimsCount()).isEqualTo(0);
        assertThat(max.getDataType()).isEqualTo(min.getDataType());
        NodeProto source = producers.get(n.getInput(0));
        String range =
            OnnxTensors.typeName(min.getDataType())
                + " "
                + OnnxTensors.toIntArray(min)[0]
                + ".."
                + OnnxTensors.toIntArray(max)[0];
        if (source.getOpType().equals("QuantizeLinear")) {
          // Clip bounds have the type of the QuantizeLinear zero point.
          assertThat(max.getDataType()).isEqualTo(constants.get(source.getInput(2)).getDataType());
          actRanges.add(range);
        } else {
          assertThat(source.getOpType()).isEqualTo("Constant");
          assertThat(constants.get(n.getInput(0)).getDataType()).isEqualTo(DataType.INT8_VALUE);
          weightRanges.add(range);
        }
      }
    }
    // 4-bit signed input, 4-bit QuantReLUs; 4-bit narrow weights.
    assertThat(actRanges)
        .containsExactly("INT8 -8..7", "UINT8 0..15", "UINT8 0..15", "UINT8 0..15", "UINT8 0..15")
        .inOrder();
    assertThat(weightRanges)
        .containsExactly("INT8 -7..7", "INT8 -7..7", "INT8 -7..7", "INT8 -7..7", "INT8 -7..7")
        .inOrder();
    // Every QuantizeLinear is followed by a Clip (no activation is a full-range 8-bit one).
    for (NodeProto n : g.getNodeList()) {
      if (n.getOpType().equals("QuantizeLinear")) {
        assertThat(consumers(g, n.getOutput(0))).containsExactly("Clip");
      }
    }
    // lenet_weight_act's fc3 has 8-bit narrow weights: still clipped, to -127..127.
    List<NodeProto> clips =
        load("lenet_weight_act").getGraph().getNodeList().stream()
            .filter(n -> n.getName().equals("/fc3/weight_quant/export_handler/Clip"))
            .toList();
    Map<String, TensorProto> actConstants = constants(load("lenet_weight_act").getGraph());
    assertThat(OnnxTensors.toIntArray(actConstants.get(clips.get(0).getInput(1))))
        .asList()
        .containsExactly(-127);
    assertThat(OnnxTensors.toIntArray(actConstants.get(clips.get(0).getInput(2))))
        .asList()
        .containsExactly(127);

    // Bias: int32 Constant -> DequantizeLinear(scale = input scale * weight scale, int32 zp 0).
    NodeProto conv1Bias = node(g, "/conv1/bias_quant/export_handler/DequantizeLinear");
    TensorProto intBias = constants.get(conv1Bias.getInput(0));
    assertThat(intBias.getDataType()).isEqualTo(DataType.INT32_VALUE);
    assertThat(OnnxTensors.dims(intBias)).asList().containsExactly(6L);
    TensorProto zp = constants.get(conv1Bias.getInput(2));
    assertThat(zp.getDataType()).isEqualTo(DataType.INT32_VALUE);
    assertThat(OnnxTensors.toIntArray(zp)).asList().containsExactly(0);
    float inputScale =
        scalar(
            constants, node(g, "/quant_inp/act_quant/export_handler/QuantizeLinear").getInput(1));
    float weightScale =
        scalar(
            constants, node(g, "/conv1/weight_quant/export_handler/DequantizeLinear").getInput(1));
    assertThat(scalar(constants, conv1Bias.getInput(1)))
        .isEqualTo(OnnxGraphBuilder.biasScales(inputScale, new float[] {weightScale})[0]);
    assertThat(consumers(g, conv1Bias.getOutput(0))).containsExactly("Conv");

    // Per-tensor weight DequantizeLinear: scalar scale, scalar int8 zero point, no attributes.
    NodeProto w1 = node(g, "/conv1/weight_quant/export_handler/DequantizeLinear");
    assertThat(w1.getAttributeCount()).isEqualTo(0);
    assertThat(constants.get(w1.getInput(2)).getDataType()).isEqualTo(DataType.INT8_VALUE);

    // Flatten is Reshape with a constant int64 shape [1, -1] (the traced batch of 1).
    NodeProto reshape = node(g, "/Reshape");
    assertThat(OnnxTensors.toLongArray(constants.get(reshape.getInput(1))))
        .asList()
        .containsExactly(1L, -1L)
        .inOrder();
    // Gemm as PyTorch Linear.
    assertThat(attributes(node(g, "/fc1/Gemm"))).isEqualTo("alpha=1.0 beta=1.0 transB=1");
    assertThat(attributes(node(g, "/conv1/Conv")))
        .isEqualTo("dilations=[1, 1] group=1 kernel_shape=[5, 5] pads=[0, 0, 0, 0] strides=[1, 1]");
    assertThat(attributes(node(g, "/MaxPool")))
        .isEqualTo("ceil_mode=0 kernel_shape=[2, 2] pads=[0, 0, 0, 0] strides=[2, 2]");
  }

  private static NodeProto node(GraphProto g, String name) {
    return g.getNodeList().stream()
        .filter(n -> n.getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no node " + name));
  }

  private static List<String> consumers(GraphProto g, String value) {
    return g.getNodeList().stream()
        .filter(n -> n.getInputList().contains(value))
        .map(NodeProto::getOpType)
        .toList();
  }

  static String attributes(NodeProto n) {
    return n.getAttributeList().stream()
        .map(
            a ->
                a.getName()
                    + "="
                    + switch (a.getType()) {
                      case INT -> String.valueOf(a.getI());
                      case INTS -> a.getIntsList().toString();
                      case FLOAT -> String.valueOf(a.getF());
                      case STRING -> a.getS().toStringUtf8();
                      default -> a.getType().toString();
                    })
        .collect(Collectors.joining(" "));
  }

  /** Constant node outputs and initializers by value name. */
  public static Map<String, TensorProto> constants(GraphProto g) {
    Map<String, TensorProto> out = new HashMap<>();
    g.getInitializerList().forEach(t -> out.put(t.getName(), t));
    for (NodeProto n : g.getNodeList()) {
      if (n.getOpType().equals("Constant")) {
        out.put(n.getOutput(0), n.getAttribute(0).getT());
      }
    }
    return out;
  }

  private static float scalar(Map<String, TensorProto> constants, String name) {
    float[] v = OnnxTensors.toFloatArray(constants.get(name));
    assertThat(v).hasLength(1);
    return v[0];
  }

  // ---------------------------------------------------------------------------------------------
  // Rebuilding the reference models with the builder's helpers

  /**
   * Translates each Brevitas export into builder calls, taking the integer weights, scales and clip
   * ranges from its Constant nodes, then runs both models in ONNX Runtime on the same input. The
   * builder's graph (initializers, Flatten, dynamic batch) must compute the same logits.
   */
  @ParameterizedTest
  @ValueSource(strings = {"lenet_weight", "lenet_weight_act", "lenet_weight_act_bias"})
  void builderReproducesTheReferenceModel(String name) throws Exception {
    ModelProto reference = load(name);
    ModelProto rebuilt = new BrevitasTranslator(reference).translate();

    // Same operator sequence, except Flatten for the batch-1 Reshape.
    List<String> expected = new ArrayList<>(opTypes(reference));
    expected.replaceAll(op -> op.equals("Reshape") ? "Flatten" : op);
    assertThat(opTypes(rebuilt)).isEqualTo(expected);
    assertThat(OnnxModelChecker.check(rebuilt)).isEmpty();

    float[] input = new float[3 * 32 * 32];
    Random random = new Random(7);
    for (int i = 0; i < input.length; i++) {
      input[i] = (float) random.nextGaussian();
    }
    String refInput = reference.getGraph().getInput(0).getName();
    float[] want =
        OrtRunner.run(
                reference,
                OptLevel.NO_OPT,
                Map.of(refInput, new FloatTensor(input, new long[] {1, 3, 32, 32})))
            .values()
            .iterator()
            .next()
            .data();
    float[] got =
        OrtRunner.run(
                rebuilt,
                OptLevel.NO_OPT,
                Map.of("input", new FloatTensor(input, new long[] {1, 3, 32, 32})))
            .get("logits")
            .data();
    System.out.println(name + " logits, reference " + Arrays.toString(want));
    assertWithMessage(name).that(got).usingExactEquality().containsExactly(want).inOrder();
  }

  /** Maps a Brevitas QCDQ LeNet onto {@link OnnxGraphBuilder} calls. */
  private static final class BrevitasTranslator {
    private final GraphProto ref;
    private final Map<String, TensorProto> constants;
    private final OnnxGraphBuilder b = new OnnxGraphBuilder("lenet");

    /** Reference value name -> builder value name. */
    private final Map<String, String> values = new HashMap<>();

    /** Reference Clip/QuantizeLinear outputs not yet dequantized -> their input and bounds. */
    private final Map<String, NodeProto> pending = new HashMap<>();

    private float lastActScale = Float.NaN;
    private float lastWeightScale = Float.NaN;

    BrevitasTranslator(ModelProto reference) {
      this.ref = reference.getGraph();
      this.constants = constants(ref);
    }

    ModelProto translate() {
      values.put(ref.getInput(0).getName(), b.addFloatInput("input", 3, 32, 32));
      for (NodeProto n : ref.getNodeList()) {
        String scope = scope(n.getName());
        switch (n.getOpType()) {
          case "Constant" -> {}
          case "QuantizeLinear", "Clip" -> pending.put(n.getOutput(0), n);
          case "DequantizeLinear" -> dequantize(scope, n);
          case "Conv" -> {
            Map<String, AttributeProto> a = attrs(n);
            values.put(
                n.getOutput(0),
                b.conv(
                    scope,
                    in(n, 0),
                    in(n, 1),
                    bias(scope, n),
                    ints(a, "kernel_shape"),
                    ints(a, "strides"),
                    ints(a, "pads"),
                    ints(a, "dilations"),
                    a.get("group").getI()));
          }
          case "Gemm" -> {
            String out = b.gemm(scope, in(n, 0), in(n, 1), bias(scope, n));
            values.put(n.getOutput(0), out);
          }
          case "Relu" -> values.put(n.getOutput(0), b.relu(scope, in(n, 0)));
          case "MaxPool" -> {
            Map<String, AttributeProto> a = attrs(n);
            values.put(
                n.getOutput(0),
                b.maxPool(
                    scope, in(n, 0), ints(a, "kernel_shape"), ints(a, "strides"), ints(a, "pads")));
          }
          case "Reshape" -> values.put(n.getOutput(0), b.flatten("flatten", in(n, 0)));
          default -> throw new AssertionError("unexpected op " + n.getOpType());
        }
      }
      b.addFloatOutput(b.rename(values.get(ref.getOutput(0).getName()), "logits"), 10);
      return b.build();
    }

    private void dequantize(String scope, NodeProto dq) {
      String x = dq.getInput(0);
      float scale = OnnxTensors.toFloatArray(constants.get(dq.getInput(1)))[0];
      if (constants.containsKey(x)) {
        // int32 bias: handled when the Conv/Gemm asks for it.
        pending.put(dq.getOutput(0), dq);
        return;
      }
      NodeProto clip = pending.remove(x);
      assertThat(clip.getOpType()).isEqualTo("Clip");
      int min = OnnxTensors.toIntArray(constants.get(clip.getInput(1)))[0];
      int max = OnnxTensors.toIntArray(constants.get(clip.getInput(2)))[0];
      NodeProto source = pending.remove(clip.getInput(0));
      if (source != null) {
        // Activation: QuantizeLinear -> Clip -> DequantizeLinear.
        boolean signed = min < 0;
        int bits =
            signed
                ? 32 - Integer.numberOfLeadingZeros(max) + 1
                : 32 - Integer.numberOfLeadingZeros(max);
        boolean narrow = signed && min == -max;
        values.put(
            dq.getOutput(0), b.activationQcdq(scope, in(source, 0), scale, bits, signed, narrow));
        lastActScale = scale;
      } else {
        // Weight: int8 Constant -> Clip -> DequantizeLinear.
        TensorProto w = constants.get(clip.getInput(0));
        int[] ints = OnnxTensors.toIntArray(w);
        byte[] bytes = new byte[ints.length];
        for (int i = 0; i < ints.length; i++) {
          bytes[i] = (byte) ints[i];
        }
        int bits = 32 - Integer.numberOfLeadingZeros(max) + 1;
        values.put(
            dq.getOutput(0),
            b.weightQcdq(scope, bytes, OnnxTensors.dims(w), scale, bits, min == -max));
        lastWeightScale = scale;
      }
    }

    private String bias(String layerScope, NodeProto layer) {
      String ref = layer.getInput(2);
      NodeProto dq = pending.remove(ref);
      if (dq != null) {
        TensorProto intBias = constants.get(dq.getInput(0));
        String out =
            b.int32Bias(
                scope(dq.getName()),
                OnnxTensors.toIntArray(intBias),
                lastActScale,
                new float[] {lastWeightScale});
        // The builder's float32 product must equal the scale Brevitas stored.
        assertThat(OnnxGraphBuilder.biasScales(lastActScale, new float[] {lastWeightScale})[0])
            .isEqualTo(OnnxTensors.toFloatArray(constants.get(dq.getInput(1)))[0]);
        return out;
      }
      return b.floatBias(layerScope, OnnxTensors.toFloatArray(constants.get(ref)));
    }

    private String in(NodeProto n, int i) {
      String v = values.get(n.getInput(i));
      if (v == null) {
        throw new AssertionError("no translation for " + n.getInput(i) + " of " + n.getName());
      }
      return v;
    }

    /** "/conv1/weight_quant/export_handler/Clip" -> "conv1.weight_quant"; "/MaxPool_1" -> "". */
    private static String scope(String nodeName) {
      List<String> parts = new ArrayList<>(Arrays.asList(nodeName.split("/")));
      parts.removeIf(String::isEmpty);
      parts.remove(parts.size() - 1);
      parts.remove("export_handler");
      parts.remove("activation_impl");
      return String.join(".", parts);
    }

    private static Map<String, AttributeProto> attrs(NodeProto n) {
      Map<String, AttributeProto> out = new HashMap<>();
      n.getAttributeList().forEach(a -> out.put(a.getName(), a));
      return out;
    }

    private static long[] ints(Map<String, AttributeProto> a, String name) {
      return a.get(name).getIntsList().stream().mapToLong(Long::longValue).toArray();
    }
  }
}
