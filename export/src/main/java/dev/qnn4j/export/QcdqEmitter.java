package dev.qnn4j.export;

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
 * QCDQ, as Brevitas' {@code export_onnx_qcdq}: activations {@code QuantizeLinear -> Clip ->
 * DequantizeLinear}, integer weights as int8 initializers {@code -> Clip -> DequantizeLinear},
 * quantized biases as int32 {@code -> DequantizeLinear}, then float operators. The integer types of
 * opset 13 limit activations and weights to 8 bits.
 */
class QcdqEmitter extends OnnxEmitter {

  QcdqEmitter(ExportGraph graph, OnnxGraphBuilder builder) {
    super(graph, builder);
  }

  /** Format name in error messages. */
  protected String format() {
    return "QCDQ";
  }

  @Override
  protected String activation(Quantize step, String x) {
    ActQuant q = requireInt8Activation(step);
    return b.activationQcdq(step.scope(), x, q.scale(), q.bitWidth(), q.signed(), q.narrow());
  }

  @Override
  protected String weight(Compute step) {
    Weights w = step.weights();
    WeightQuant q = w.quant();
    if (q == null) {
      return b.addFloatInitializer(b.uniqueName(step.layer() + ".weight"), w.values(), w.dims());
    }
    requireNotBinary(step.layer(), "weights", q.binary());
    requireBits(step.layer(), "weights", q.bitWidth(), 8, "they are stored as int8");
    String scope = step.layer() + ".weight_quant";
    byte[] ints = new byte[q.ints().length];
    for (int i = 0; i < ints.length; i++) {
      ints[i] = (byte) q.ints()[i];
    }
    return q.perChannel()
        ? b.weightQcdqPerChannel(scope, ints, w.dims(), q.scales(), q.bitWidth(), q.narrow())
        : b.weightQcdq(scope, ints, w.dims(), q.scales()[0], q.bitWidth(), q.narrow());
  }

  @Override
  protected String bias(Compute step) {
    Bias bias = step.bias();
    if (bias == null) {
      return null;
    }
    BiasQuant q = bias.quant();
    if (q == null) {
      return b.floatBias(step.layer(), bias.values());
    }
    return b.int32Bias(step.layer() + ".bias_quant", q.ints(), q.inputScale(), q.weightScales());
  }

  /**
   * The rounding variant only: QuantizeLinear rounds half to even, it cannot floor, so the FLOOR
   * variant ({@code TruncTo8bit}) has no QCDQ form. The window sum is first rounded to the input's
   * integer grid ({@code Round(sum / scale)}, exact, as the Java forward), then shifted by a
   * power-of-two Mul and rounded to {@code outBits} by QuantizeLinear at scale 1, Clip and
   * DequantizeLinear, then multiplied by the input scale. Brevitas quantizes the float sum
   * directly, which rounds a tie (a shifted sum ending in exactly .5) by the float error of the
   * pool's sum; the extra Round keeps the file equal to the Java forward.
   */
  @Override
  protected String truncate(ExportGraph.TruncPool step, String sum) {
    if (step.floor()) {
      throw new ExportException(
          step.layer(),
          "truncated average pooling with rounding FLOOR (Brevitas' TruncTo8bit) cannot be"
              + " expressed in "
              + format()
              + " (QuantizeLinear rounds half to even; Brevitas 0.11 refuses it too: 'Only round"
              + " to nearest even supported'); declare rounding = ROUND or export QONNX, which"
              + " writes a Trunc node");
    }
    requireBits(
        step.layer(),
        "truncated average pool output",
        step.outBits(),
        8,
        "QuantizeLinear in opset 13 produces int8/uint8");
    String scope = step.scope() + ".trunc_quant";
    String scale = b.addFloatScalar(b.uniqueName(scope + ".input_scale"), step.scale());
    String ints = b.op(scope, "Round", List.of(b.op(scope, "Div", List.of(sum, scale))));
    if (step.shift() != 0) {
      float factor = (float) Math.pow(2, -step.shift());
      String f = b.addFloatScalar(b.uniqueName(scope + ".shift"), factor);
      ints = b.op(scope, "Mul", List.of(ints, f));
    }
    String truncated = b.activationQcdq(scope, ints, 1f, step.outBits(), step.signed(), false);
    return b.op(scope, "Mul", List.of(truncated, scale));
  }

  /** The step's quantizer, if QuantizeLinear can produce its integers (2 to 8 bits). */
  protected ActQuant requireInt8Activation(Quantize step) {
    ActQuant q = step.quant();
    String what = (q.signed() ? "signed" : "unsigned") + " activation quantizer " + step.scope();
    requireNotBinary(step.layer(), "activation quantizer " + step.scope(), q.binary());
    requireBits(
        step.layer(), what, q.bitWidth(), 8, "QuantizeLinear in opset 13 produces int8/uint8");
    return q;
  }

  /**
   * Fails for a binary quantizer: {@code sign(x) * scale} maps to {-scale, +scale} without a zero,
   * which no QuantizeLinear/DequantizeLinear pair expresses (Brevitas 0.11 refuses too: "Binary
   * quant not supported").
   */
  protected void requireNotBinary(String layer, String what, boolean binary) {
    if (binary) {
      throw new ExportException(
          layer,
          "binary (1-bit, sign) "
              + what
              + " cannot be expressed in "
              + format()
              + " (QuantizeLinear/DequantizeLinear have no bipolar {-1, +1} form); export QONNX,"
              + " which writes a BipolarQuant node");
    }
  }

  /** Fails unless {@code 2 <= bitWidth <= max}, naming the layer, what and why. */
  protected void requireBits(String layer, String what, int bitWidth, int max, String why) {
    if (bitWidth < 2 || bitWidth > max) {
      throw new ExportException(
          layer,
          bitWidth
              + "-bit "
              + what
              + " cannot be expressed in "
              + format()
              + " ("
              + why
              + "; 2 to "
              + max
              + " bits supported)");
    }
  }
}
