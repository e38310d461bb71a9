package dev.qnn4j.export;

import static dev.qnn4j.export.onnx.OnnxGraphBuilder.intAttr;
import static dev.qnn4j.export.onnx.OnnxGraphBuilder.stringAttr;

import dev.qnn4j.export.ExportGraph.ActQuant;
import dev.qnn4j.export.ExportGraph.Bias;
import dev.qnn4j.export.ExportGraph.BiasQuant;
import dev.qnn4j.export.ExportGraph.Compute;
import dev.qnn4j.export.ExportGraph.Quantize;
import dev.qnn4j.export.ExportGraph.WeightQuant;
import dev.qnn4j.export.ExportGraph.Weights;
import dev.qnn4j.export.onnx.OnnxGraphBuilder;
import java.util.List;

/**
 * QONNX, as FINN reads it: every quantizer is one {@code Quant(x, scale, zeropt, bitwidth)} node of
 * domain {@value #DOMAIN} with attributes {@code narrow}, {@code rounding_mode="ROUND"} and {@code
 * signed}, computing {@code (clip(round(x / scale + zeropt), min, max) - zeropt) * scale} in float.
 * Weights and biases are float initializers feeding Quant nodes; scales of per-channel weights have
 * shape {@code [C, 1, ...]} to broadcast over the weight. Any bit width can be written, since bit
 * widths are data here. BatchNorm1d/BatchNorm2d stay BatchNormalization nodes, as Brevitas writes
 * them and FINN reads them (a TensorNorm is folded).
 */
final class QonnxEmitter extends OnnxEmitter {
  static final String DOMAIN = "qonnx.custom_op.general";

  QonnxEmitter(ExportGraph graph, OnnxGraphBuilder builder) {
    super(graph, builder);
    builder.importOpset(DOMAIN, 1);
  }

  @Override
  protected String activation(Quantize step, String x) {
    ActQuant q = step.quant();
    if (q.binary()) {
      return bipolarQuant(step.scope(), x, new float[] {q.scale()}, new long[0]);
    }
    return quant(
        step.scope(),
        x,
        new float[] {q.scale()},
        new long[0],
        q.bitWidth(),
        q.signed(),
        q.narrow());
  }

  @Override
  protected String weight(Compute step) {
    Weights w = step.weights();
    String weight =
        b.addFloatInitializer(b.uniqueName(step.layer() + ".weight"), w.values(), w.dims());
    WeightQuant q = w.quant();
    if (q == null) {
      return weight;
    }
    long[] scaleDims = new long[0];
    if (q.perChannel()) {
      scaleDims = new long[w.dims().length];
      java.util.Arrays.fill(scaleDims, 1);
      scaleDims[0] = q.scales().length;
    }
    if (q.binary()) {
      return bipolarQuant(step.layer() + ".weight_quant", weight, q.scales(), scaleDims);
    }
    return quant(
        step.layer() + ".weight_quant",
        weight,
        q.scales(),
        scaleDims,
        q.bitWidth(),
        true,
        q.narrow());
  }

  @Override
  protected String bias(Compute step) {
    Bias bias = step.bias();
    if (bias == null) {
      return null;
    }
    String name = b.floatBias(step.layer(), bias.values());
    BiasQuant q = bias.quant();
    if (q == null) {
      return name;
    }
    float[] scales = OnnxGraphBuilder.biasScales(q.inputScale(), q.weightScales());
    long[] scaleDims = scales.length == 1 ? new long[0] : new long[] {scales.length};
    return quant(step.layer() + ".bias_quant", name, scales, scaleDims, q.bitWidth(), true, false);
  }

  /**
   * Brevitas' QONNX form: {@code Trunc(sum, scale, zeropt, input_bit_width, output_bit_width)} with
   * {@code rounding_mode} FLOOR ({@code TruncTo8bit}) or ROUND ({@code RoundTo8bit}).
   */
  @Override
  protected String truncate(ExportGraph.TruncPool step, String sum) {
    String scope = step.scope() + ".trunc_quant";
    String s = b.addFloatScalar(b.uniqueName(scope + ".scale"), step.scale());
    String zeroPoint = b.addFloatScalar(b.uniqueName(scope + ".zeropt"), 0f);
    String inBits = b.addFloatScalar(b.uniqueName(scope + ".input_bitwidth"), step.accBits());
    String outBits = b.addFloatScalar(b.uniqueName(scope + ".output_bitwidth"), step.outBits());
    return b.op(
        scope,
        DOMAIN,
        "Trunc",
        List.of(sum, s, zeroPoint, inBits, outBits),
        stringAttr("rounding_mode", step.floor() ? "FLOOR" : "ROUND"));
  }

  private String bipolarQuant(String scope, String x, float[] scale, long[] scaleDims) {
    String s = b.addFloatInitializer(b.uniqueName(scope + ".scale"), scale, scaleDims);
    return b.op(scope, DOMAIN, "BipolarQuant", List.of(x, s));
  }

  private String quant(
      String scope,
      String x,
      float[] scale,
      long[] scaleDims,
      int bitWidth,
      boolean signed,
      boolean narrow) {
    String s = b.addFloatInitializer(b.uniqueName(scope + ".scale"), scale, scaleDims);
    String zeroPoint = b.addFloatScalar(b.uniqueName(scope + ".zeropt"), 0f);
    String bits = b.addFloatScalar(b.uniqueName(scope + ".bitwidth"), bitWidth);
    return b.op(
        scope,
        DOMAIN,
        "Quant",
        List.of(x, s, zeroPoint, bits),
        intAttr("narrow", narrow ? 1 : 0),
        stringAttr("rounding_mode", "ROUND"),
        intAttr("signed", signed ? 1 : 0));
  }
}
