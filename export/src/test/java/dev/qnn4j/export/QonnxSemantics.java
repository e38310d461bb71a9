package dev.qnn4j.export;

import dev.qnn4j.export.onnx.OnnxGraphBuilder;
import dev.qnn4j.export.onnx.OnnxTensors;
import dev.qnn4j.export.onnx.proto.AttributeProto;
import dev.qnn4j.export.onnx.proto.GraphProto;
import dev.qnn4j.export.onnx.proto.ModelProto;
import dev.qnn4j.export.onnx.proto.NodeProto;
import dev.qnn4j.export.onnx.proto.TensorProto;
import java.util.List;
import java.util.Map;

/**
 * An independent Java reading of QONNX's {@code Quant} operator (qonnx.custom_op.general.quant):
 * {@code (clip(round_half_even(x / scale + zeropt), min, max) - zeropt) * scale} with {@code min,
 * max} from {@code bitwidth}, {@code signed} and {@code narrow}, scale and zero point broadcast
 * against x. Used to evaluate Quant nodes on constants, and to lower them to standard ONNX
 * operators so that ONNX Runtime can execute a QONNX graph.
 */
public final class QonnxSemantics {
  private QonnxSemantics() {}

  /** The attributes and constant inputs of one Quant node. */
  record Quant(
      float[] scale,
      long[] scaleDims,
      float zeroPoint,
      int bitWidth,
      boolean signed,
      boolean narrow,
      String roundingMode) {

    static Quant of(NodeProto node, Map<String, TensorProto> constants) {
      if (!node.getOpType().equals("Quant") || node.getInputCount() != 4) {
        throw new IllegalArgumentException(node.getName() + " is not a 4-input Quant node");
      }
      TensorProto scale = constants.get(node.getInput(1));
      float zeroPoint = OnnxTensors.toFloatArray(constants.get(node.getInput(2)))[0];
      float bits = OnnxTensors.toFloatArray(constants.get(node.getInput(3)))[0];
      Map<String, AttributeProto> attrs = new java.util.HashMap<>();
      node.getAttributeList().forEach(a -> attrs.put(a.getName(), a));
      return new Quant(
          OnnxTensors.toFloatArray(scale),
          OnnxTensors.dims(scale),
          zeroPoint,
          (int) bits,
          attrs.get("signed").getI() == 1,
          attrs.get("narrow").getI() == 1,
          attrs.get("rounding_mode").getS().toStringUtf8());
    }

    double min() {
      if (!signed) {
        return 0;
      }
      return -Math.pow(2, bitWidth - 1) + (narrow ? 1 : 0);
    }

    double max() {
      return signed ? Math.pow(2, bitWidth - 1) - 1 : Math.pow(2, bitWidth) - 1 - (narrow ? 1 : 0);
    }

    /**
     * Applies the operator to {@code x} of shape {@code dims}; the scale is a scalar or has the
     * shape {@code [dims[0], 1, ...]} (per output channel).
     */
    float[] apply(float[] x, long[] dims) {
      if (!roundingMode.equals("ROUND")) {
        throw new IllegalArgumentException("rounding mode " + roundingMode);
      }
      int inner = scale.length == 1 ? x.length : x.length / scale.length;
      float[] out = new float[x.length];
      for (int i = 0; i < x.length; i++) {
        float s = scale[scale.length == 1 ? 0 : i / inner];
        float q = (float) Math.rint(x[i] / s + zeroPoint);
        q = (float) Math.max(min(), Math.min(max(), q));
        out[i] = (q - zeroPoint) * s;
      }
      return out;
    }
  }

  /**
   * {@code model} with every Quant node replaced by {@code Div, Add, Round, Clip, Sub, Mul} (float
   * bounds from {@link Quant#min()}/{@link Quant#max()}), every BipolarQuant by {@code
   * GreaterOrEqual, Neg, Where}, every Trunc by {@code Div, Add, Round, Div, Floor|Round, Sub, Mul}
   * (QONNX's {@code trunc}: the input integer shifted right by {@code input_bit_width -
   * output_bit_width} bits, kept at the input scale), and the QONNX opset import dropped.
   */
  public static ModelProto lowered(ModelProto model) {
    GraphProto g = model.getGraph();
    Map<String, TensorProto> constants = dev.qnn4j.export.onnx.BrevitasReferenceTest.constants(g);
    GraphProto.Builder out = g.toBuilder().clearNode();
    for (NodeProto n : g.getNodeList()) {
      if (n.getOpType().equals("BipolarQuant")) {
        // sign(x) * scale with sign(0) = +1: Where(x >= 0, scale, -scale).
        String p = n.getName() + "/";
        out.addInitializer(OnnxTensors.floatTensor(p + "zero", new float[] {0f}));
        out.addNode(node("GreaterOrEqual", p + "nonneg", List.of(n.getInput(0), p + "zero")));
        out.addNode(node("Neg", p + "neg", List.of(n.getInput(1))));
        out.addNode(
            NodeProto.newBuilder()
                .setOpType("Where")
                .setName(p + "where")
                .addInput(p + "nonneg")
                .addInput(n.getInput(1))
                .addInput(p + "neg")
                .addOutput(n.getOutput(0))
                .build());
        continue;
      }
      if (n.getOpType().equals("Trunc")) {
        lowerTrunc(n, constants, out);
        continue;
      }
      if (!n.getOpType().equals("Quant")) {
        out.addNode(n);
        continue;
      }
      Quant q = Quant.of(n, constants);
      String p = n.getName() + "/";
      String x = n.getInput(0);
      String scale = n.getInput(1);
      String zp = n.getInput(2);
      out.addInitializer(OnnxTensors.floatTensor(p + "min", new float[] {(float) q.min()}));
      out.addInitializer(OnnxTensors.floatTensor(p + "max", new float[] {(float) q.max()}));
      out.addNode(node("Div", p + "div", List.of(x, scale)));
      out.addNode(node("Add", p + "add", List.of(p + "div", zp)));
      out.addNode(node("Round", p + "round", List.of(p + "add")));
      out.addNode(node("Clip", p + "clip", List.of(p + "round", p + "min", p + "max")));
      out.addNode(node("Sub", p + "sub", List.of(p + "clip", zp)));
      out.addNode(rescale(p, scale, n.getOutput(0)));
    }
    ModelProto.Builder m = model.toBuilder().setGraph(out).clearOpsetImport();
    model.getOpsetImportList().stream()
        .filter(o -> o.getDomain().isEmpty())
        .forEach(m::addOpsetImport);
    return m.build();
  }

  private static void lowerTrunc(
      NodeProto n, Map<String, TensorProto> constants, GraphProto.Builder out) {
    float inBits = OnnxTensors.toFloatArray(constants.get(n.getInput(3)))[0];
    float outBits = OnnxTensors.toFloatArray(constants.get(n.getInput(4)))[0];
    String mode = n.getAttribute(0).getS().toStringUtf8();
    String p = n.getName() + "/";
    String x = n.getInput(0);
    String scale = n.getInput(1);
    String zp = n.getInput(2);
    out.addInitializer(
        OnnxTensors.floatTensor(p + "shift", new float[] {(float) Math.pow(2, inBits - outBits)}));
    out.addNode(node("Div", p + "div", List.of(x, scale)));
    out.addNode(node("Add", p + "add", List.of(p + "div", zp)));
    out.addNode(node("Round", p + "round", List.of(p + "add")));
    out.addNode(node("Div", p + "shifted", List.of(p + "round", p + "shift")));
    out.addNode(
        node(mode.equals("FLOOR") ? "Floor" : "Round", p + "trunc", List.of(p + "shifted")));
    out.addNode(node("Sub", p + "sub", List.of(p + "trunc", zp)));
    out.addNode(rescale(p, scale, n.getOutput(0)));
  }

  /** The last node of a lowered Quant or Trunc: {@code (q - zeropt) * scale} into the output. */
  private static NodeProto rescale(String prefix, String scale, String output) {
    return NodeProto.newBuilder()
        .setOpType("Mul")
        .setName(prefix + "mul")
        .addInput(prefix + "sub")
        .addInput(scale)
        .addOutput(output)
        .build();
  }

  private static NodeProto node(String op, String output, List<String> inputs) {
    return NodeProto.newBuilder()
        .setOpType(op)
        .setName(output)
        .addAllInput(inputs)
        .addOutput(output)
        .build();
  }

  /** Whether a Quant node's domain and attributes are the ones FINN expects. */
  static boolean isFinnQuant(NodeProto n) {
    List<String> attrs = n.getAttributeList().stream().map(AttributeProto::getName).toList();
    return n.getDomain().equals(QonnxEmitter.DOMAIN)
        && n.getInputCount() == 4
        && attrs.equals(List.of("narrow", "rounding_mode", "signed"))
        && OnnxGraphBuilder.stringAttr("rounding_mode", "ROUND").equals(n.getAttribute(1));
  }
}
