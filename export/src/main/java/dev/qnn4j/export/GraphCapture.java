package dev.qnn4j.export;

import dev.qnn4j.export.ExportGraph.ActQuant;
import dev.qnn4j.export.ExportGraph.Add;
import dev.qnn4j.export.ExportGraph.Bias;
import dev.qnn4j.export.ExportGraph.BiasQuant;
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
import dev.qnn4j.runtime.QuantTensor;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.graph.ForwardGraph;
import dev.qnn4j.runtime.kernels.FakeQuant;
import dev.qnn4j.runtime.nn.BatchNorm;
import dev.qnn4j.runtime.nn.Conv1d;
import dev.qnn4j.runtime.nn.Conv2d;
import dev.qnn4j.runtime.nn.Conv2dOptions;
import dev.qnn4j.runtime.nn.ConvTranspose2d;
import dev.qnn4j.runtime.nn.Dropout;
import dev.qnn4j.runtime.nn.F;
import dev.qnn4j.runtime.nn.Linear;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.nn.Module;
import dev.qnn4j.runtime.nn.QuantActivation;
import dev.qnn4j.runtime.nn.QuantCat;
import dev.qnn4j.runtime.nn.QuantEltwiseAdd;
import dev.qnn4j.runtime.nn.QuantHardTanh;
import dev.qnn4j.runtime.nn.QuantIdentity;
import dev.qnn4j.runtime.nn.QuantMaxPool2d;
import dev.qnn4j.runtime.nn.QuantReLU;
import dev.qnn4j.runtime.nn.QuantSigmoid;
import dev.qnn4j.runtime.nn.QuantTanh;
import dev.qnn4j.runtime.nn.QuantUpsample;
import dev.qnn4j.runtime.nn.QuantWeightLayer;
import dev.qnn4j.runtime.nn.ReLU;
import dev.qnn4j.runtime.nn.TensorNorm;
import dev.qnn4j.runtime.nn.TraceEvent;
import dev.qnn4j.runtime.nn.TruncAdaptiveAvgPool2d;
import dev.qnn4j.runtime.nn.TruncAvgPool2d;
import dev.qnn4j.runtime.nn.WeightLayer;
import dev.qnn4j.runtime.quant.ActQuantConfig;
import dev.qnn4j.runtime.quant.ActQuantizer;
import dev.qnn4j.runtime.quant.BiasQuantizer;
import dev.qnn4j.runtime.quant.IntRange;
import dev.qnn4j.runtime.quant.ScalingImpl;
import dev.qnn4j.runtime.quant.WeightQuantConfig;
import dev.qnn4j.runtime.quant.WeightQuantizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Turns one traced evaluation-mode forward pass into an {@link ExportGraph}: the one place that
 * knows how runtime layers and {@code F} operations map to export steps and where their quantizers
 * keep their constants. Steps are connected by the identity of the tensor objects each traced call
 * received and returned.
 */
final class GraphCapture {

  private final String modelName;
  private final boolean foldBatchNorm;
  private final List<Step> steps = new ArrayList<>();

  /** Trace tensor -> the value it carries. */
  private final Map<Tensor, Value> values = new IdentityHashMap<>();

  /** Value -> index in {@link #steps} of the step producing it. */
  private final Map<Value, Integer> producers = new IdentityHashMap<>();

  /** Trace tensor -> number of reads (by traced calls, or as the model's result). */
  private final Map<Tensor, Integer> uses = new IdentityHashMap<>();

  private GraphCapture(String modelName, boolean foldBatchNorm) {
    this.modelName = modelName;
    this.foldBatchNorm = foldBatchNorm;
  }

  /** One traced step with the tensors it read and returned on the example input. */
  private record Event(
      TraceEvent.Op op, Module layer, List<Tensor> inputs, Tensor output, long[] ints) {}

  /**
   * Traces {@code model.forward(exampleInput)} once ({@link ForwardGraph#traceValues}: evaluation
   * mode, no gradients, the layers' modes restored afterwards) and captures what it computed.
   *
   * @param foldBatchNorm fold each BatchNorm1d/BatchNorm2d into the layer before it; otherwise it
   *     is a {@link ExportGraph.BatchNormalization} step (a TensorNorm is always folded)
   */
  static ExportGraph capture(Model model, Tensor exampleInput, boolean foldBatchNorm) {
    ForwardGraph.Trace trace;
    try {
      trace = ForwardGraph.traceValues(model, exampleInput);
    } catch (ForwardGraph.UntracedTensorException e) {
      throw new ExportException(e.step(), e.reason());
    }
    List<Tensor> tensors = trace.values();
    List<ForwardGraph.Step> graphSteps = trace.graph().steps();
    List<Event> events = new ArrayList<>();
    for (int i = 0; i < graphSteps.size(); i++) {
      ForwardGraph.Step s = graphSteps.get(i);
      events.add(
          new Event(
              s.op(),
              s.layer(),
              s.inputs().stream().map(tensors::get).toList(),
              tensors.get(i + 1),
              s.ints()));
    }
    return new GraphCapture(model.modelName(), foldBatchNorm)
        .build(events, exampleInput, tensors.get(trace.graph().result()));
  }

  private ExportGraph build(List<Event> events, Tensor input, Tensor output) {
    for (Event e : events) {
      e.inputs().forEach(t -> uses.merge(t, 1, Integer::sum));
    }
    uses.merge(output, 1, Integer::sum);
    Value in = new Value(input.shape());
    values.put(input, in);
    for (Event e : events) {
      step(e);
    }
    Value out = values.get(output);
    if (out == null || out == in) {
      throw new ExportException(
          modelName, "forward returned a tensor that no traced layer or F" + " operation produced");
    }
    return new ExportGraph(modelName, in, out, steps);
  }

  // ---------------------------------------------------------------------------------------------
  // Trace events

  private void step(Event e) {
    long[] ints = e.ints();
    switch (e.op()) {
      case LAYER -> layer(e);
      case MAX_POOL ->
          add(new Pool("F.maxPool2d", "", in(e, 0), out(e), true, ints[0], ints[1], ints[2]));
      case AVG_POOL ->
          add(new Pool("F.avgPool2d", "", in(e, 0), out(e), false, ints[0], ints[1], ints[2]));
      case RELU -> add(new Relu("F.relu", "", in(e, 0), out(e)));
      case FLATTEN -> add(new Flatten("F.flatten", "", in(e, 0), out(e)));
      case RESHAPE -> add(new Reshape("F.reshape", "", in(e, 0), out(e), ints));
      case ADD -> add(new Add("F.add", "", in(e, 0), in(e, 1), out(e)));
      case CAT -> add(new ExportGraph.Concat("F.cat", "", ins(e), out(e)));
      case UPSAMPLE_NEAREST -> add(upsample("F.upsampleNearest", "", e));
      case AFFINE -> {
        float[] a = F.affineParameters(ints);
        add(new ExportGraph.Affine("F.affine", "", in(e, 0), out(e), a[0], a[1]));
      }
      default -> throw new ExportException(eventName(e), "has no ONNX export");
    }
  }

  private void layer(Event e) {
    Module layer = e.layer();
    String name = layer.name();
    if (layer instanceof WeightLayer w) {
      weightLayer(e, w);
    } else if (layer instanceof QuantActivation act) {
      Value x = in(e, 0);
      if (act instanceof QuantReLU) {
        Value relu = new Value(e.output().shape());
        add(new Relu(name, name, x, relu));
        x = relu;
      } else if (act instanceof QuantSigmoid || act instanceof QuantTanh) {
        Value f = new Value(e.output().shape());
        add(
            new ExportGraph.Elementwise(
                name, name, x, f, act instanceof QuantSigmoid ? "Sigmoid" : "Tanh"));
        x = f;
      } else if (!(act instanceof QuantIdentity) && !(act instanceof QuantHardTanh)) {
        throw unsupported(layer);
      }
      add(new Quantize(name, name + ".act_quant", x, out(e), actQuant(name, act.quantizer())));
    } else if (layer instanceof ReLU) {
      add(new Relu(name, name, in(e, 0), out(e)));
    } else if (layer instanceof QuantMaxPool2d p) {
      add(new Pool(name, name, in(e, 0), out(e), true, p.kernelSize(), p.stride(), p.padding()));
    } else if (layer instanceof QuantEltwiseAdd a) {
      quantizedOutput(
          e, a.outputQuantizer(), sum -> add(new Add(name, name, in(e, 0), in(e, 1), sum)));
    } else if (layer instanceof BatchNorm bn) {
      batchNorm(e, bn);
    } else if (layer instanceof QuantCat) {
      add(new ExportGraph.Concat(name, name, ins(e), out(e)));
    } else if (layer instanceof QuantUpsample) {
      add(upsample(name, name, e));
    } else if (layer instanceof TruncAvgPool2d p) {
      add(truncPool(e, p.bitWidth(), p.rounding()));
    } else if (layer instanceof TruncAdaptiveAvgPool2d p) {
      add(truncPool(e, p.bitWidth(), p.rounding()));
    } else if (layer instanceof Dropout) {
      // The identity in evaluation, which is what is exported.
      values.put(e.output(), in(e, 0));
    } else {
      throw unsupported(layer);
    }
  }

  /**
   * A convolution or linear layer: its input quantizer (a Quantize step before it), the layer on
   * its integer weight and bias, its output quantizer (a Quantize step after it).
   */
  private void weightLayer(Event e, WeightLayer layer) {
    String name = layer.name();
    QuantWeightLayer quant = layer instanceof QuantWeightLayer q ? q : null;
    Tensor x = e.inputs().get(0);
    Value input = in(e, 0);
    Float inputScale = null;
    if (quant != null && quant.inputQuantizer() != null) {
      ActQuant q = actQuant(name, quant.inputQuantizer());
      Value quantized = new Value(x.shape());
      add(new Quantize(name, name + ".input_quant", input, quantized, q));
      input = quantized;
      inputScale = q.scale();
    } else if (x instanceof QuantTensor qx && qx.perTensor()) {
      // The scale the bias quantizer multiplies the weight scale by.
      inputScale = qx.scale().item();
    }
    ConvAttrs conv;
    if (layer instanceof Conv2d c) {
      conv = convAttrs(c.options());
    } else if (layer instanceof ConvTranspose2d t) {
      long k = t.kernelSize();
      long s = t.stride();
      long p = t.padding();
      long d = t.dilation();
      long op = t.outputPadding();
      conv =
          new ConvAttrs(
              new long[] {k, k},
              new long[] {s, s},
              new long[] {p, p, p, p},
              new long[] {d, d},
              t.groups(),
              new long[] {op, op});
    } else if (layer instanceof Conv1d c) {
      Conv2dOptions o = c.asConv2d();
      conv =
          new ConvAttrs(
              new long[] {o.kernelWidth()},
              new long[] {o.strideW()},
              new long[] {o.padW(), o.padW()},
              new long[] {o.dilationW()},
              o.groups());
    } else if (layer instanceof Linear) {
      conv = null;
    } else {
      throw unsupported(layer);
    }
    Weights weights = weights(layer, quant == null ? null : quant.weightQuantizer());
    Bias bias = bias(layer, quant == null ? null : quant.biasQuantizer(), inputScale, weights);
    Value layerInput = input;
    quantizedOutput(
        e,
        quant == null ? null : quant.outputQuantizer(),
        y -> add(new Compute(name, layerInput, y, weights, bias, conv)));
  }

  /**
   * Adds the step that computes a layer's result through {@code body}, followed by a Quantize step
   * when the layer has an output quantizer.
   */
  private void quantizedOutput(Event e, ActQuantizer outputQuant, Consumer<Value> body) {
    if (outputQuant == null) {
      body.accept(out(e));
      return;
    }
    String name = e.layer().name();
    Value raw = new Value(e.output().shape());
    body.accept(raw);
    add(new Quantize(name, name + ".output_quant", raw, out(e), actQuant(name, outputQuant)));
  }

  /**
   * A truncated average pool, its window recovered from the traced shapes (for the adaptive pool
   * Brevitas' {@code stride = in / out}, {@code kernel = in - (out - 1) * stride}).
   */
  private ExportGraph.TruncPool truncPool(Event e, int bitWidth, TruncAvgPool2d.Rounding rounding) {
    String name = e.layer().name();
    if (!(e.inputs().get(0) instanceof QuantTensor q) || !q.perTensor()) {
      throw new ExportException(
          name, "truncated average pooling needs a QuantTensor input with a per-tensor scale");
    }
    long[] in = q.shape();
    long[] out = e.output().shape();
    long[] kernel = new long[2];
    long[] strides = new long[2];
    for (int d = 0; d < 2; d++) {
      if (e.layer() instanceof TruncAvgPool2d p) {
        kernel[d] = p.kernelSize();
        strides[d] = p.stride();
      } else {
        int[] w = TruncAdaptiveAvgPool2d.window(in[2 + d], (int) out[2 + d]);
        kernel[d] = w[0];
        strides[d] = w[1];
      }
    }
    int accBits = TruncAvgPool2d.accumulatorBits(q.bitWidth(), (int) (kernel[0] * kernel[1]));
    return new ExportGraph.TruncPool(
        name,
        name,
        in(e, 0),
        out(e),
        kernel,
        strides,
        q.scale().item(),
        q.signed(),
        accBits,
        bitWidth,
        rounding == TruncAvgPool2d.Rounding.FLOOR);
  }

  /** Nearest upsampling by the integer factors that map the traced input to the traced output. */
  private ExportGraph.Upsample upsample(String layer, String scope, Event e) {
    long[] in = e.inputs().get(0).shape();
    long[] out = e.output().shape();
    if (out[2] % in[2] != 0 || out[3] % in[3] != 0) {
      throw new ExportException(
          layer,
          "nearest upsampling from "
              + in[2]
              + "x"
              + in[3]
              + " to "
              + out[2]
              + "x"
              + out[3]
              + " is not by integer factors, which is all the exported Resize holds");
    }
    return new ExportGraph.Upsample(layer, scope, in(e, 0), out(e), out[2] / in[2], out[3] / in[3]);
  }

  private static ConvAttrs convAttrs(Conv2dOptions o) {
    return new ConvAttrs(
        new long[] {o.kernelHeight(), o.kernelWidth()},
        new long[] {o.strideH(), o.strideW()},
        new long[] {o.padH(), o.padW(), o.padH(), o.padW()},
        new long[] {o.dilationH(), o.dilationW()},
        o.groups());
  }

  private static Weights weights(WeightLayer layer, WeightQuantizer wq) {
    float[] values = layer.weight().toFloatArray();
    long[] dims = layer.weight().shape();
    if (wq == null) {
      return new Weights(values, dims, null);
    }
    if (!wq.enabled()) {
      throw new ExportException(
          layer.name(), "weight quantization is disabled (is the model" + " still calibrating?)");
    }
    QuantTensor q = wq.quantize(layer.weight());
    WeightQuantConfig c = wq.config();
    return new Weights(
        values,
        dims,
        new WeightQuant(
            toInts(q.intValues()),
            q.scale().toFloatArray(),
            c.perChannel() && c.scaling() != ScalingImpl.CONST,
            c.bitWidth(),
            c.narrowRange(),
            c.binary()));
  }

  private static Bias bias(WeightLayer layer, BiasQuantizer bq, Float inputScale, Weights weights) {
    if (layer.bias() == null) {
      return null;
    }
    float[] values = layer.bias().toFloatArray();
    if (bq == null) {
      return new Bias(values, null);
    }
    if (!bq.enabled()) {
      throw new ExportException(
          layer.name(), "bias quantization is disabled (is the model still" + " calibrating?)");
    }
    if (inputScale == null || weights.quant() == null) {
      throw new ExportException(
          layer.name(),
          "Int"
              + bq.config().bitWidth()
              + "Bias needs a"
              + " quantized weight and a per-tensor input scale (a QuantTensor input or an input"
              + " quantizer)");
    }
    float[] weightScales = weights.quant().scales();
    IntRange r = bq.config().range();
    // The runtime's own rounding and clamping, against the scales the exporters write.
    float[] ints =
        FakeQuant.toInt(
            values,
            OnnxGraphBuilder.biasScales(inputScale, weightScales),
            1,
            0f,
            (float) r.min(),
            (float) r.max());
    return new Bias(
        values, new BiasQuant(toInts(ints), inputScale, weightScales, bq.config().bitWidth()));
  }

  private static ActQuant actQuant(String layer, ActQuantizer quantizer) {
    Tensor scale = quantizer.evalScale();
    if (scale.numel() != 1) {
      throw new ExportException(
          layer,
          "activation scale of shape " + Arrays.toString(scale.shape()) + " is not per-tensor");
    }
    ActQuantConfig c = quantizer.config();
    return new ActQuant(scale.item(), c.bitWidth(), c.signed(), c.narrowRange(), c.binary());
  }

  // ---------------------------------------------------------------------------------------------
  // BatchNorm

  /**
   * Writes an evaluation-mode BatchNorm1d/BatchNorm2d as its own step, or folds it (and always a
   * TensorNorm, whose single factor spans the whole tensor) as follows. Folds an evaluation-mode
   * BatchNorm2d, BatchNorm1d or TensorNorm into the exported constants of the convolution or linear
   * layer that produced its input: the layers themselves are left as they are. A TensorNorm's
   * single factor applies to every output channel.
   */
  private void batchNorm(Event e, BatchNorm bn) {
    Value input = in(e, 0);
    if (!foldBatchNorm && !(bn instanceof TensorNorm)) {
      add(
          new ExportGraph.BatchNormalization(
              bn.name(),
              bn.name(),
              input,
              out(e),
              // parameters(): the weight (gamma), then the bias (beta).
              bn.parameters().get(0).toFloatArray(),
              bn.parameters().get(1).toFloatArray(),
              bn.runningMean(),
              bn.runningVar(),
              bn.eps()));
      return;
    }
    Integer at = producers.get(input);
    Step producer = at == null ? null : steps.get(at);
    String kind = bn.getClass().getSimpleName();
    if (!(producer instanceof Compute conv) || uses.get(e.inputs().get(0)) != 1) {
      throw new ExportException(
          bn.name(),
          kind
              + " is exported folded into the convolution or linear"
              + " layer that produces its input; that input must come straight from such a layer without"
              + " an output quantizer and be used by nothing else");
    }
    if (conv.conv() != null && conv.conv().transposed()) {
      throw new ExportException(
          bn.name(),
          kind
              + " after the transposed convolution "
              + conv.layer()
              + " is not folded (its output channels are the weight's axis 1)");
    }
    if (bn.numFeatures() != 1 && conv.weights().dims()[0] != bn.numFeatures()) {
      throw new ExportException(
          bn.name(),
          bn.numFeatures()
              + " features after "
              + conv.layer()
              + " with "
              + conv.weights().dims()[0]
              + " output channels");
    }
    steps.set(at, BatchNormFold.fold(conv, bn));
    values.put(e.output(), input);
  }

  // ---------------------------------------------------------------------------------------------
  // Values

  private void add(Step step) {
    producers.put(step.output(), steps.size());
    steps.add(step);
  }

  private Value in(Event e, int index) {
    Value v = values.get(e.inputs().get(index));
    if (v == null) {
      throw new ExportException(
          eventName(e),
          "input "
              + index
              + " is neither the model input nor"
              + " the result of a traced layer or F operation (computed with Ops or created inside"
              + " forward?)");
    }
    return v;
  }

  private List<Value> ins(Event e) {
    List<Value> out = new ArrayList<>();
    for (int i = 0; i < e.inputs().size(); i++) {
      out.add(in(e, i));
    }
    return out;
  }

  /** A new value for the event's result. */
  private Value out(Event e) {
    Value v = new Value(e.output().shape());
    values.put(e.output(), v);
    return v;
  }

  private static String eventName(Event e) {
    return ForwardGraph.stepName(e.op(), e.layer());
  }

  private static ExportException unsupported(Module layer) {
    return new ExportException(
        layer.name(), layer.getClass().getSimpleName() + " has no ONNX export");
  }

  static int[] toInts(float[] integral) {
    int[] out = new int[integral.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = (int) integral[i];
    }
    return out;
  }
}
