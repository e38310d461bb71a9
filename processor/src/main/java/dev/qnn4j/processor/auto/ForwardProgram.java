package dev.qnn4j.processor.auto;

import com.sun.source.tree.AssignmentTree;
import com.sun.source.tree.BinaryTree;
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
import com.sun.source.tree.UnaryTree;
import com.sun.source.tree.VariableTree;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The body of a float model's {@code forward} as automated quantization regenerates it: straight-line
 * statements (local declarations, assignments, calls, one return) whose expressions are layer-method
 * calls, {@code F.*} calls with compile-time constant sizes, and locals. Casts are dropped: the
 * regenerated code types each value by what the quantized layers return.
 */
public record ForwardProgram(String parameter, List<Stmt> statements, Set<String> locals) {
  static final String F_CLASS = "dev.qnn4j.runtime.F";

  /** The model's integer constants. */
  private static Long integerConstant(Map<String, Number> constants, String name) {
    Number n = constants.get(name);
    return n == null || n instanceof Float || n instanceof Double ? null : n.longValue();
  }

  /** {@code F} functions and how many of their leading arguments are tensors; the rest are sizes. */
  static final Map<String, Integer> FUNCTIONS = Map.of("maxPool2d", 1, "avgPool2d", 1, "relu", 1, "flatten", 1,
      "reshape", 1, "add", 2);

  public ForwardProgram {
    statements = List.copyOf(statements);
    locals = Set.copyOf(locals);
  }

  /** An expression of the subset. */
  public sealed interface Expr permits Var, LayerCall, FCall {}

  /** A local variable or the parameter. */
  public record Var(String name) implements Expr {}

  /** A call of a layer method of the model, by method name. */
  public record LayerCall(String method, List<Expr> args, Tree tree) implements Expr {
    public LayerCall {
      args = List.copyOf(args);
    }
  }

  /** A call {@code F.<function>(tensors..., constants...)}. */
  public record FCall(String function, List<Expr> tensors, List<Long> constants) implements Expr {
    public FCall {
      tensors = List.copyOf(tensors);
      constants = List.copyOf(constants);
    }
  }

  /** A statement of the subset. */
  public sealed interface Stmt permits Declare, Assign, Evaluate, Return {}

  /** {@code T name;} or {@code T name = init;} ({@code init} null for the former). */
  public record Declare(String name, Expr init) implements Stmt {}

  public record Assign(String name, Expr value) implements Stmt {}

  /** A call whose result is unused. */
  public record Evaluate(Expr expr) implements Stmt {}

  public record Return(Expr value) implements Stmt {}

  /** The body leaves the subset at {@code tree}; {@code what} says how, e.g. "a for loop". */
  public static final class Unsupported extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient Tree tree;

    Unsupported(String what, Tree tree) {
      super(what, null, false, false);
      this.tree = tree;
    }

    public Tree tree() {
      return tree;
    }
  }

  /**
   * Reads {@code method}'s body. {@code layerMethods} are the model's layer method names; {@code
   * constants} the compile-time constant fields visible in the model class, by simple name.
   */
  public static ForwardProgram parse(MethodTree method, CompilationUnitTree unit, Set<String> layerMethods,
      Map<String, Number> constants) throws Unsupported {
    return new Parser(unit, layerMethods, constants).parse(method);
  }

  private static final class Parser {
    private final Set<String> layerMethods;
    private final Map<String, Number> constants;
    private final Set<String> locals = new LinkedHashSet<>();
    private final boolean importsF;

    Parser(CompilationUnitTree unit, Set<String> layerMethods, Map<String, Number> constants) {
      this.layerMethods = layerMethods;
      this.constants = constants;
      boolean imported = false;
      for (ImportTree i : unit.getImports()) {
        String name = i.getQualifiedIdentifier().toString();
        imported |= !i.isStatic() && (name.equals(F_CLASS) || name.equals("dev.qnn4j.runtime.*"));
      }
      this.importsF = imported || String.valueOf(unit.getPackageName()).equals("dev.qnn4j.runtime");
    }

    ForwardProgram parse(MethodTree method) throws Unsupported {
      if (method.getBody() == null || method.getParameters().size() != 1) {
        throw new Unsupported("it has no body", method);
      }
      String parameter = method.getParameters().get(0).getName().toString();
      locals.add(parameter);
      List<Stmt> out = new ArrayList<>();
      boolean returned = false;
      for (StatementTree s : method.getBody().getStatements()) {
        if (returned) {
          throw new Unsupported("a statement follows the return", s);
        }
        if (s instanceof VariableTree v) {
          String name = v.getName().toString();
          Expr init = v.getInitializer() == null ? null : expr(v.getInitializer());
          locals.add(name);
          out.add(new Declare(name, init));
        } else if (s instanceof ExpressionStatementTree e && e.getExpression() instanceof AssignmentTree a) {
          if (!(a.getVariable() instanceof IdentifierTree target) || !locals.contains(target.getName().toString())) {
            throw new Unsupported("it assigns " + a.getVariable() + ", which is not a local variable", a);
          }
          out.add(new Assign(target.getName().toString(), expr(a.getExpression())));
        } else if (s instanceof ExpressionStatementTree e && e.getExpression() instanceof MethodInvocationTree call) {
          out.add(new Evaluate(expr(call)));
        } else if (s instanceof ReturnTree r && r.getExpression() != null) {
          out.add(new Return(expr(r.getExpression())));
          returned = true;
        } else {
          throw new Unsupported(describe(s), s);
        }
      }
      if (!returned) {
        throw new Unsupported("it does not end with a return", method);
      }
      return new ForwardProgram(parameter, out, locals);
    }

    private Expr expr(ExpressionTree e) throws Unsupported {
      if (e instanceof ParenthesizedTree p) {
        return expr(p.getExpression());
      }
      if (e instanceof TypeCastTree c) {
        return expr(c.getExpression());
      }
      if (e instanceof IdentifierTree id && locals.contains(id.getName().toString())) {
        return new Var(id.getName().toString());
      }
      if (e instanceof MethodInvocationTree call) {
        ExpressionTree select = call.getMethodSelect();
        if (select instanceof IdentifierTree id && layerMethods.contains(id.getName().toString())) {
          return layerCall(id.getName().toString(), call);
        }
        if (select instanceof MemberSelectTree m) {
          String owner = m.getExpression().toString();
          String name = m.getIdentifier().toString();
          if (owner.equals("this") && layerMethods.contains(name)) {
            return layerCall(name, call);
          }
          if ((owner.equals(F_CLASS) || (owner.equals("F") && importsF)) && FUNCTIONS.containsKey(name)) {
            return functional(name, call);
          }
        }
        throw new Unsupported("it calls " + select + ", which is neither a layer method nor an F function", call);
      }
      throw new Unsupported("it uses the expression " + e + ", which is not a local variable or a call", e);
    }

    private Expr layerCall(String name, MethodInvocationTree call) throws Unsupported {
      List<Expr> args = new ArrayList<>();
      for (ExpressionTree a : call.getArguments()) {
        args.add(expr(a));
      }
      return new LayerCall(name, args, call);
    }

    private Expr functional(String name, MethodInvocationTree call) throws Unsupported {
      int tensorCount = FUNCTIONS.get(name);
      List<? extends ExpressionTree> args = call.getArguments();
      if (args.size() < tensorCount) {
        throw new Unsupported("F." + name + " has too few arguments", call);
      }
      List<Expr> tensors = new ArrayList<>();
      List<Long> sizes = new ArrayList<>();
      for (int i = 0; i < args.size(); i++) {
        if (i < tensorCount) {
          tensors.add(expr(args.get(i)));
        } else {
          sizes.add(constant(args.get(i), name));
        }
      }
      return new FCall(name, tensors, sizes);
    }

    /** An integer compile-time constant: literals, constant fields of the model, + - * / %. */
    private long constant(ExpressionTree e, String function) throws Unsupported {
      if (e instanceof ParenthesizedTree p) {
        return constant(p.getExpression(), function);
      }
      if (e instanceof LiteralTree l && (l.getValue() instanceof Integer || l.getValue() instanceof Long)) {
        return ((Number) l.getValue()).longValue();
      }
      if (e instanceof IdentifierTree id && integerConstant(constants, id.getName().toString()) != null) {
        return integerConstant(constants, id.getName().toString());
      }
      if (e instanceof UnaryTree u && (e.getKind() == Tree.Kind.UNARY_MINUS || e.getKind() == Tree.Kind.UNARY_PLUS)) {
        long v = constant(u.getExpression(), function);
        return e.getKind() == Tree.Kind.UNARY_MINUS ? -v : v;
      }
      if (e instanceof BinaryTree b) {
        long l = constant(b.getLeftOperand(), function);
        long r = constant(b.getRightOperand(), function);
        switch (e.getKind()) {
          case PLUS:
            return l + r;
          case MINUS:
            return l - r;
          case MULTIPLY:
            return l * r;
          case DIVIDE:
          case REMAINDER:
            if (r == 0) {
              break;
            }
            return e.getKind() == Tree.Kind.DIVIDE ? l / r : l % r;
          default:
            break;
        }
      }
      throw new Unsupported("the argument " + e + " of F." + function + " is not an integer constant", e);
    }

    private static String describe(StatementTree s) {
      return switch (s.getKind()) {
        case FOR_LOOP, ENHANCED_FOR_LOOP -> "it has a for loop";
        case WHILE_LOOP, DO_WHILE_LOOP -> "it has a while loop";
        case IF -> "it has an if statement";
        case SWITCH -> "it has a switch statement";
        case BLOCK -> "it has a nested block";
        case TRY -> "it has a try statement";
        default -> "it has the statement " + s.toString().strip();
      };
    }
  }
}
