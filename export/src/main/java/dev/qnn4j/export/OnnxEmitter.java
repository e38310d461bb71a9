package dev.qnn4j.export;

import dev.qnn4j.export.ExportGraph.Add;
import dev.qnn4j.export.ExportGraph.Compute;
import dev.qnn4j.export.ExportGraph.ConvAttrs;
import dev.qnn4j.export.ExportGraph.Flatten;
import dev.qnn4j.export.ExportGraph.Pool;
import dev.qnn4j.export.ExportGraph.Quantize;
import dev.qnn4j.export.ExportGraph.Relu;
import dev.qnn4j.export.ExportGraph.Reshape;
import dev.qnn4j.export.ExportGraph.Step;
import dev.qnn4j.export.ExportGraph.StepVisitor;
import dev.qnn4j.export.ExportGraph.Value;
import dev.qnn4j.export.onnx.OnnxGraphBuilder;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes an {@link ExportGraph} into an {@link OnnxGraphBuilder} as float ONNX operators with fake
 * quantization: the part the formats share. A format supplies how an activation is quantized and
 * how a layer's weight and bias become float ONNX values.
 */
abstract class OnnxEmitter implements StepVisitor {
  protected final ExportGraph graph;
  protected final OnnxGraphBuilder b;

  /** Value -> name of the ONNX value holding it as float. */
  private final Map<Value, String> names = new IdentityHashMap<>();

  OnnxEmitter(ExportGraph graph, OnnxGraphBuilder builder) {
    this.graph = graph;
    this.b = builder;
  }

  /**
   * Adds the graph input {@code inputName} and every step; returns the name of the float value the
   * model returns.
   */
  String emit(String inputName) {
    define(graph.input(), b.addFloatInput(inputName, graph.input().dimsAfterBatch()));
    for (Step step : graph.steps()) {
      try {
        step.accept(this);
      } catch (IllegalArgumentException e) {
        // The builder's own checks (a scale that is not positive, an integer out of range).
        throw new ExportException(step.layer(), e.getMessage());
      }
    }
    return name(graph.output());
  }

  /** Quantizes the float value {@code x}; returns the float (dequantized) result. */
  protected abstract String activation(Quantize step, String x);

  /** The float weight the layer's ONNX operator takes. */
  protected abstract String weight(Compute step);

  /** The float bias the layer's ONNX operator takes, or null without a bias. */
  protected abstract String bias(Compute step);

  /**
   * The name of the ONNX value holding {@code v} as float, made by {@link #floatView} if needed.
   */
  protected final String name(Value v) {
    return names.computeIfAbsent(v, this::floatView);
  }

  /** Makes a float ONNX value for {@code v}, which no step has defined as float. */
  protected String floatView(Value v) {
    throw new IllegalStateException("value used before it was emitted");
  }

  protected void define(Value v, String name) {
    names.put(v, name);
  }

  @Override
  public void quantize(Quantize step) {
    define(step.output(), activation(step, name(step.input())));
  }

  @Override
  public void compute(Compute step) {
    String x = name(step.input());
    String w = weight(step);
    String bias = bias(step);
    ConvAttrs c = step.conv();
    if (c != null && c.transposed()) {
      define(
          step.output(),
          b.op(
              step.scope(),
              "ConvTranspose",
              bias == null ? List.of(x, w) : List.of(x, w, bias),
              OnnxGraphBuilder.intsAttr("kernel_shape", c.kernel()),
              OnnxGraphBuilder.intsAttr("strides", c.strides()),
              OnnxGraphBuilder.intsAttr("pads", c.pads()),
              OnnxGraphBuilder.intsAttr("dilations", c.dilations()),
              OnnxGraphBuilder.intsAttr("output_padding", c.outputPadding()),
              OnnxGraphBuilder.intAttr("group", c.group())));
      return;
    }
    define(
        step.output(),
        c == null
            ? b.gemm(step.scope(), x, w, bias)
            : b.conv(
                step.scope(),
                x,
                w,
                bias,
                c.kernel(),
                c.strides(),
                c.pads(),
                c.dilations(),
                c.group()));
  }

  @Override
  public void relu(Relu step) {
    define(step.output(), b.relu(step.scope(), name(step.input())));
  }

  @Override
  public void elementwise(ExportGraph.Elementwise step) {
    define(step.output(), b.op(step.scope(), step.onnxOp(), java.util.List.of(name(step.input()))));
  }

  /**
   * {@code Mul} by the scale, then {@code Add} of the shift: float32 rounding as in the runtime.
   */
  @Override
  public void affine(ExportGraph.Affine step) {
    String scale = b.addFloatScalar(b.uniqueName(step.layer() + ".scale"), step.scale());
    String shift = b.addFloatScalar(b.uniqueName(step.layer() + ".shift"), step.shift());
    String product = b.op(step.scope(), "Mul", java.util.List.of(name(step.input()), scale));
    define(step.output(), b.add(step.scope(), product, shift));
  }

  /**
   * ONNX BatchNormalization in inference form (opset 13: no training outputs), with the layer's
   * weight, bias and running statistics as initializers, as Brevitas exports it.
   */
  @Override
  public void batchNorm(ExportGraph.BatchNormalization step) {
    String scope = step.layer();
    long c = step.scale().length;
    String scale = b.addFloatInitializer(b.uniqueName(scope + ".weight"), step.scale(), c);
    String bias = b.addFloatInitializer(b.uniqueName(scope + ".bias"), step.bias(), c);
    String mean = b.addFloatInitializer(b.uniqueName(scope + ".running_mean"), step.mean(), c);
    String var = b.addFloatInitializer(b.uniqueName(scope + ".running_var"), step.var(), c);
    define(
        step.output(),
        b.op(
            step.scope(),
            "BatchNormalization",
            List.of(name(step.input()), scale, bias, mean, var),
            OnnxGraphBuilder.floatAttr("epsilon", step.eps())));
  }

  @Override
  public void pool(Pool step) {
    long[] kernel = {step.kernel(), step.kernel()};
    long[] strides = {step.stride(), step.stride()};
    long p = step.padding();
    long[] pads = {p, p, p, p};
    String x = name(step.input());
    define(
        step.output(),
        step.max()
            ? b.maxPool(step.scope(), x, kernel, strides, pads)
            : b.averagePool(step.scope(), x, kernel, strides, pads, true));
  }

  @Override
  public void flatten(Flatten step) {
    define(step.output(), b.flatten(step.scope(), name(step.input())));
  }

  @Override
  public void reshape(Reshape step) {
    define(step.output(), b.reshape(step.scope(), name(step.input()), step.shape()));
  }

  @Override
  public void concat(ExportGraph.Concat step) {
    define(
        step.output(),
        b.op(
            step.scope(),
            "Concat",
            step.parts().stream().map(this::name).toList(),
            OnnxGraphBuilder.intAttr("axis", 1)));
  }

  /**
   * Resize (opset 13) in nearest mode with asymmetric coordinates and floor: output pixel {@code i}
   * reads input pixel {@code floor(i / factor)}, PyTorch's nearest for integer factors.
   */
  @Override
  public void upsample(ExportGraph.Upsample step) {
    String scales =
        b.addFloatInitializer(
            b.uniqueName(step.layer() + ".scales"),
            new float[] {1f, 1f, step.factorH(), step.factorW()},
            4);
    define(
        step.output(),
        b.op(
            step.scope(),
            "Resize",
            List.of(name(step.input()), "", scales),
            OnnxGraphBuilder.stringAttr("mode", "nearest"),
            OnnxGraphBuilder.stringAttr("coordinate_transformation_mode", "asymmetric"),
            OnnxGraphBuilder.stringAttr("nearest_mode", "floor")));
  }

  /**
   * {@code AveragePool} times the window size, the window sum of the dequantized input, as Brevitas
   * exports it; the format then truncates it ({@link #truncate}).
   */
  @Override
  public void truncPool(ExportGraph.TruncPool step) {
    String avg =
        b.averagePool(
            step.scope(), name(step.input()), step.kernel(), step.strides(), new long[4], true);
    float window = step.kernel()[0] * step.kernel()[1];
    String k = b.addFloatScalar(b.uniqueName(step.layer() + ".window"), window);
    String sum = b.op(step.scope(), "Mul", List.of(avg, k));
    define(step.output(), truncate(step, sum));
  }

  /** Shifts and rounds the window sum {@code sum} of a truncated pool; returns the float result. */
  protected abstract String truncate(ExportGraph.TruncPool step, String sum);

  @Override
  public void add(Add step) {
    define(step.output(), b.add(step.scope(), name(step.a()), name(step.b())));
  }
}
