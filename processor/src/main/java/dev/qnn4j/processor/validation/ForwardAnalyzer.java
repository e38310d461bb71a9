package dev.qnn4j.processor.validation;

import dev.qnn4j.processor.forward.ForwardParser;
import dev.qnn4j.processor.forward.ForwardProgram;
import dev.qnn4j.processor.forward.ForwardProgram.FCall;
import dev.qnn4j.processor.forward.ForwardProgram.LayerCall;
import dev.qnn4j.processor.forward.ForwardProgram.Unsupported;
import dev.qnn4j.processor.forward.ForwardProgram.Var;
import dev.qnn4j.processor.model.ActQuantSpec;
import dev.qnn4j.processor.model.Geometry;
import dev.qnn4j.processor.model.LayerDescriptor;
import dev.qnn4j.processor.model.LayerKind;
import dev.qnn4j.processor.model.ModelDescriptor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.tools.Diagnostic.Kind;

/**
 * Follows shapes and quantization through the {@link ForwardProgram} of a model whose {@code
 * forward} is straight-line code, and reports:
 *
 * <ul>
 *   <li>shape mismatches between consecutive layers, with the runtime's message format
 *       ({@code <layer>: expected input <expected>, got <actual>}, batch written {@code N});
 *   <li>a stateful activation quantizer (QuantReLU, QuantIdentity) called at two places (warning);
 *   <li>the worst-case accumulator of each quantized conv/linear whose input bit width is known.
 * </ul>
 *
 * A forward outside the straight-line subset (a branch, a loop, a helper call) gets no report: the
 * runtime layers check shapes at the first forward instead.
 */
public final class ForwardAnalyzer {
  private final ForwardParser parser;

  public ForwardAnalyzer(ForwardParser parser) {
    this.parser = parser;
  }

  public void analyze(ModelDescriptor model, Diagnostics out) {
    if (model.forward() == null || !model.forward().getEnclosingElement().equals(model.type())) {
      return;
    }
    Map<String, LayerDescriptor> layers = new HashMap<>();
    for (LayerDescriptor l : model.layers()) {
      if (l.kind().isPresent()) {
        layers.putIfAbsent(l.methodName(), l);
      }
    }
    Run run;
    try {
      ForwardProgram program = parser.parse(model.forward(), model.type(), layers.keySet());
      if (program == null) {
        return;
      }
      run = new Run(model, program, layers);
      program.run(run);
    } catch (Unsupported notStraightLine) {
      return;
    }
    run.findings.forEach(out::add);
  }

  /** Quantization known at compile time: integers of {@code bits} bits, signed or not. */
  private record Quant(int bits, boolean signed) {}

  /**
   * What is known of a value: its shape without the batch ({@code null} = unknown rank, -1 = unknown
   * dimension) and its quantization ({@code null} = float or unknown).
   */
  private record Value(long[] dims, Quant quant) {
    static final Value UNKNOWN = new Value(null, null);

    Value withQuant(Quant q) {
      return new Value(dims, q);
    }

    Value withDims(long[] d) {
      return new Value(d, quant);
    }

    int rank() {
      return dims == null ? -1 : dims.length;
    }

    String shape() {
      return "[N" + Arrays.stream(dims).mapToObj(d -> ", " + (d < 0 ? "?" : Long.toString(d)))
          .collect(Collectors.joining()) + "]";
    }
  }

  /** One analysis: the values of forward, and what was found. */
  private static final class Run implements ForwardProgram.Semantics<Value> {
    private final ModelDescriptor model;
    private final ForwardProgram program;
    private final Map<String, LayerDescriptor> layers;
    private final Map<String, Integer> calls = new HashMap<>();
    private final List<Diagnostic> findings = new ArrayList<>();

    Run(ModelDescriptor model, ForwardProgram program, Map<String, LayerDescriptor> layers) {
      this.model = model;
      this.program = program;
      this.layers = layers;
    }

    @Override
    public Value parameter() {
      long[] shape = model.inputShape().isEmpty() ? null
          : model.inputShape().stream().mapToLong(Integer::longValue).toArray();
      return new Value(shape, null);
    }

    @Override
    public Value unassigned(Var variable) {
      return Value.UNKNOWN;
    }

    @Override
    public Value layerCall(LayerCall call, List<Value> args) {
      LayerDescriptor layer = layers.get(call.method());
      LayerKind kind = layer.requireKind();
      int count = calls.merge(call.method(), 1, Integer::sum);
      if (count == 2 && kind.role() == LayerKind.Role.QUANT_ACTIVATION) {
        findings.add(Diagnostic.atTree(Kind.WARNING, Messages.activationCalledTwice(layer.layerName(), kind),
            program.method(), call.tree(), program.unit()));
      }
      if (args.size() != kind.inputCount()) {
        return Value.UNKNOWN;
      }
      return apply(layer, kind, args);
    }

    private Value apply(LayerDescriptor layer, LayerKind kind, List<Value> args) {
      Value in = args.get(0);
      return switch (kind) {
        case QUANT_CONV2D, CONV2D -> {
          if (kind == LayerKind.QUANT_CONV2D) {
            checkAccumulator(layer, in);
          }
          long[] out = conv(layer, in);
          yield new Value(out, outputQuant(layer));
        }
        case QUANT_LINEAR, LINEAR -> {
          if (kind == LayerKind.QUANT_LINEAR) {
            checkAccumulator(layer, in);
          }
          int features = layer.requireSpec().dense().inFeatures();
          if (in.dims != null && (in.rank() != 1 || (in.dims[0] >= 0 && in.dims[0] != features))) {
            mismatch(layer, "[N, " + features + "] (in_features = " + features + ")", in, "inFeatures");
          }
          yield new Value(new long[] {layer.requireSpec().dense().outFeatures()}, outputQuant(layer));
        }
        case QUANT_RELU, QUANT_IDENTITY -> {
          ActQuantSpec q = layer.requireSpec().activation();
          yield new Value(in.dims, new Quant(q.bitWidth(), q.signed()));
        }
        case RELU -> in;
        case BATCH_NORM2D -> {
          int features = layer.requireSpec().batchNorm().numFeatures();
          if (in.dims != null && in.rank() != 3) {
            mismatch(layer, "a 4-d input [N, C, H, W]", in, null);
          } else if (in.dims != null && in.dims[0] >= 0 && in.dims[0] != features) {
            mismatch(layer, "[N, " + features + ", H, W] (num_features = " + features + ")", in, "numFeatures");
          }
          yield new Value(in.dims, null);
        }
        case QUANT_MAX_POOL2D -> {
          if (in.dims != null && in.rank() != 3) {
            mismatch(layer, "a 4-d input [N, C, H, W]", in, null);
            yield in.withDims(null);
          }
          Geometry.Pool p = layer.requireSpec().pool();
          yield in.withDims(pool(in.dims, p.kernelSize(), p.effectiveStride(), p.padding()));
        }
        case QUANT_ELTWISE_ADD -> {
          Value b = args.get(1);
          if (!sameShape(in, b)) {
            mismatch(layer, "two inputs of the same shape, the first " + in.shape(), b, null);
          }
          Quant q = layer.outputQuant().map(o -> new Quant(o.bitWidth(), o.signed())).orElse(sum(in.quant, b.quant));
          yield new Value(in.dims, q);
        }
      };
    }

    private long[] conv(LayerDescriptor layer, Value in) {
      Geometry.Conv geometry = layer.requireSpec().conv();
      int inChannels = geometry.inChannels();
      int outChannels = geometry.outChannels();
      if (in.dims == null) {
        return new long[] {outChannels, -1, -1};
      }
      if (in.rank() != 3) {
        mismatch(layer, "a 4-d input [N, " + inChannels + ", H, W]", in, null);
        return new long[] {outChannels, -1, -1};
      }
      if (in.dims[0] >= 0 && in.dims[0] != inChannels) {
        mismatch(layer, "[N, " + inChannels + ", H, W] (in_channels = " + inChannels + ")", in, "inChannels");
      }
      int k = geometry.kernelSize();
      int stride = geometry.stride();
      int pad = geometry.padding();
      int dilation = geometry.dilation();
      if (in.dims[1] < 0 || in.dims[2] < 0 || stride < 1) {
        return new long[] {outChannels, -1, -1};
      }
      long oh = (in.dims[1] + 2L * pad - (long) dilation * (k - 1) - 1) / stride + 1;
      long ow = (in.dims[2] + 2L * pad - (long) dilation * (k - 1) - 1) / stride + 1;
      if (oh < 1 || ow < 1) {
        mismatch(layer, "an input of at least the kernel's extent " + k + "x" + k + " after padding", in, null);
        return new long[] {outChannels, -1, -1};
      }
      return new long[] {outChannels, oh, ow};
    }

    private Quant outputQuant(LayerDescriptor layer) {
      return layer.outputQuant().map(o -> new Quant(o.bitWidth(), o.signed())).orElse(null);
    }

    private void checkAccumulator(LayerDescriptor layer, Value in) {
      // A layer with its own input quantizer is checked by the Validator whatever forward looks like.
      if (layer.inputQuant().isEmpty() && in.quant != null && Validator.isValidBits(in.quant.bits, true)) {
        Diagnostics d = new Diagnostics();
        Validator.checkAccumulator(layer, in.quant.bits, in.quant.signed, d);
        findings.addAll(d.all());
      }
    }

    @Override
    public Value function(FCall call, List<Value> tensors) {
      Value x = tensors.get(0);
      String name = call.function();
      switch (name) {
        case "maxPool2d", "avgPool2d" -> {
          if (x.dims != null && x.rank() != 3) {
            opMismatch(name, "a 4-d input [N, C, H, W]", x, call);
            return Value.UNKNOWN;
          }
          Long k = call.size(0);
          Long s = call.sizes().size() > 1 ? call.size(1) : k;
          Long p = call.sizes().size() > 2 ? call.size(2) : Long.valueOf(0);
          long[] dims = k == null || s == null || p == null ? null : pool(x.dims, k, s, p);
          return new Value(dims, name.equals("maxPool2d") ? x.quant : null);
        }
        case "relu" -> {
          return x;
        }
        case "flatten" -> {
          if (x.dims == null) {
            return new Value(new long[] {-1}, x.quant);
          }
          long n = 1;
          for (long d : x.dims) {
            n = d < 0 || n < 0 ? -1 : n * d;
          }
          return x.withDims(new long[] {n});
        }
        case "add" -> {
          if (tensors.size() != 2 || !call.sizes().isEmpty()) {
            return Value.UNKNOWN;
          }
          Value b = tensors.get(1);
          if (!sameShape(x, b)) {
            opMismatch("add", "two tensors of shape " + x.shape(), b, call);
          }
          return new Value(x.dims, sum(x.quant, b.quant));
        }
        default -> {
          // reshape and anything newer: the result's shape is not tracked.
          return new Value(null, name.equals("reshape") ? x.quant : null);
        }
      }
    }

    private long[] pool(long[] dims, long k, long s, long p) {
      if (dims == null || dims.length != 3) {
        return null;
      }
      if (dims[1] < 0 || dims[2] < 0 || s < 1) {
        return new long[] {dims[0], -1, -1};
      }
      return new long[] {dims[0], (dims[1] + 2 * p - k) / s + 1, (dims[2] + 2 * p - k) / s + 1};
    }

    private boolean sameShape(Value a, Value b) {
      if (a.dims == null || b.dims == null) {
        return true;
      }
      if (a.rank() != b.rank()) {
        return false;
      }
      for (int i = 0; i < a.dims.length; i++) {
        if (a.dims[i] >= 0 && b.dims[i] >= 0 && a.dims[i] != b.dims[i]) {
          return false;
        }
      }
      return true;
    }

    /** The sum of two quantized values needs one more bit than the wider one. */
    private Quant sum(Quant a, Quant b) {
      return a == null || b == null ? null : new Quant(Math.max(a.bits, b.bits) + 1, a.signed || b.signed);
    }

    private void mismatch(LayerDescriptor layer, String expected, Value actual, String attribute) {
      AnnotationMirror mirror = layer.mirror();
      AnnotationValue value = attribute == null ? null : layer.anchor().value(attribute);
      findings.add(Diagnostic.error(message(layer.layerName(), expected, actual), layer.method(), mirror, value));
    }

    private void opMismatch(String op, String expected, Value actual, FCall call) {
      findings.add(Diagnostic.atTree(Kind.ERROR, message(op, expected, actual), program.method(), call.tree(),
          program.unit()));
    }

    /** The runtime's LayerShapeException format, with the batch dimension written N. */
    private String message(String layer, String expected, Value actual) {
      return Messages.shapeMismatch(layer, expected, actual.shape());
    }
  }
}
