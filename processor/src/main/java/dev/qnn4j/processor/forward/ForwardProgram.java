package dev.qnn4j.processor.forward;

import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.Tree;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.lang.model.element.ExecutableElement;

/**
 * A model's {@code forward} as straight-line code, the one representation every reader of forward
 * uses (the shape and accumulator checks, automated quantization, and the generated code built from
 * them): statements (local declarations, assignments, calls, one final return) over expressions
 * that are locals, layer-method calls and {@code F} calls whose sizes are integer constants. Casts
 * and parentheses are dropped. Every node keeps its javac tree, to anchor diagnostics. {@link
 * ForwardParser} builds it; {@link #run} follows values through it.
 *
 * @param method the {@code forward} method
 * @param parameter the name of its parameter
 * @param locals the parameter and every local variable
 */
public record ForwardProgram(
    ExecutableElement method,
    CompilationUnitTree unit,
    String parameter,
    List<Stmt> statements,
    Set<String> locals) {

  /**
   * {@code F} functions and how many of their leading arguments are tensors; the rest are sizes.
   */
  public static final Map<String, Integer> FUNCTIONS =
      Map.of(
          "maxPool2d",
          1,
          "avgPool2d",
          1,
          "relu",
          1,
          "flatten",
          1,
          "reshape",
          1,
          "add",
          2,
          "upsampleNearest",
          1,
          "cat",
          2,
          "affine",
          1);

  public ForwardProgram {
    statements = List.copyOf(statements);
    locals = Set.copyOf(locals);
  }

  /** An expression of the subset. */
  public sealed interface Expr permits Var, LayerCall, FCall {
    /**
     * The source expression, or null for one the processor wrote (a renamed variable keeps its
     * tree).
     */
    Tree tree();
  }

  /** A local variable or the parameter. */
  public record Var(String name, Tree tree) implements Expr {}

  /** A call of a layer method of the model, by method name. */
  public record LayerCall(String method, List<Expr> args, Tree tree) implements Expr {
    public LayerCall {
      args = List.copyOf(args);
    }
  }

  /**
   * A call {@code F.<function>(tensors..., sizes...)}. A function not in {@link #FUNCTIONS} is kept
   * (its first argument as the tensor) so that the checks can go on past it; {@link #known} says.
   */
  public record FCall(String function, List<Expr> tensors, List<Size> sizes, Tree tree)
      implements Expr {
    public FCall {
      tensors = List.copyOf(tensors);
      sizes = List.copyOf(sizes);
    }

    public boolean known() {
      return FUNCTIONS.containsKey(function);
    }

    /** The {@code i}-th size, or null when absent or not a compile-time constant. */
    public Long size(int i) {
      return i < sizes.size() ? sizes.get(i).value() : null;
    }
  }

  /**
   * A size argument of an {@code F} call: its value when an integer compile-time constant, else
   * null.
   */
  public record Size(Long value, Tree tree) {}

  /** A statement of the subset. */
  public sealed interface Stmt permits Declare, Assign, Evaluate, Return {}

  /** {@code T name;} or {@code T name = init;} ({@code init} null for the former). */
  public record Declare(String name, Expr init) implements Stmt {}

  public record Assign(String name, Expr value) implements Stmt {}

  /** A call whose result is unused. */
  public record Evaluate(Expr expr) implements Stmt {}

  public record Return(Expr value) implements Stmt {}

  /**
   * The body leaves the subset (or an analysis cannot follow it) at {@code tree}; the message says
   * how.
   */
  public static final class Unsupported extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient Tree tree;

    public Unsupported(String what, Tree tree) {
      super(what, null, false, false);
      this.tree = tree;
    }

    /** Where, or null when nowhere in particular. */
    public Tree tree() {
      return tree;
    }
  }

  /**
   * What an analysis knows of values: {@link #run} evaluates every expression bottom-up in source
   * order and asks the analysis for the value of each call.
   *
   * @param <V> what the analysis knows of one value
   */
  public interface Semantics<V> {
    V parameter();

    /** A local read before any value was assigned to it. */
    V unassigned(Var variable) throws Unsupported;

    V layerCall(LayerCall call, List<V> args) throws Unsupported;

    /** {@code tensors} are the values of {@code call.tensors()}. */
    V function(FCall call, List<V> tensors) throws Unsupported;
  }

  /**
   * Follows the statements with {@code semantics}; returns the value of each statement's
   * expression, in order (null for a declaration without initializer).
   */
  public <V> List<V> run(Semantics<V> semantics) throws Unsupported {
    Map<String, V> values = new HashMap<>();
    values.put(parameter, semantics.parameter());
    List<V> out = new ArrayList<>();
    for (Stmt s : statements) {
      V v = null;
      if (s instanceof Declare d && d.init() != null) {
        v = eval(d.init(), values, semantics);
        values.put(d.name(), v);
      } else if (s instanceof Assign a) {
        v = eval(a.value(), values, semantics);
        values.put(a.name(), v);
      } else if (s instanceof Evaluate e) {
        v = eval(e.expr(), values, semantics);
      } else if (s instanceof Return r) {
        v = eval(r.value(), values, semantics);
      }
      out.add(v);
    }
    return out;
  }

  private static <V> V eval(Expr e, Map<String, V> values, Semantics<V> semantics)
      throws Unsupported {
    if (e instanceof Var v) {
      V value = values.get(v.name());
      return value != null ? value : semantics.unassigned(v);
    }
    List<V> args = new ArrayList<>();
    if (e instanceof LayerCall c) {
      for (Expr a : c.args()) {
        args.add(eval(a, values, semantics));
      }
      return semantics.layerCall(c, args);
    }
    FCall f = (FCall) e;
    for (Expr a : f.tensors()) {
      args.add(eval(a, values, semantics));
    }
    return semantics.function(f, args);
  }
}
