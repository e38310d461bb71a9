package dev.qnn4j.processor.auto;

import com.sun.source.tree.MethodInvocationTree;
import com.sun.source.tree.Tree;
import dev.qnn4j.processor.auto.QuantizedFlow.Flow;
import dev.qnn4j.processor.forward.ForwardParser;
import dev.qnn4j.processor.forward.ForwardProgram;
import dev.qnn4j.processor.forward.ForwardProgram.Expr;
import dev.qnn4j.processor.forward.ForwardProgram.FCall;
import dev.qnn4j.processor.forward.ForwardProgram.LayerCall;
import dev.qnn4j.processor.forward.ForwardProgram.Size;
import dev.qnn4j.processor.forward.ForwardProgram.Unsupported;
import dev.qnn4j.processor.model.LayerDescriptor;
import dev.qnn4j.processor.model.ModelDescriptor;
import dev.qnn4j.processor.model.ModelExtractor;
import dev.qnn4j.processor.model.QuantizeFromSpec;
import dev.qnn4j.processor.model.QuantizeFromSpec.LayerRuleSpec;
import dev.qnn4j.processor.validation.Diagnostic;
import dev.qnn4j.processor.validation.Messages;
import dev.qnn4j.processor.validation.Validator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.TypeElement;
import javax.lang.model.type.DeclaredType;
import javax.lang.model.type.TypeKind;
import javax.lang.model.type.TypeMirror;
import javax.lang.model.util.Elements;
import javax.lang.model.util.Types;
import javax.tools.Diagnostic.Kind;

/**
 * Automated quantization at compile time, in steps: the {@code @QuantizeFrom} type and its rules
 * are checked ({@link HolderChecks}, {@link RuleChecks}); the rules give each float layer a {@link
 * LayerPlan}; the float model's {@link ForwardProgram} is followed with the planned layers ({@link
 * QuantizedFlow}) to find the compute layers whose input is a float {@code Tensor}; each layer is
 * derived and checked ({@link Derivation}); forward is rewritten with typed values ({@link
 * ForwardRewriter}). The result is an {@link AutoModelDescriptor}. Every diagnostic is anchored to
 * the {@code @QuantizeFrom} annotation value (or {@code @LayerRule}) it is about.
 */
public final class AutoQuantizer {
  private final Elements elements;
  private final Types types;
  private final ModelExtractor extractor;
  private final Validator validator;
  private final Optional<ForwardParser> parser;

  public AutoQuantizer(
      Elements elements, Types types, Validator validator, Optional<ForwardParser> parser) {
    this.elements = elements;
    this.types = types;
    this.extractor = new ModelExtractor(elements);
    this.validator = validator;
    this.parser = parser;
  }

  /** The derived model, or null when there are errors; and every diagnostic. */
  public record Result(AutoModelDescriptor model, List<Diagnostic> diagnostics) {}

  /**
   * The float model a {@code @QuantizeFrom} type names, or null when it is not (yet) a resolved
   * class.
   */
  public static TypeElement floatClass(TypeElement holder, Elements elements) {
    TypeMirror t = new ModelExtractor(elements).quantizeFromValue(holder);
    return t != null
            && t.getKind() == TypeKind.DECLARED
            && ((DeclaredType) t).asElement() instanceof TypeElement e
        ? e
        : null;
  }

  public Result derive(TypeElement holder) {
    Reporter report = new Reporter(holder, extractor.extractQuantizeFrom(holder));
    AutoModelDescriptor model = derive(holder, report);
    return new Result(report.hasErrors() ? null : model, report.out.all());
  }

  private AutoModelDescriptor derive(TypeElement holder, Reporter report) {
    HolderChecks.check(holder, elements, report);
    QuantizeFromSpec spec = report.spec;
    TypeElement floatType = floatClass(holder, elements);
    if (floatType == null
        || ModelExtractor.findAnnotation(floatType, ModelExtractor.QUANT_MODEL).isEmpty()) {
      String named =
          floatType == null
              ? String.valueOf(spec.floatModel())
              : floatType.getSimpleName().toString();
      report.error(Messages.notAFloatModel(named), report.at("value"));
      return null;
    }
    ModelDescriptor floatModel = extractor.extract(floatType);
    String floatName = floatModel.modelName();
    if (validator.validate(floatModel).stream().anyMatch(Diagnostic::isError)) {
      report.error(Messages.floatModelHasErrors(floatName), report.at("value"));
      return null;
    }
    RuleChecks.checkRules(spec.rules(), report);
    Map<String, LayerRuleSpec> layerRules = RuleChecks.layerRules(floatModel, report);
    Map<String, LayerPlan> plans = new LinkedHashMap<>();
    for (LayerDescriptor layer : floatModel.layers()) {
      plans.put(
          layer.methodName(),
          LayerPlan.of(layer, layerRules.get(layer.layerName()), spec.rules(), report));
    }
    ForwardProgram program = program(floatModel, plans, report);
    if (program == null || report.hasErrors()) {
      return null;
    }
    QuantizedFlow flow = new QuantizedFlow(plans);
    List<Flow> flows;
    try {
      flows = program.run(flow);
    } catch (Unsupported e) {
      unsupported(e, floatModel, program, report);
      return null;
    }
    Derivation derivation = new Derivation(floatName, spec.rules(), flow, report);
    List<LayerDescriptor> layers = plans.values().stream().map(derivation::derive).toList();
    if (report.hasErrors()) {
      return null;
    }
    boolean isInterface = holder.getKind() == ElementKind.INTERFACE;
    TypeElement model = elements.getTypeElement(HolderChecks.MODEL);
    boolean isModel = model != null && types.isAssignable(holder.asType(), model.asType());
    return new AutoModelDescriptor(
        holder,
        isInterface,
        isModel,
        elements.getPackageOf(holder).getQualifiedName().toString(),
        holder.getSimpleName().toString(),
        "QuantModel_" + ModelExtractor.nestedName(holder),
        floatModel,
        layers,
        program.parameter(),
        ForwardRewriter.rewrite(program, flows));
  }

  /** The float model's forward, or null (reported) when it cannot be regenerated. */
  private ForwardProgram program(
      ModelDescriptor floatModel, Map<String, LayerPlan> plans, Reporter report) {
    String floatName = floatModel.modelName();
    if (parser.isEmpty()) {
      report.error(Messages.noTreeApi(floatName), report.annotation());
      return null;
    }
    ForwardProgram program;
    try {
      program =
          floatModel.forward() == null
              ? null
              : parser.get().parse(floatModel.forward(), floatModel.type(), plans.keySet());
      if (program != null) {
        checkRegenerable(program);
      }
    } catch (Unsupported e) {
      unsupported(e, floatModel, null, report);
      return null;
    }
    if (program == null) {
      report.error(
          Messages.forwardNotCompiled(floatName, report.holder.getSimpleName()),
          report.at("value"));
    }
    return program;
  }

  /** Regenerated code calls only the {@code F} functions it knows, with constant sizes. */
  private static void checkRegenerable(ForwardProgram program) throws Unsupported {
    for (ForwardProgram.Stmt s : program.statements()) {
      Expr e =
          s instanceof ForwardProgram.Declare d
              ? d.init()
              : s instanceof ForwardProgram.Assign a
                  ? a.value()
                  : s instanceof ForwardProgram.Evaluate v
                      ? v.expr()
                      : ((ForwardProgram.Return) s).value();
      if (e != null) {
        checkRegenerable(e);
      }
    }
  }

  private static void checkRegenerable(Expr e) throws Unsupported {
    if (e instanceof LayerCall c) {
      for (Expr a : c.args()) {
        checkRegenerable(a);
      }
    } else if (e instanceof FCall f) {
      if (!f.known()) {
        throw new Unsupported(
            Messages.callsUnknownMethod(((MethodInvocationTree) f.tree()).getMethodSelect()),
            f.tree());
      }
      for (Expr a : f.tensors()) {
        checkRegenerable(a);
      }
      for (Size size : f.sizes()) {
        if (size.value() == null) {
          throw new Unsupported(
              Messages.notIntegerConstant(size.tree(), f.function()), size.tree());
        }
      }
    }
  }

  private void unsupported(
      Unsupported e, ModelDescriptor floatModel, ForwardProgram program, Reporter report) {
    report.error(
        Messages.forwardNotStraightLine(floatModel.modelName(), e.getMessage()),
        report.at("value"));
    Tree tree = e.tree();
    if (tree != null) {
      report.add(
          Diagnostic.atTree(
              Kind.NOTE,
              Messages.cannotFollow(report.holder.getSimpleName()),
              floatModel.forward(),
              tree,
              parser.get().unitOf(floatModel.forward())));
    }
  }
}
