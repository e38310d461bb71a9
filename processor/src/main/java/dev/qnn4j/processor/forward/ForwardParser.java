package dev.qnn4j.processor.forward;

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
import com.sun.source.util.TreePath;
import com.sun.source.util.Trees;
import dev.qnn4j.processor.forward.ForwardProgram.Assign;
import dev.qnn4j.processor.forward.ForwardProgram.Declare;
import dev.qnn4j.processor.forward.ForwardProgram.Evaluate;
import dev.qnn4j.processor.forward.ForwardProgram.Expr;
import dev.qnn4j.processor.forward.ForwardProgram.FCall;
import dev.qnn4j.processor.forward.ForwardProgram.LayerCall;
import dev.qnn4j.processor.forward.ForwardProgram.Return;
import dev.qnn4j.processor.forward.ForwardProgram.Size;
import dev.qnn4j.processor.forward.ForwardProgram.Stmt;
import dev.qnn4j.processor.forward.ForwardProgram.Unsupported;
import dev.qnn4j.processor.forward.ForwardProgram.Var;
import dev.qnn4j.processor.validation.Messages;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.util.ElementFilter;
import javax.lang.model.util.Elements;

/**
 * Reads a {@code forward} method's javac tree into a {@link ForwardProgram}: the only reader of
 * forward's trees.
 */
public final class ForwardParser {
  static final String F_CLASS = "dev.qnn4j.runtime.nn.F";
  private static final String F_PACKAGE = "dev.qnn4j.runtime.nn";

  private final Trees trees;
  private final Elements elements;

  public ForwardParser(Trees trees, Elements elements) {
    this.trees = trees;
    this.elements = elements;
  }

  /**
   * The compilation unit holding {@code forward}'s source, or null when it is not in this
   * compilation.
   */
  public CompilationUnitTree unitOf(ExecutableElement forward) {
    TreePath path = trees.getPath(forward);
    return path == null || !(path.getLeaf() instanceof MethodTree)
        ? null
        : path.getCompilationUnit();
  }

  /**
   * Reads {@code forward}, a method of {@code model} whose layer methods are {@code layerMethods}.
   * Returns null when its source is not in this compilation; throws when it leaves the subset.
   */
  public ForwardProgram parse(
      ExecutableElement forward, TypeElement model, Set<String> layerMethods) throws Unsupported {
    TreePath path = trees.getPath(forward);
    if (path == null || !(path.getLeaf() instanceof MethodTree method)) {
      return null;
    }
    Map<String, Number> constants = new HashMap<>();
    for (VariableElement f : ElementFilter.fieldsIn(elements.getAllMembers(model))) {
      if (f.getConstantValue() instanceof Number n) {
        constants.putIfAbsent(f.getSimpleName().toString(), n);
      }
    }
    return new Reader(path.getCompilationUnit(), layerMethods, constants).read(forward, method);
  }

  /** Thrown inside {@link Reader#constant} at the first part of a size that is not constant. */
  private static final class NotConstant extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient Tree tree;

    NotConstant(Tree tree) {
      super(null, null, false, false);
      this.tree = tree;
    }
  }

  private static final class Reader {
    private final CompilationUnitTree unit;
    private final Set<String> layerMethods;
    private final Map<String, Number> constants;
    private final Set<String> locals = new LinkedHashSet<>();
    private final boolean importsF;

    Reader(CompilationUnitTree unit, Set<String> layerMethods, Map<String, Number> constants) {
      this.unit = unit;
      this.layerMethods = layerMethods;
      this.constants = constants;
      boolean imported = false;
      for (ImportTree i : unit.getImports()) {
        String name = i.getQualifiedIdentifier().toString();
        imported |= !i.isStatic() && (name.equals(F_CLASS) || name.equals(F_PACKAGE + ".*"));
      }
      this.importsF = imported || String.valueOf(unit.getPackageName()).equals(F_PACKAGE);
    }

    ForwardProgram read(ExecutableElement forward, MethodTree method) throws Unsupported {
      if (method.getBody() == null || method.getParameters().size() != 1) {
        throw new Unsupported(Messages.noBody(), method);
      }
      String parameter = method.getParameters().get(0).getName().toString();
      locals.add(parameter);
      List<Stmt> out = new ArrayList<>();
      boolean returned = false;
      for (StatementTree s : method.getBody().getStatements()) {
        if (returned) {
          throw new Unsupported(Messages.statementAfterReturn(), s);
        }
        if (s instanceof VariableTree v) {
          String name = v.getName().toString();
          Expr init = v.getInitializer() == null ? null : expr(v.getInitializer());
          locals.add(name);
          out.add(new Declare(name, init));
        } else if (s instanceof ExpressionStatementTree e
            && e.getExpression() instanceof AssignmentTree a) {
          if (!(a.getVariable() instanceof IdentifierTree target)
              || !locals.contains(target.getName().toString())) {
            throw new Unsupported(Messages.assignsNonLocal(a.getVariable()), a);
          }
          out.add(new Assign(target.getName().toString(), expr(a.getExpression())));
        } else if (s instanceof ExpressionStatementTree e
            && e.getExpression() instanceof MethodInvocationTree call) {
          out.add(new Evaluate(expr(call)));
        } else if (s instanceof ReturnTree r && r.getExpression() != null) {
          out.add(new Return(expr(r.getExpression())));
          returned = true;
        } else {
          throw new Unsupported(Messages.unsupportedStatement(describe(s)), s);
        }
      }
      if (!returned) {
        throw new Unsupported(Messages.noFinalReturn(), method);
      }
      return new ForwardProgram(forward, unit, parameter, out, locals);
    }

    private Expr expr(ExpressionTree e) throws Unsupported {
      if (e instanceof ParenthesizedTree p) {
        return expr(p.getExpression());
      }
      if (e instanceof TypeCastTree c) {
        return expr(c.getExpression());
      }
      if (e instanceof IdentifierTree id && locals.contains(id.getName().toString())) {
        return new Var(id.getName().toString(), id);
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
          if (owner.equals(F_CLASS) || (owner.equals("F") && importsF)) {
            return functional(name, call);
          }
        }
        throw new Unsupported(Messages.callsUnknownMethod(select), call);
      }
      throw new Unsupported(Messages.unsupportedExpression(e), e);
    }

    private Expr layerCall(String name, MethodInvocationTree call) throws Unsupported {
      List<Expr> args = new ArrayList<>();
      for (ExpressionTree a : call.getArguments()) {
        args.add(expr(a));
      }
      return new LayerCall(name, args, call);
    }

    private Expr functional(String name, MethodInvocationTree call) throws Unsupported {
      int tensorCount = ForwardProgram.FUNCTIONS.getOrDefault(name, 1);
      List<? extends ExpressionTree> args = call.getArguments();
      if (args.size() < tensorCount) {
        throw new Unsupported(Messages.tooFewArguments(name), call);
      }
      List<Expr> tensors = new ArrayList<>();
      List<Size> sizes = new ArrayList<>();
      for (int i = 0; i < args.size(); i++) {
        if (i < tensorCount) {
          tensors.add(expr(args.get(i)));
        } else {
          try {
            sizes.add(new Size(constant(args.get(i)), args.get(i)));
          } catch (NotConstant e) {
            sizes.add(new Size(null, e.tree));
          }
        }
      }
      return new FCall(name, tensors, sizes, call);
    }

    /** An integer compile-time constant: literals, constant fields of the model, + - * / %. */
    private long constant(ExpressionTree e) throws NotConstant {
      if (e instanceof ParenthesizedTree p) {
        return constant(p.getExpression());
      }
      if (e instanceof LiteralTree l
          && (l.getValue() instanceof Integer || l.getValue() instanceof Long)) {
        return ((Number) l.getValue()).longValue();
      }
      if (e instanceof IdentifierTree id) {
        Number n = constants.get(id.getName().toString());
        if (n != null && !(n instanceof Float) && !(n instanceof Double)) {
          return n.longValue();
        }
      }
      if (e instanceof UnaryTree u
          && (e.getKind() == Tree.Kind.UNARY_MINUS || e.getKind() == Tree.Kind.UNARY_PLUS)) {
        long v = constant(u.getExpression());
        return e.getKind() == Tree.Kind.UNARY_MINUS ? -v : v;
      }
      if (e instanceof BinaryTree b) {
        long l = constant(b.getLeftOperand());
        long r = constant(b.getRightOperand());
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
      throw new NotConstant(e);
    }

    private static String describe(StatementTree s) {
      return switch (s.getKind()) {
        case FOR_LOOP, ENHANCED_FOR_LOOP -> "a for loop";
        case WHILE_LOOP, DO_WHILE_LOOP -> "a while loop";
        case IF -> "an if statement";
        case SWITCH -> "a switch statement";
        case BLOCK -> "a nested block";
        case TRY -> "a try statement";
        default -> "the statement " + s.toString().strip();
      };
    }
  }
}
