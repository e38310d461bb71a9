package dev.qnn4j.export;

import static dev.qnn4j.export.onnx.OnnxGraphBuilder.intAttr;
import static dev.qnn4j.export.onnx.OnnxGraphBuilder.intsAttr;

import dev.qnn4j.export.ExportGraph.ActQuant;
import dev.qnn4j.export.ExportGraph.Compute;
import dev.qnn4j.export.ExportGraph.ConvAttrs;
import dev.qnn4j.export.ExportGraph.Flatten;
import dev.qnn4j.export.ExportGraph.Pool;
import dev.qnn4j.export.ExportGraph.Quantize;
import dev.qnn4j.export.ExportGraph.Relu;
import dev.qnn4j.export.ExportGraph.Reshape;
import dev.qnn4j.export.ExportGraph.Step;
import dev.qnn4j.export.ExportGraph.Value;
import dev.qnn4j.export.ExportGraph.WeightQuant;
import dev.qnn4j.export.ExportGraph.Weights;
import dev.qnn4j.export.onnx.OnnxGraphBuilder;
import dev.qnn4j.export.onnx.OnnxGraphBuilder.QuantParams;
import dev.qnn4j.export.onnx.OnnxIntegers;
import dev.qnn4j.export.onnx.proto.TensorProto.DataType;
import dev.qnn4j.runtime.quant.IntRange;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * QOp: integer operators where the model's quantizers allow them.
 *
 * <ul>
 *   <li>An activation quantizer applied to a float value is {@code QuantizeLinear -> Clip}; the
 *       result stays integer (int8/uint8) through MaxPool, Flatten and Reshape.
 *   <li>A quantized layer whose result goes (through a Relu) straight into an activation quantizer
 *       is one {@code QLinearConv} or {@code QLinearMatMul} that requantizes to that quantizer's
 *       scale, then a Clip to its range (the Relu becomes the Clip's lower bound 0). A linear layer
 *       with a bias or per-channel weights becomes a 1x1 QLinearConv between a Reshape and a
 *       Flatten, as Brevitas does, since QLinearMatMul has no bias.
 *   <li>Where a float value is needed (Add, AveragePool, a layer whose result the model returns
 *       unquantized) the integers are dequantized with {@code DequantizeLinear} and the step is
 *       written as in QCDQ.
 * </ul>
 *
 * Every quantized layer needs a quantized input, weights of at most 8 bits and an integer (Int8 to
 * Int32) bias; float layers have no QOp form. ONNX Runtime's QLinear kernels produce the integer
 * type of their input, so a result is stored in that type, with zero point -128 (int8) or 128
 * (uint8) when the quantizer's range only fits that way.
 */
final class QopEmitter extends QcdqEmitter {

  /** An ONNX value holding integers: {@code float = (stored - zero_point) * scale}. */
  private record IntValue(String scope, String name, DataType type, QuantParams params) {
    IntValue rename(String newName) {
      return new IntValue(scope, newName, type, params);
    }
  }

  private final Map<Value, IntValue> ints = new IdentityHashMap<>();

  /** Relu and Quantize steps already written as part of a QLinear operator. */
  private final Set<Step> fused = Collections.newSetFromMap(new IdentityHashMap<>());

  QopEmitter(ExportGraph graph, OnnxGraphBuilder builder) {
    super(graph, builder);
  }

  @Override
  protected String format() {
    return "QOp";
  }

  @Override
  protected String floatView(Value v) {
    IntValue q = ints.get(v);
    if (q == null) {
      return super.floatView(v);
    }
    return b.dequantizeLinear(q.scope(), q.name(), q.params());
  }

  // ---------------------------------------------------------------------------------------------
  // Quantizers and layers

  @Override
  public void quantize(Quantize step) {
    if (fused.contains(step)) {
      return;
    }
    ActQuant q = requireInt8Activation(step);
    IntRange range = OnnxIntegers.range(q.bitWidth(), q.signed(), q.narrow());
    DataType type = OnnxIntegers.storageType(range);
    QuantParams params = b.quantParams(step.scope(), q.scale(), type, 0);
    String quantized = b.quantizeLinear(step.scope(), name(step.input()), params);
    String clipped = clip(step.scope(), quantized, type, 0, range.min(), range.max());
    ints.put(step.output(), new IntValue(step.scope(), clipped, type, params));
  }

  @Override
  public void compute(Compute step) {
    String layer = step.layer();
    if (step.conv() != null && (step.conv().transposed() || step.conv().kernel().length != 2)) {
      throw new ExportException(
          layer, "QOp export holds 2-d convolutions only; export QCDQ or QONNX");
    }
    WeightQuant wq = step.weights().quant();
    if (wq == null) {
      throw new ExportException(layer, "float layers have no QOp form; quantize its weights");
    }
    requireNotBinary(layer, "weights", wq.binary());
    requireBits(layer, "weights", wq.bitWidth(), 8, "QLinear operators take int8 weights");
    IntValue x = ints.get(step.input());
    if (x == null) {
      throw new ExportException(
          layer,
          "the input is not quantized; QOp needs an input quantizer"
              + " or a quantized activation (QuantIdentity, QuantReLU) before the layer");
    }
    if (step.bias() != null && step.bias().quant() == null) {
      throw new ExportException(
          layer,
          "the bias is float; QOp needs an integer bias (e.g."
              + " Int32Bias) with scale input scale x weight scale");
    }
    List<Step> requantization = outputQuantization(step);
    if (requantization.isEmpty()) {
      // Nothing requantizes the result (the model output, an Add, ...): it stays float, computed
      // on dequantized operands.
      super.compute(step);
      return;
    }
    fused.addAll(requantization);
    boolean relu = requantization.get(0) instanceof Relu;
    Quantize out = (Quantize) requantization.get(requantization.size() - 1);
    ActQuant yq = requireInt8Activation(out);
    IntRange range = OnnxIntegers.range(yq.bitWidth(), yq.signed(), yq.narrow());
    long min = relu ? Math.max(0, range.min()) : range.min();
    long zeroPoint = zeroPoint(out, x.type(), min, range.max());
    QuantParams y = b.quantParams(out.scope(), yq.scale(), x.type(), zeroPoint);
    String result = qlinear(step, x, y);
    String clipped = clip(out.scope(), result, x.type(), zeroPoint, min, range.max());
    ints.put(out.output(), new IntValue(out.scope(), clipped, x.type(), y));
  }

  /**
   * The steps that requantize a layer's result: {@code [Quantize]} or {@code [Relu, Quantize]} when
   * nothing else reads the intermediate values; empty otherwise.
   */
  private List<Step> outputQuantization(Compute step) {
    List<Step> chain = new ArrayList<>();
    Value v = step.output();
    while (graph.hasSingleUse(v)) {
      Step next = graph.consumers(v).get(0);
      if (next instanceof Quantize) {
        chain.add(next);
        return chain;
      }
      if (!(next instanceof Relu) || !chain.isEmpty()) {
        break;
      }
      chain.add(next);
      v = next.output();
    }
    return List.of();
  }

  /** The QLinear operator of a layer, its result stored as {@code y} says. */
  private String qlinear(Compute step, IntValue x, QuantParams y) {
    String scope = step.layer();
    Weights w = step.weights();
    WeightQuant q = w.quant();
    QuantParams wp =
        q.perChannel()
            ? b.perAxisQuantParams(scope + ".weight_quant", q.scales(), DataType.INT8)
            : b.quantParams(scope + ".weight_quant", q.scales()[0], DataType.INT8, 0);
    String bias = null;
    if (step.bias() != null) {
      int[] intBias = step.bias().quant().ints();
      bias = b.addInt32Initializer(b.uniqueName(scope + ".int_bias"), intBias, intBias.length);
    }
    ConvAttrs conv = step.conv();
    if (conv != null) {
      String weight = int8Weight(scope, q.ints(), w.dims());
      return qlinearConv(scope, x, weight, wp, y, bias, conv);
    }
    long out = w.dims()[0];
    long in = w.dims()[1];
    if (bias == null && !q.perChannel()) {
      String weight =
          int8Weight(scope, transpose(q.ints(), (int) out, (int) in), new long[] {in, out});
      return b.op(
          scope,
          "QLinearMatMul",
          List.of(
              x.name(),
              x.params().scale(),
              x.params().zeroPoint(),
              weight,
              wp.scale(),
              wp.zeroPoint(),
              y.scale(),
              y.zeroPoint()));
    }
    // [N, in] -> [N, in, 1, 1], a 1x1 convolution, -> [N, out].
    String weight = int8Weight(scope, q.ints(), new long[] {out, in, 1, 1});
    IntValue columns = x.rename(b.reshape(scope, x.name(), 0, -1, 1, 1));
    long[] ones = {1, 1};
    String result =
        qlinearConv(
            scope, columns, weight, wp, y, bias, new ConvAttrs(ones, ones, new long[4], ones, 1));
    return b.flatten(scope, result);
  }

  private String qlinearConv(
      String scope,
      IntValue x,
      String weight,
      QuantParams w,
      QuantParams y,
      String bias,
      ConvAttrs c) {
    List<String> inputs =
        new ArrayList<>(
            List.of(
                x.name(),
                x.params().scale(),
                x.params().zeroPoint(),
                weight,
                w.scale(),
                w.zeroPoint(),
                y.scale(),
                y.zeroPoint()));
    if (bias != null) {
      inputs.add(bias);
    }
    return b.op(
        scope,
        "QLinearConv",
        inputs,
        intsAttr("dilations", c.dilations()),
        intAttr("group", c.group()),
        intsAttr("kernel_shape", c.kernel()),
        intsAttr("pads", c.pads()),
        intsAttr("strides", c.strides()));
  }

  private String int8Weight(String scope, int[] values, long[] dims) {
    byte[] bytes = new byte[values.length];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) values[i];
    }
    return b.addInt8Initializer(b.uniqueName(scope + ".int_weight"), bytes, dims);
  }

  private static int[] transpose(int[] m, int rows, int cols) {
    int[] t = new int[m.length];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        t[c * rows + r] = m[r * cols + c];
      }
    }
    return t;
  }

  /**
   * The zero point that lets {@code type} hold {@code [min, max]}: 0 when it fits, else the offset
   * that shifts an unsigned range into int8 or a signed one into uint8.
   */
  private long zeroPoint(Quantize step, DataType type, long min, long max) {
    long[] bounds = bounds(type);
    if (min >= bounds[0] && max <= bounds[1]) {
      return 0;
    }
    long zp = type == DataType.INT8 ? -128 : 128;
    if (min + zp < bounds[0] || max + zp > bounds[1]) {
      throw new ExportException(
          step.layer(),
          "range [" + min + ", " + max + "] of " + step.scope() + " does not fit " + type);
    }
    return zp;
  }

  /** Clips stored integers to {@code [min, max]} (shifted by the zero point) unless type-wide. */
  private String clip(String scope, String x, DataType type, long zeroPoint, long min, long max) {
    long[] bounds = bounds(type);
    if (min + zeroPoint == bounds[0] && max + zeroPoint == bounds[1]) {
      return x;
    }
    return b.clip(scope, x, type, min + zeroPoint, max + zeroPoint);
  }

  private static long[] bounds(DataType type) {
    return type == DataType.INT8 ? new long[] {-128, 127} : new long[] {0, 255};
  }

  // ---------------------------------------------------------------------------------------------
  // Steps that keep integers integer

  @Override
  public void concat(ExportGraph.Concat step) {
    throw new ExportException(
        step.layer(), "QOp export has no concatenation; export QCDQ or QONNX");
  }

  @Override
  public void upsample(ExportGraph.Upsample step) {
    throw new ExportException(step.layer(), "QOp export has no upsampling; export QCDQ or QONNX");
  }

  @Override
  public void relu(Relu step) {
    if (!fused.contains(step)) {
      super.relu(step);
    }
  }

  @Override
  public void pool(Pool step) {
    IntValue x = ints.get(step.input());
    if (!step.max() || x == null) {
      super.pool(step);
      return;
    }
    // The maximum of integers on one scale is the integer of the maximum.
    long k = step.kernel();
    long s = step.stride();
    long p = step.padding();
    ints.put(
        step.output(),
        x.rename(
            b.maxPool(
                step.scope(),
                x.name(),
                new long[] {k, k},
                new long[] {s, s},
                new long[] {p, p, p, p})));
  }

  @Override
  public void flatten(Flatten step) {
    IntValue x = ints.get(step.input());
    if (x == null) {
      super.flatten(step);
    } else {
      ints.put(step.output(), x.rename(b.flatten(step.scope(), x.name())));
    }
  }

  @Override
  public void reshape(Reshape step) {
    IntValue x = ints.get(step.input());
    if (x == null) {
      super.reshape(step);
    } else {
      ints.put(step.output(), x.rename(b.reshape(step.scope(), x.name(), step.shape())));
    }
  }
}
