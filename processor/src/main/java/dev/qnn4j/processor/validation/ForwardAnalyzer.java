package dev.qnn4j.processor.validation;

import com.sun.source.tree.AssignmentTree;
import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.ExpressionStatementTree;
import com.sun.source.tree.ExpressionTree;
import com.sun.source.tree.IdentifierTree;
import com.sun.source.tree.ImportTree;
import com.sun.source.tree.LiteralTree;
import com.sun.source.tree.MemberSelectTree;
import com.sun.source.tree.MethodInvocationTree;
import com.sun.source.tree.MethodTree;
import com.sun.source.tree.ParenthesizedTree;
import com.sun.source.tree.ReturnTree;
import com.sun.source.tree.StatementTree;
import com.sun.source.tree.Tree;
import com.sun.source.tree.TypeCastTree;
import com.sun.source.tree.VariableTree;
import com.sun.source.util.TreePath;
import com.sun.source.util.Trees;
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
import javax.lang.model.element.ExecutableElement;
import javax.tools.Diagnostic.Kind;

/**
 * Reads {@code forward}'s body with javac's tree API and, when it is straight-line code (local
 * declarations, assignments and returns whose expressions are layer-method calls, {@code F.*} calls,
 * variables, casts and int literals), follows shapes and quantization through it:
 *
 * <ul>
 *   <li>shape mismatches between consecutive layers, with the runtime's message format
 *       ({@code <layer>: expected input <expected>, got <actual>}, batch written {@code N});
 *   <li>a stateful activation quantizer (QuantReLU, QuantIdentity) called at two places (warning);
 *   <li>the worst-case accumulator of each quantized conv/linear whose input bit width is known.
 * </ul>
 *
 * Anything else (a branch, a loop, a helper call) makes the body not straight-line, and the method
 * reports nothing: the runtime layers check shapes at the first forward instead.
 */
public final class ForwardAnalyzer {
  private static final String F_CLASS = "dev.qnn4j.runtime.F";

  private final Trees trees;

  public ForwardAnalyzer(Trees trees) {
    this.trees = trees;
  }

  public void analyze(ModelDescriptor model, Diagnostics out) {
    ExecutableElement forward = model.forward();
    if (forward == null || !forward.getEnclosingElement().equals(model.type())) {
      return;
    }
    TreePath path = trees.getPath(forward);
    if (path == null || !(path.getLeaf() instanceof MethodTree method) || method.getBody() == null) {
      return;
    }
    Run run = new Run(model, forward, method, path.getCompilationUnit());
    try {
      run.execute();
    } catch (NotStraightLine e) {
      return;
    }
    run.findings.forEach(out::add);
  }

  /** Thrown when the body leaves the straight-line subset. */
  private static final class NotStraightLine extends Exception {
    private static final long serialVersionUID = 1L;

    NotStraightLine() {
      super(null, null, false, false);
    }
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

  private final class Run {
    private final ModelDescriptor model;
    private final ExecutableElement forward;
    private final MethodTree method;
    private final CompilationUnitTree unit;
    private final Map<String, LayerDescriptor> layers = new HashMap<>();
    private final Map<String, Value> locals = new HashMap<>();
    private final Map<String, Integer> calls = new HashMap<>();
    private final List<Diagnostic> findings = new ArrayList<>();
    private final boolean importsF;

    Run(ModelDescriptor model, ExecutableElement forward, MethodTree method, CompilationUnitTree unit) {
      this.model = model;
      this.forward = forward;
      this.method = method;
      this.unit = unit;
      for (LayerDescriptor l : model.layers()) {
        if (l.kind().isPresent()) {
          layers.putIfAbsent(l.methodName(), l);
        }
      }
      boolean imported = false;
      for (ImportTree i : unit.getImports()) {
        String name = i.getQualifiedIdentifier().toString();
        imported |= !i.isStatic() && (name.equals(F_CLASS) || name.equals("dev.qnn4j.runtime.*"));
      }
      this.importsF = imported || String.valueOf(unit.getPackageName()).equals("dev.qnn4j.runtime");
    }

    void execute() throws NotStraightLine {
      String input = method.getParameters().get(0).getName().toString();
      long[] shape = model.inputShape().isEmpty() ? null
          : model.inputShape().stream().mapToLong(Integer::longValue).toArray();
      locals.put(input, new Value(shape, null));
      for (StatementTree s : method.getBody().getStatements()) {
        if (s instanceof VariableTree v) {
          locals.put(v.getName().toString(), v.getInitializer() == null ? Value.UNKNOWN : eval(v.getInitializer()));
        } else if (s instanceof ExpressionStatementTree e && e.getExpression() instanceof AssignmentTree a
            && a.getVariable() instanceof IdentifierTree target && locals.containsKey(target.getName().toString())) {
          locals.put(target.getName().toString(), eval(a.getExpression()));
        } else if (s instanceof ExpressionStatementTree e && e.getExpression() instanceof MethodInvocationTree call) {
          eval(call);
        } else if (s instanceof ReturnTree r) {
          if (r.getExpression() != null) {
            eval(r.getExpression());
          }
          return;
        } else {
          throw new NotStraightLine();
        }
      }
    }

    private Value eval(ExpressionTree e) throws NotStraightLine {
      if (e instanceof ParenthesizedTree p) {
        return eval(p.getExpression());
      }
      if (e instanceof TypeCastTree c) {
        return eval(c.getExpression());
      }
      if (e instanceof IdentifierTree id && locals.containsKey(id.getName().toString())) {
        return locals.get(id.getName().toString());
      }
      if (e instanceof MethodInvocationTree call) {
        ExpressionTree select = call.getMethodSelect();
        if (select instanceof IdentifierTree id) {
          return layerCall(id.getName().toString(), call);
        }
        if (select instanceof MemberSelectTree m) {
          String owner = m.getExpression().toString();
          if (owner.equals("this")) {
            return layerCall(m.getIdentifier().toString(), call);
          }
          if (owner.equals(F_CLASS) || (owner.equals("F") && importsF)) {
            return functional(m.getIdentifier().toString(), call);
          }
        }
      }
      throw new NotStraightLine();
    }

    private Value layerCall(String methodName, MethodInvocationTree call) throws NotStraightLine {
      LayerDescriptor layer = layers.get(methodName);
      if (layer == null) {
        throw new NotStraightLine();
      }
      List<Value> args = new ArrayList<>();
      for (ExpressionTree a : call.getArguments()) {
        args.add(eval(a));
      }
      LayerKind kind = layer.requireKind();
      int count = calls.merge(methodName, 1, Integer::sum);
      if (count == 2 && kind.role() == LayerKind.Role.QUANT_ACTIVATION) {
        findings.add(Diagnostic.atTree(Kind.WARNING, layer.layerName() + " (" + kind.simpleName()
            + ") is called at two places in forward: activation quantizers are stateful, each instance keeps its"
            + " own statistics, so reusing one mixes the statistics of two places; declare one layer method"
            + " per place", forward, call, unit));
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

    private Value functional(String name, MethodInvocationTree call) throws NotStraightLine {
      List<? extends ExpressionTree> args = call.getArguments();
      if (args.isEmpty()) {
        throw new NotStraightLine();
      }
      Value x = eval(args.get(0));
      switch (name) {
        case "maxPool2d", "avgPool2d" -> {
          if (x.dims != null && x.rank() != 3) {
            opMismatch(name, "a 4-d input [N, C, H, W]", x, call);
            return Value.UNKNOWN;
          }
          Long k = intLiteral(args, 1);
          Long s = args.size() > 2 ? intLiteral(args, 2) : k;
          Long p = args.size() > 3 ? intLiteral(args, 3) : Long.valueOf(0);
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
          if (args.size() != 2) {
            return Value.UNKNOWN;
          }
          Value b = eval(args.get(1));
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

    private Long intLiteral(List<? extends ExpressionTree> args, int i) {
      if (i < args.size() && args.get(i) instanceof LiteralTree l && l.getValue() instanceof Integer v) {
        return v.longValue();
      }
      return null;
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

    private void opMismatch(String op, String expected, Value actual, Tree call) {
      findings.add(Diagnostic.atTree(Kind.ERROR, message(op, expected, actual), forward, call, unit));
    }

    /** The runtime's LayerShapeException format, with the batch dimension written N. */
    private String message(String layer, String expected, Value actual) {
      return layer + ": expected input " + expected + ", got " + actual.shape();
    }
  }
}
