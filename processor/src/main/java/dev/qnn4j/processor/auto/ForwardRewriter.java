package dev.qnn4j.processor.auto;

import dev.qnn4j.processor.auto.AutoModelDescriptor.Line;
import dev.qnn4j.processor.auto.QuantizedFlow.Flow;
import dev.qnn4j.processor.forward.ForwardProgram;
import dev.qnn4j.processor.forward.ForwardProgram.Assign;
import dev.qnn4j.processor.forward.ForwardProgram.Declare;
import dev.qnn4j.processor.forward.ForwardProgram.Evaluate;
import dev.qnn4j.processor.forward.ForwardProgram.Expr;
import dev.qnn4j.processor.forward.ForwardProgram.FCall;
import dev.qnn4j.processor.forward.ForwardProgram.LayerCall;
import dev.qnn4j.processor.forward.ForwardProgram.Return;
import dev.qnn4j.processor.forward.ForwardProgram.Stmt;
import dev.qnn4j.processor.forward.ForwardProgram.Var;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes the float model's forward with one declared type per variable, from the types the
 * quantized layers give each value: a variable that holds both Tensors and QuantTensors gets a
 * fresh name at each assignment, so that every {@code F.maxPool2d}/{@code F.flatten} sees its
 * argument's real type.
 */
final class ForwardRewriter {
  private ForwardRewriter() {}

  /**
   * {@code flows} holds the value of each statement of {@code program}, as {@link
   * ForwardProgram#run} returns them.
   */
  static List<Line> rewrite(ForwardProgram program, List<Flow> flows) {
    Map<String, Set<Boolean>> assigned = new HashMap<>();
    assigned.computeIfAbsent(program.parameter(), k -> new HashSet<>()).add(false);
    for (int i = 0; i < program.statements().size(); i++) {
      Stmt s = program.statements().get(i);
      if ((s instanceof Declare d && d.init() != null) || s instanceof Assign) {
        String name = s instanceof Declare d ? d.name() : ((Assign) s).name();
        assigned.computeIfAbsent(name, k -> new HashSet<>()).add(flows.get(i).quantTensor());
      }
    }
    Set<String> taken = new HashSet<>(program.locals());
    Map<String, String> current = new HashMap<>();
    Set<String> declared = new HashSet<>();
    current.put(program.parameter(), program.parameter());
    declared.add(program.parameter());
    List<Line> lines = new ArrayList<>();
    for (int i = 0; i < program.statements().size(); i++) {
      Stmt s = program.statements().get(i);
      Flow f = flows.get(i);
      if (s instanceof Declare d && d.init() == null) {
        continue;
      }
      if (s instanceof Declare || s instanceof Assign) {
        String name = s instanceof Declare d ? d.name() : ((Assign) s).name();
        Expr value = rename(s instanceof Declare d ? d.init() : ((Assign) s).value(), current);
        boolean mixed = assigned.get(name).size() > 1;
        if (!declared.contains(name)) {
          declared.add(name);
          current.put(name, name);
          lines.add(new Line(Line.Kind.DECLARE, name, f.quantTensor(), value));
        } else if (mixed) {
          String fresh = fresh(name, taken);
          current.put(name, fresh);
          lines.add(new Line(Line.Kind.DECLARE, fresh, f.quantTensor(), value));
        } else {
          lines.add(new Line(Line.Kind.ASSIGN, current.get(name), f.quantTensor(), value));
        }
      } else if (s instanceof Evaluate e) {
        lines.add(new Line(Line.Kind.EVALUATE, null, false, rename(e.expr(), current)));
      } else if (s instanceof Return r) {
        lines.add(new Line(Line.Kind.RETURN, null, f.quantTensor(), rename(r.value(), current)));
      }
    }
    return lines;
  }

  private static String fresh(String name, Set<String> taken) {
    for (int k = 2; ; k++) {
      String candidate = name + k;
      if (taken.add(candidate)) {
        return candidate;
      }
    }
  }

  private static Expr rename(Expr e, Map<String, String> current) {
    if (e instanceof Var v) {
      return new Var(current.getOrDefault(v.name(), v.name()), v.tree());
    }
    if (e instanceof LayerCall c) {
      return new LayerCall(
          c.method(), c.args().stream().map(a -> rename(a, current)).toList(), c.tree());
    }
    FCall f = (FCall) e;
    return new FCall(
        f.function(),
        f.tensors().stream().map(a -> rename(a, current)).toList(),
        f.sizes(),
        f.tree());
  }
}
