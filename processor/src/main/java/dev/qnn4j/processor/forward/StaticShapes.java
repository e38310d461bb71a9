package dev.qnn4j.processor.forward;

import dev.qnn4j.processor.forward.ForwardProgram.FCall;
import dev.qnn4j.processor.forward.ForwardProgram.LayerCall;
import dev.qnn4j.processor.forward.ForwardProgram.Var;
import dev.qnn4j.processor.model.ActQuantSpec;
import dev.qnn4j.processor.model.Geometry;
import dev.qnn4j.processor.model.LayerDescriptor;
import dev.qnn4j.processor.model.LayerKind;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The static shapes and quantization of a {@link ForwardProgram}'s values, from the model's input
 * shape and its layers' specs: what the runtime would compute, known at compile time (dimensions
 * that depend on an unknown size are unknown). What does not fit, and every layer call, is told to
 * a {@link Listener}, which decides what to report.
 */
public final class StaticShapes implements ForwardProgram.Semantics<StaticShapes.Value> {
  /** Quantization known at compile time: integers of {@code bits} bits, signed or not. */
  public record Quant(int bits, boolean signed) {}

  /**
   * What is known of a value: its shape without the batch ({@code null} = unknown rank, -1 =
   * unknown dimension) and its quantization ({@code null} = float or unknown).
   */
  public record Value(long[] dims, Quant quant) {
    public static final Value UNKNOWN = new Value(null, null);

    Value withDims(long[] d) {
      return new Value(d, quant);
    }

    public int rank() {
      return dims == null ? -1 : dims.length;
    }

    /** {@code [N, C, H, W]}, an unknown dimension written {@code ?}. */
    public String shape() {
      return "[N"
          + Arrays.stream(dims)
              .mapToObj(d -> ", " + (d < 0 ? "?" : Long.toString(d)))
              .collect(Collectors.joining())
          + "]";
    }
  }

  /** What following the values finds. */
  public interface Listener {
    /**
     * {@code layer}'s input {@code actual} is not {@code expected} (words for a message); {@code
     * attribute} is the layer attribute it contradicts, or null.
     */
    void layerMismatch(LayerDescriptor layer, String expected, Value actual, String attribute);

    /** The {@code F} call's input does not fit. */
    void functionMismatch(FCall call, String function, String expected, Value actual);

    /** {@code layer} is called for the {@code count}-th time, at {@code call}. */
    void layerCalled(LayerCall call, LayerDescriptor layer, int count);

    /** A concatenation's inputs are quantized differently, so their scales can never agree. */
    void quantizationMismatch(LayerDescriptor layer, Quant first, Quant other);

    /** A quantized conv/linear receives {@code input}. */
    void quantizedInput(LayerDescriptor layer, Value input);
  }

  private final long[] inputShape;
  private final Map<String, LayerDescriptor> layers;
  private final Listener listener;
  private final Map<String, Integer> calls = new HashMap<>();

  /**
   * @param inputShape the model's input shape without the batch, or null when undeclared
   * @param layers the model's layer methods with a layer annotation, by method name
   */
  public StaticShapes(long[] inputShape, Map<String, LayerDescriptor> layers, Listener listener) {
    this.inputShape = inputShape;
    this.layers = layers;
    this.listener = listener;
  }

  @Override
  public Value parameter() {
    return new Value(inputShape, null);
  }

  @Override
  public Value unassigned(Var variable) {
    return Value.UNKNOWN;
  }

  @Override
  public Value layerCall(LayerCall call, List<Value> args) {
    LayerDescriptor layer = layers.get(call.method());
    LayerKind kind = layer.requireKind();
    listener.layerCalled(call, layer, calls.merge(call.method(), 1, Integer::sum));
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
          listener.quantizedInput(layer, in);
        }
        long[] out = conv(layer, in);
        yield new Value(out, outputQuant(layer));
      }
      case QUANT_CONV1D -> {
        listener.quantizedInput(layer, in);
        Geometry.Conv g = layer.requireSpec().conv();
        if (in.dims == null) {
          yield new Value(null, outputQuant(layer));
        }
        if (in.rank() != 2 || (in.dims[0] >= 0 && in.dims[0] != g.inChannels())) {
          listener.layerMismatch(
              layer,
              "[N, " + g.inChannels() + ", L] (in_channels = " + g.inChannels() + ")",
              in,
              in.rank() == 2 ? "inChannels" : null);
          yield new Value(null, outputQuant(layer));
        }
        long l =
            in.dims[1] < 0
                ? -1
                : (in.dims[1] + 2L * g.padding() - (long) g.dilation() * (g.kernelSize() - 1) - 1)
                        / g.stride()
                    + 1;
        yield new Value(new long[] {g.outChannels(), l}, outputQuant(layer));
      }
      case QUANT_CONV_TRANSPOSE2D -> {
        listener.quantizedInput(layer, in);
        Geometry.ConvTranspose g = layer.requireSpec().convTranspose();
        if (in.dims == null) {
          yield new Value(null, outputQuant(layer));
        }
        if (in.rank() != 3 || (in.dims[0] >= 0 && in.dims[0] != g.inChannels())) {
          listener.layerMismatch(
              layer,
              "[N, " + g.inChannels() + ", H, W] (in_channels = " + g.inChannels() + ")",
              in,
              in.rank() == 3 ? "inChannels" : null);
          yield new Value(null, outputQuant(layer));
        }
        long[] d = {g.outChannels(), -1, -1};
        for (int i = 1; i <= 2; i++) {
          d[i] =
              in.dims[i] < 0
                  ? -1
                  : (in.dims[i] - 1) * g.stride()
                      - 2L * g.padding()
                      + (long) g.dilation() * (g.kernelSize() - 1)
                      + g.outputPadding()
                      + 1;
        }
        yield new Value(d, outputQuant(layer));
      }
      case QUANT_LINEAR, LINEAR -> {
        if (kind == LayerKind.QUANT_LINEAR) {
          listener.quantizedInput(layer, in);
        }
        int features = layer.requireSpec().dense().inFeatures();
        if (in.dims != null && (in.rank() != 1 || (in.dims[0] >= 0 && in.dims[0] != features))) {
          listener.layerMismatch(
              layer, "[N, " + features + "] (in_features = " + features + ")", in, "inFeatures");
        }
        yield new Value(new long[] {layer.requireSpec().dense().outFeatures()}, outputQuant(layer));
      }
      case QUANT_RELU, QUANT_IDENTITY, QUANT_HARD_TANH, QUANT_SIGMOID, QUANT_TANH -> {
        ActQuantSpec q = layer.requireSpec().activation();
        yield new Value(in.dims, new Quant(q.bitWidth(), q.signed()));
      }
      case RELU -> in;
      case BATCH_NORM2D -> {
        int features = layer.requireSpec().batchNorm().numFeatures();
        if (in.dims != null && in.rank() != 3) {
          listener.layerMismatch(layer, "a 4-d input [N, C, H, W]", in, null);
        } else if (in.dims != null && in.dims[0] >= 0 && in.dims[0] != features) {
          listener.layerMismatch(
              layer,
              "[N, " + features + ", H, W] (num_features = " + features + ")",
              in,
              "numFeatures");
        }
        yield new Value(in.dims, null);
      }
      case BATCH_NORM1D -> {
        int features = layer.requireSpec().batchNorm().numFeatures();
        if (in.dims != null && in.rank() != 1 && in.rank() != 2) {
          listener.layerMismatch(layer, "a 2-d input [N, C] or 3-d input [N, C, L]", in, null);
        } else if (in.dims != null && in.dims[0] >= 0 && in.dims[0] != features) {
          listener.layerMismatch(
              layer, "[N, " + features + "] (num_features = " + features + ")", in, "numFeatures");
        }
        yield new Value(in.dims, null);
      }
      case TENSOR_NORM, DROPOUT -> new Value(in.dims, null);
      case TRUNC_AVG_POOL2D, TRUNC_ADAPTIVE_AVG_POOL2D -> {
        Geometry.Trunc t = layer.requireSpec().trunc();
        Quant q = in.quant == null ? null : new Quant(t.bitWidth(), in.quant.signed());
        if (in.dims != null && in.rank() != 3) {
          listener.layerMismatch(layer, "a 4-d input [N, C, H, W]", in, null);
          yield new Value(null, q);
        }
        if (t.outputSize() > 0) {
          yield new Value(
              in.dims == null ? null : new long[] {in.dims[0], t.outputSize(), t.outputSize()}, q);
        }
        yield new Value(pool(in.dims, t.kernelSize(), t.effectiveStride(), 0), q);
      }
      case ADAPTIVE_AVG_POOL2D -> {
        int out = layer.requireSpec().adaptive().outputSize();
        if (in.dims != null
            && (in.rank() != 3
                || (in.dims[1] >= 0 && in.dims[1] % out != 0)
                || (in.dims[2] >= 0 && in.dims[2] % out != 0))) {
          listener.layerMismatch(
              layer, "[N, C, H, W] with H and W multiples of outputSize " + out, in, "outputSize");
          yield Value.UNKNOWN;
        }
        yield new Value(in.dims == null ? null : new long[] {in.dims[0], out, out}, null);
      }
      case QUANT_UPSAMPLE -> {
        Geometry.Upsample u = layer.requireSpec().upsample();
        if (in.dims != null && in.rank() != 3) {
          listener.layerMismatch(layer, "a 4-d input [N, C, H, W]", in, null);
          yield in.withDims(null);
        }
        if (in.dims == null) {
          yield in;
        }
        yield in.withDims(
            u.scaleFactor() > 0
                ? new long[] {
                  in.dims[0], times(in.dims[1], u.scaleFactor()), times(in.dims[2], u.scaleFactor())
                }
                : new long[] {in.dims[0], u.height(), u.width()});
      }
      case QUANT_CAT -> {
        Value b = args.get(1);
        if (in.quant != null && b.quant != null && !in.quant.equals(b.quant)) {
          listener.quantizationMismatch(layer, in.quant, b.quant);
        }
        if (in.dims == null || b.dims == null) {
          yield new Value(null, in.quant);
        }
        if (in.rank() != b.rank()
            || in.rank() < 1
            || !Arrays.equals(
                Arrays.copyOfRange(in.dims, 1, in.rank()),
                Arrays.copyOfRange(b.dims, 1, b.rank()))) {
          listener.layerMismatch(
              layer,
              "two inputs equal in every dimension but the channels, the first " + in.shape(),
              b,
              null);
          yield new Value(null, in.quant);
        }
        long[] d = in.dims.clone();
        d[0] = in.dims[0] < 0 || b.dims[0] < 0 ? -1 : in.dims[0] + b.dims[0];
        yield new Value(d, in.quant);
      }
      case QUANT_MAX_POOL2D -> {
        if (in.dims != null && in.rank() != 3) {
          listener.layerMismatch(layer, "a 4-d input [N, C, H, W]", in, null);
          yield in.withDims(null);
        }
        Geometry.Pool p = layer.requireSpec().pool();
        yield in.withDims(pool(in.dims, p.kernelSize(), p.effectiveStride(), p.padding()));
      }
      case QUANT_ELTWISE_ADD -> {
        Value b = args.get(1);
        if (!sameShape(in, b)) {
          listener.layerMismatch(
              layer, "two inputs of the same shape, the first " + in.shape(), b, null);
        }
        Quant q =
            layer
                .outputQuant()
                .map(o -> new Quant(o.bitWidth(), o.signed()))
                .orElse(sum(in.quant, b.quant));
        yield new Value(in.dims, q);
      }
    };
  }

  private static long times(long d, int factor) {
    return d < 0 ? -1 : d * factor;
  }

  private long[] conv(LayerDescriptor layer, Value in) {
    Geometry.Conv geometry = layer.requireSpec().conv();
    int inChannels = geometry.inChannels();
    int outChannels = geometry.outChannels();
    if (in.dims == null) {
      return new long[] {outChannels, -1, -1};
    }
    if (in.rank() != 3) {
      listener.layerMismatch(layer, "a 4-d input [N, " + inChannels + ", H, W]", in, null);
      return new long[] {outChannels, -1, -1};
    }
    if (in.dims[0] >= 0 && in.dims[0] != inChannels) {
      listener.layerMismatch(
          layer,
          "[N, " + inChannels + ", H, W] (in_channels = " + inChannels + ")",
          in,
          "inChannels");
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
      listener.layerMismatch(
          layer,
          "an input of at least the kernel's extent " + k + "x" + k + " after padding",
          in,
          null);
      return new long[] {outChannels, -1, -1};
    }
    return new long[] {outChannels, oh, ow};
  }

  private Quant outputQuant(LayerDescriptor layer) {
    return layer.outputQuant().map(o -> new Quant(o.bitWidth(), o.signed())).orElse(null);
  }

  @Override
  public Value function(FCall call, List<Value> tensors) {
    Value x = tensors.get(0);
    String name = call.function();
    switch (name) {
      case "maxPool2d", "avgPool2d" -> {
        if (x.dims != null && x.rank() != 3) {
          listener.functionMismatch(call, name, "a 4-d input [N, C, H, W]", x);
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
      case "affine" -> {
        // Elementwise float arithmetic: the shape stays, the values are no longer quantized.
        return new Value(x.dims, null);
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
          listener.functionMismatch(call, "add", "two tensors of shape " + x.shape(), b);
        }
        return new Value(x.dims, sum(x.quant, b.quant));
      }
      case "upsampleNearest" -> {
        if (x.dims != null && x.rank() != 3) {
          listener.functionMismatch(call, name, "a 4-d input [N, C, H, W]", x);
          return Value.UNKNOWN;
        }
        if (x.dims == null) {
          return x;
        }
        if (call.sizes().size() == 1 && call.size(0) != null) {
          long f = call.size(0);
          return x.withDims(
              new long[] {
                x.dims[0], x.dims[1] < 0 ? -1 : x.dims[1] * f, x.dims[2] < 0 ? -1 : x.dims[2] * f
              });
        }
        if (call.sizes().size() == 2 && call.size(0) != null && call.size(1) != null) {
          return x.withDims(new long[] {x.dims[0], call.size(0), call.size(1)});
        }
        return x.withDims(new long[] {x.dims[0], -1, -1});
      }
      case "cat" -> {
        if (tensors.size() != 2) {
          return Value.UNKNOWN;
        }
        Value b = tensors.get(1);
        if (x.dims == null || b.dims == null) {
          return Value.UNKNOWN;
        }
        if (x.rank() != b.rank()
            || x.rank() < 1
            || !Arrays.equals(
                Arrays.copyOfRange(x.dims, 1, x.rank()), Arrays.copyOfRange(b.dims, 1, b.rank()))) {
          listener.functionMismatch(
              call,
              "cat",
              "tensors equal in every dimension but the channels, the first " + x.shape(),
              b);
          return Value.UNKNOWN;
        }
        long[] d = x.dims.clone();
        d[0] = x.dims[0] < 0 || b.dims[0] < 0 ? -1 : x.dims[0] + b.dims[0];
        return new Value(d, null);
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
    return a == null || b == null
        ? null
        : new Quant(Math.max(a.bits, b.bits) + 1, a.signed || b.signed);
  }
}
