package dev.qnn4j.processor.forward;

import dev.qnn4j.processor.forward.ForwardProgram.FCall;
import dev.qnn4j.processor.forward.ForwardProgram.LayerCall;
import dev.qnn4j.processor.forward.ForwardProgram.Unsupported;
import dev.qnn4j.processor.forward.ForwardProgram.Var;
import dev.qnn4j.processor.model.Geometry;
import dev.qnn4j.processor.model.LayerDescriptor;
import dev.qnn4j.processor.model.LayerKind;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A {@link ForwardProgram} as the sequence of kernel calls a compiled training step makes: every
 * value with its static per-sample size, produced by one {@link Op}. {@link #of} throws {@link
 * Unsupported}, saying why, for a forward the compiled step cannot follow yet (the model then
 * trains on the tape): a layer kind without compiled kernels, a size unknown at compile time, or a
 * value used twice (whose gradient would be a sum).
 *
 * @param nodes the values in the order forward computes them; the first is the input, the last the
 *     result
 */
public record StepPlan(List<Node> nodes) {
  /** How a value is computed. */
  public sealed interface Op
      permits Input,
          Conv,
          Dense,
          Relu,
          ActQuant,
          InputQuant,
          MaxPool,
          Flatten,
          BatchNorm,
          AvgPool,
          Add {}

  public record Input() implements Op {}

  /**
   * A {@code @Conv2d} layer held in field {@code field}, or a {@code @QuantConv2d} with a weight
   * quantizer ({@code quantWeight}) and, when {@code biasScale} is not null, a bias quantizer whose
   * scale is the weight scale times the input scale, which the quantizer of node {@code biasScale}
   * produced (see {@link #scaleSource}).
   */
  public record Conv(String field, Geometry.Conv geometry, boolean quantWeight, Node biasScale)
      implements Op {
    public Conv(String field, Geometry.Conv geometry, boolean quantWeight) {
      this(field, geometry, quantWeight, null);
    }
  }

  /**
   * A {@code @Linear} layer held in field {@code field}, or a {@code @QuantLinear} with a weight
   * quantizer and, when {@code biasScale} is not null, a bias quantizer (as {@link Conv}).
   */
  public record Dense(String field, Geometry.Dense geometry, boolean quantWeight, Node biasScale)
      implements Op {
    public Dense(String field, Geometry.Dense geometry, boolean quantWeight) {
      this(field, geometry, quantWeight, null);
    }
  }

  /** A {@code @ReLU} layer (its field) or {@code F.relu} (field null). */
  public record Relu(String field) implements Op {}

  /**
   * A {@code @QuantReLU} ({@code relu}: ReLU first) or {@code @QuantIdentity} with a float-scale
   * activation quantizer, held in field {@code field}; {@code quantTensor} when it returns a
   * QuantTensor, whose scale a following bias quantizer reads.
   */
  public record ActQuant(String field, boolean relu, boolean quantTensor) implements Op {
    public ActQuant(String field, boolean relu) {
      this(field, relu, false);
    }
  }

  /**
   * The input quantizer of the {@code @QuantConv2d} or {@code @QuantLinear} held in field {@code
   * field} (float statistics scale), which quantizes the layer's input to a QuantTensor before the
   * layer computes.
   */
  public record InputQuant(String field) implements Op {}

  public record MaxPool(int kernel, int stride, int padding) implements Op {}

  /** {@code F.flatten}: the same values, read as {@code [N, size]}. */
  public record Flatten() implements Op {}

  /**
   * A {@code @BatchNorm2d} or {@code @BatchNorm1d} layer held in field {@code field}: {@code
   * channels} features of {@code inner} values each per sample.
   */
  public record BatchNorm(String field, long channels, long inner) implements Op {}

  /**
   * Average pooling counting padding in the divisor: {@code F.avgPool2d} (field null) or an
   * {@code @AdaptiveAvgPool2d} on a tensor (its field), whose window and stride are the input size
   * over the output size.
   */
  public record AvgPool(
      String field, int kernelH, int kernelW, int strideH, int strideW, int padding)
      implements Op {}

  /**
   * {@code F.add} of two tensors: the node's input plus {@code other}. Either operand may also be
   * read elsewhere (a residual connection), so its gradient is the sum of two.
   */
  public record Add(Node other) implements Op {}

  /**
   * One value: {@code name} (unique, for its buffers), its shape without the batch, the op and its
   * input.
   */
  public record Node(String name, long[] dims, Op op, Node input) {
    public long size() {
      long n = 1;
      for (long d : dims) {
        n *= d;
      }
      return n;
    }
  }

  public Node input() {
    return nodes.get(0);
  }

  /**
   * The node whose activation quantizer produced the QuantTensor scale that {@code node}'s value
   * carries (through max-pooling and flattening, which keep it, as {@code F} does), or null for a
   * plain tensor.
   */
  public static Node scaleSource(Node node) {
    if (node.op() instanceof ActQuant a) {
      return a.quantTensor() ? node : null;
    }
    if (node.op() instanceof InputQuant) {
      return node;
    }
    if (node.op() instanceof MaxPool || node.op() instanceof Flatten) {
      return scaleSource(node.input());
    }
    return null;
  }

  public Node output() {
    return nodes.get(nodes.size() - 1);
  }

  /** The plan of {@code program}, whose return value is the model's output. */
  public static StepPlan of(
      ForwardProgram program, long[] inputShape, Map<String, LayerDescriptor> layers)
      throws Unsupported {
    if (inputShape == null) {
      throw new Unsupported("the model declares no inputShape", null);
    }
    Builder builder = new Builder(inputShape, layers);
    List<Node> results = program.run(builder);
    Node out = results.get(results.size() - 1);
    if (!(program.statements().get(program.statements().size() - 1)
        instanceof ForwardProgram.Return)) {
      throw new Unsupported("forward does not end with a return", null);
    }
    StepPlan plan = new StepPlan(List.copyOf(builder.nodes));
    plan.checkSharing();
    // Only values that lead to the result are computed; anything else forward evaluates is a
    // value the compiled step would drop, which would change what the tape records.
    Set<Node> reached = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    java.util.ArrayDeque<Node> pending = new java.util.ArrayDeque<>(List.of(out));
    while (!pending.isEmpty()) {
      Node n = pending.pop();
      if (reached.add(n)) {
        pending.addAll(inputsOf(n));
      }
    }
    if (reached.size() != builder.nodes.size()) {
      throw new Unsupported("forward computes values that do not reach its result", null);
    }
    if (out.dims.length != 1) {
      throw new Unsupported("the result is not [N, classes]", null);
    }
    return plan;
  }

  /** The values {@code node} reads: its input, and an {@link Add}'s other operand. */
  public static List<Node> inputsOf(Node node) {
    List<Node> inputs = new ArrayList<>(2);
    if (node.input() != null) {
      inputs.add(node.input());
    }
    if (node.op() instanceof Add add) {
      inputs.add(add.other());
    }
    return inputs;
  }

  /** The nodes that read {@code value}, in forward order. */
  public List<Node> consumers(Node value) {
    List<Node> consumers = new ArrayList<>(2);
    for (Node n : nodes) {
      if (inputsOf(n).contains(value)) {
        consumers.add(n);
      }
    }
    return consumers;
  }

  /**
   * A value may be read twice (the gradient of a residual connection is a sum of two, which is the
   * same in either order), not more, where a sum of three would depend on the tape's order; a
   * flatten shares its input's buffers, so neither side of it may be read twice.
   */
  private void checkSharing() throws Unsupported {
    for (Node n : nodes) {
      List<Node> consumers = consumers(n);
      if (n.op() instanceof Add add && add.other() == n.input()) {
        throw new Unsupported("F.add of " + n.input().name() + " with itself", null);
      }
      if (consumers.size() > 2) {
        throw new Unsupported(
            "the value " + n.name() + " is used " + consumers.size() + " times", null);
      }
      if (consumers.size() == 2
          && (n.op() instanceof Flatten
              || consumers.stream().anyMatch(c -> c.op() instanceof Flatten))) {
        throw new Unsupported("the value " + n.name() + " is used twice across a flatten", null);
      }
    }
  }

  private static final class Builder implements ForwardProgram.Semantics<Node> {
    private final long[] inputShape;
    private final Map<String, LayerDescriptor> layers;
    private final List<Node> nodes = new ArrayList<>();
    private final Map<String, Integer> names = new HashMap<>();
    private final java.util.Set<String> calledLayers = new java.util.HashSet<>();

    Builder(long[] inputShape, Map<String, LayerDescriptor> layers) {
      this.inputShape = inputShape;
      this.layers = layers;
    }

    @Override
    public Node parameter() {
      return add("input", inputShape, new Input(), null);
    }

    @Override
    public Node unassigned(Var variable) throws Unsupported {
      throw new Unsupported(
          "the local " + variable.name() + " is read before it is assigned", variable.tree());
    }

    @Override
    public Node layerCall(LayerCall call, List<Node> args) throws Unsupported {
      LayerDescriptor layer = layers.get(call.method());
      if (layer == null || args.size() != 1) {
        throw new Unsupported(call.method() + " is not a one-input layer", call.tree());
      }
      LayerKind kind = layer.requireKind();
      Node in = args.get(0);
      String field = layer.methodName();
      if (kind != LayerKind.RELU && !calledLayers.add(field)) {
        // The step keeps one set of buffers (and one quantizer record) per weight or quantizer
        // layer; a stateless @ReLU has buffers per call.
        throw new Unsupported(
            "@" + kind.simpleName() + " (" + field + ") is called at two places", call.tree());
      }
      boolean quantWeight = kind == LayerKind.QUANT_CONV2D || kind == LayerKind.QUANT_LINEAR;
      Node biasScale = null;
      if (quantWeight) {
        requireWeightQuantizerOnly(layer, call);
        if (layer.inputQuant().isPresent()) {
          in = add(field + "InputQuant", in.dims, new InputQuant(field), in);
        }
        if (layer.bias().isPresent()) {
          biasScale = scaleSource(in);
          if (biasScale == null) {
            throw new Unsupported(
                "@"
                    + kind.simpleName()
                    + " ("
                    + field
                    + ") quantizes its bias but its input is not a QuantTensor",
                call.tree());
          }
        }
      }
      return switch (kind) {
        case CONV2D, QUANT_CONV2D -> {
          Geometry.Conv g = layer.requireSpec().conv();
          if (in.dims.length != 3 || in.dims[0] != g.inChannels()) {
            throw new Unsupported(
                field + " receives " + java.util.Arrays.toString(in.dims), call.tree());
          }
          long oh =
              (in.dims[1] + 2L * g.padding() - (long) g.dilation() * (g.kernelSize() - 1) - 1)
                      / g.stride()
                  + 1;
          long ow =
              (in.dims[2] + 2L * g.padding() - (long) g.dilation() * (g.kernelSize() - 1) - 1)
                      / g.stride()
                  + 1;
          yield add(
              field,
              new long[] {g.outChannels(), oh, ow},
              new Conv(field, g, quantWeight, biasScale),
              in);
        }
        case LINEAR, QUANT_LINEAR -> {
          Geometry.Dense g = layer.requireSpec().dense();
          if (in.dims.length != 1 || in.dims[0] != g.inFeatures()) {
            throw new Unsupported(
                field + " receives " + java.util.Arrays.toString(in.dims), call.tree());
          }
          yield add(
              field, new long[] {g.outFeatures()}, new Dense(field, g, quantWeight, biasScale), in);
        }
        case RELU -> add(field, in.dims, new Relu(field), in);
        case QUANT_RELU, QUANT_IDENTITY -> {
          String what = "@" + kind.simpleName() + " (" + field + ")";
          requireCompiledActScale(layer.requireSpec().activation(), what, call);
          yield add(
              field,
              in.dims,
              new ActQuant(field, kind == LayerKind.QUANT_RELU, layer.returnsQuantTensor()),
              in);
        }
        case BATCH_NORM2D, BATCH_NORM1D -> batchNorm(layer, in, call);
        case ADAPTIVE_AVG_POOL2D -> adaptiveAvgPool(layer, in, call);
        default ->
            throw new Unsupported(
                "@" + kind.simpleName() + " (" + field + ") has no compiled kernels yet",
                call.tree());
      };
    }

    /**
     * An activation quantizer compiles with a float or power-of-two scale from statistics (then
     * learned), full or narrow range, or with a constant scale ({@code scalingImpl = CONST}, {@code
     * minVal}/{@code maxVal}), binary at one bit.
     */
    private static void requireCompiledActScale(
        dev.qnn4j.processor.model.ActQuantSpec spec, String what, LayerCall call)
        throws Unsupported {
      if (spec.scalingImpl() == dev.qnn4j.annotations.ScalingImpl.CONST) {
        return;
      }
      if (spec.fromRange()) {
        throw new Unsupported(
            what + " has a scale learned from its range, which has no compiled kernels yet",
            call.tree());
      }
    }

    /** {@code [C]}, {@code [C, L]} or {@code [C, H, W]} per sample: C channels of the rest. */
    private Node batchNorm(LayerDescriptor layer, Node in, LayerCall call) throws Unsupported {
      String field = layer.methodName();
      if (in.dims.length < 1 || in.dims[0] != layer.requireSpec().batchNorm().numFeatures()) {
        throw new Unsupported(
            field + " receives " + java.util.Arrays.toString(in.dims), call.tree());
      }
      long inner = in.size() / in.dims[0];
      return add(field, in.dims, new BatchNorm(field, in.dims[0], inner), in);
    }

    private Node adaptiveAvgPool(LayerDescriptor layer, Node in, LayerCall call)
        throws Unsupported {
      String field = layer.methodName();
      int out = layer.requireSpec().adaptive().outputSize();
      if (in.dims.length != 3 || in.dims[1] % out != 0 || in.dims[2] % out != 0) {
        throw new Unsupported(
            field + " receives " + java.util.Arrays.toString(in.dims), call.tree());
      }
      int kh = (int) (in.dims[1] / out);
      int kw = (int) (in.dims[2] / out);
      return add(
          field, new long[] {in.dims[0], out, out}, new AvgPool(field, kh, kw, kh, kw, 0), in);
    }

    /**
     * A quantized conv/linear compiles with statistics (float or power-of-two) or constant weight
     * scales (binary at one bit, narrow or full range), an optional input quantizer the
     * activations' rules allow and an optional bias quantizer; not with an output quantizer or a
     * QuantTensor result.
     */
    private static void requireWeightQuantizerOnly(LayerDescriptor layer, LayerCall call)
        throws Unsupported {
      String what = "@" + layer.requireKind().simpleName() + " (" + layer.methodName() + ")";
      if (layer.outputQuant().isPresent() || layer.returnsQuantTensor()) {
        throw new Unsupported(
            what + " quantizes its output, which has no compiled kernels yet", call.tree());
      }
      if (layer.inputQuant().isPresent()) {
        requireCompiledActScale(layer.inputQuant().get(), what + "'s input quantizer", call);
      }
    }

    @Override
    public Node function(FCall call, List<Node> tensors) throws Unsupported {
      Node x = tensors.get(0);
      switch (call.function()) {
        case "maxPool2d" -> {
          Long k = call.size(0);
          Long s = call.sizes().size() > 1 ? call.size(1) : k;
          Long p = call.sizes().size() > 2 ? call.size(2) : Long.valueOf(0);
          if (k == null || s == null || p == null || x.dims.length != 3) {
            throw new Unsupported("F.maxPool2d with sizes that are not constants", call.tree());
          }
          long oh = (x.dims[1] + 2 * p - k) / s + 1;
          long ow = (x.dims[2] + 2 * p - k) / s + 1;
          return add(
              "maxPool",
              new long[] {x.dims[0], oh, ow},
              new MaxPool(k.intValue(), s.intValue(), p.intValue()),
              x);
        }
        case "relu" -> {
          return add("relu", x.dims, new Relu(null), x);
        }
        case "avgPool2d" -> {
          Long k = call.size(0);
          Long s = call.sizes().size() > 1 ? call.size(1) : k;
          Long p = call.sizes().size() > 2 ? call.size(2) : Long.valueOf(0);
          if (k == null || s == null || p == null || x.dims.length != 3) {
            throw new Unsupported("F.avgPool2d with sizes that are not constants", call.tree());
          }
          long oh = (x.dims[1] + 2 * p - k) / s + 1;
          long ow = (x.dims[2] + 2 * p - k) / s + 1;
          int kernel = k.intValue();
          int stride = s.intValue();
          return add(
              "avgPool",
              new long[] {x.dims[0], oh, ow},
              new AvgPool(null, kernel, kernel, stride, stride, p.intValue()),
              x);
        }
        case "add" -> {
          Node y = tensors.get(1);
          if (!java.util.Arrays.equals(x.dims, y.dims)) {
            throw new Unsupported("F.add of values of different shapes", call.tree());
          }
          return add("add", x.dims, new Add(y), x);
        }
        case "flatten" -> {
          long n = 1;
          for (long d : x.dims) {
            n *= d;
          }
          return add("flatten", new long[] {n}, new Flatten(), x);
        }
        default ->
            throw new Unsupported(
                "F." + call.function() + " has no compiled kernels yet", call.tree());
      }
    }

    private Node add(String base, long[] dims, Op op, Node input) {
      int count = names.merge(base, 1, Integer::sum);
      boolean layerField =
          op instanceof Conv
              || op instanceof Dense
              || op instanceof ActQuant
              || op instanceof InputQuant
              || (op instanceof Relu r && r.field() != null)
              || op instanceof BatchNorm
              || (op instanceof AvgPool a && a.field() != null);
      String name = !layerField ? base + count : count == 1 ? base : base + "Call" + count;
      Node n = new Node(name, dims, op, input);
      nodes.add(n);
      return n;
    }
  }
}
