package dev.qnn4j.processor.auto;

import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.MethodTree;
import com.sun.source.tree.Tree;
import com.sun.source.util.TreePath;
import com.sun.source.util.Trees;
import dev.qnn4j.processor.auto.AutoModelDescriptor.Line;
import dev.qnn4j.processor.auto.ForwardProgram.Assign;
import dev.qnn4j.processor.auto.ForwardProgram.Declare;
import dev.qnn4j.processor.auto.ForwardProgram.Evaluate;
import dev.qnn4j.processor.auto.ForwardProgram.Expr;
import dev.qnn4j.processor.auto.ForwardProgram.FCall;
import dev.qnn4j.processor.auto.ForwardProgram.LayerCall;
import dev.qnn4j.processor.auto.ForwardProgram.Return;
import dev.qnn4j.processor.auto.ForwardProgram.Stmt;
import dev.qnn4j.processor.auto.ForwardProgram.Var;
import dev.qnn4j.processor.model.ActQuantSpec;
import dev.qnn4j.annotations.BiasRule;
import dev.qnn4j.processor.model.Anchor;
import dev.qnn4j.processor.model.Geometry;
import dev.qnn4j.processor.model.LayerSpec;
import dev.qnn4j.processor.model.QuantizeFromSpec;
import dev.qnn4j.processor.model.QuantizeFromSpec.LayerRuleSpec;
import dev.qnn4j.processor.model.WeightQuantSpec;
import dev.qnn4j.processor.model.BiasSpec;
import dev.qnn4j.processor.model.Companion;
import dev.qnn4j.processor.model.LayerDescriptor;
import dev.qnn4j.processor.model.LayerKind;
import dev.qnn4j.processor.model.ModelDescriptor;
import dev.qnn4j.processor.model.ModelExtractor;
import dev.qnn4j.processor.model.Parameter;
import dev.qnn4j.processor.model.ValueType;
import dev.qnn4j.processor.validation.Diagnostic;
import dev.qnn4j.processor.validation.Diagnostics;
import dev.qnn4j.processor.validation.Validator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.type.DeclaredType;
import javax.lang.model.type.TypeKind;
import javax.lang.model.type.TypeMirror;
import javax.lang.model.util.ElementFilter;
import javax.lang.model.util.Elements;
import javax.lang.model.util.Types;
import javax.tools.Diagnostic.Kind;

/**
 * Automated quantization at compile time: reads a {@code @QuantizeFrom} type, applies its rules to
 * the float model's layers and follows the float model's {@code forward} to decide which compute
 * layers get an input quantizer (those whose input is a float {@code Tensor}), then checks what the
 * rules cannot do (a quantized bias without an input scale, an accumulator overflow) and derives an
 * {@link AutoModelDescriptor}. Every diagnostic is anchored to the {@code @QuantizeFrom} annotation
 * value (or {@code @LayerRule}) it is about.
 */
public final class AutoQuantizer {
  public static final String QUANTIZE_FROM = ModelExtractor.QUANTIZE_FROM;
  static final String MODEL = "dev.qnn4j.runtime.nn.Model";
  private static final Set<String> GENERATED_METHODS = Set.of("forward", "modelName", "layers", "inputShape");
  private static final String QCDQ = ": weights and activations are exported as QCDQ, which holds at most 8-bit"
      + " integers";

  private final Elements elements;
  private final Types types;
  private final ModelExtractor extractor;
  private final Validator validator;
  private final Optional<Trees> trees;

  public AutoQuantizer(Elements elements, Types types, Validator validator, Optional<Trees> trees) {
    this.elements = elements;
    this.types = types;
    this.extractor = new ModelExtractor(elements);
    this.validator = validator;
    this.trees = trees;
  }

  /** The derived model, or null when there are errors; and every diagnostic. */
  public record Result(AutoModelDescriptor model, List<Diagnostic> diagnostics) {}

  /** The float model a {@code @QuantizeFrom} type names, or null when it is not (yet) a resolved class. */
  public static TypeElement floatClass(TypeElement holder, Elements elements) {
    TypeMirror t = new ModelExtractor(elements).quantizeFromValue(holder);
    return t != null && t.getKind() == TypeKind.DECLARED && ((DeclaredType) t).asElement() instanceof TypeElement e
        ? e : null;
  }

  public Result derive(TypeElement holder) {
    Run run = new Run(holder);
    AutoModelDescriptor model = run.derive();
    return new Result(run.out.hasErrors() ? null : model, run.out.all());
  }

  /** Where a diagnostic about a rule goes: an annotation and, when written in source, one of its values. */
  private record Position(AnnotationMirror mirror, AnnotationValue value) {
    static Position of(Anchor anchor, String attribute) {
      return new Position(anchor.mirror(), anchor.explicitValue(attribute));
    }
  }

  /** What is known of a value in the quantized forward. */
  private record Flow(boolean quantTensor, Integer bits, boolean signed) {
    static final Flow FLOAT = new Flow(false, null, false);

    Flow plain() {
      return new Flow(false, bits, signed);
    }
  }

  /** The rules' decision for one float layer, completed once forward has been followed. */
  private static final class Plan {
    final LayerDescriptor source;
    /** Conv/linear to quantize, ReLU to quantize, or neither (kept as declared). */
    boolean compute;
    boolean relu;
    int weightBits;
    int inputBits;
    Position inputAnchor;
    BiasRule bias = BiasRule.FLOAT;
    Position biasAnchor;
    int reluBits;
    boolean returnQuantTensor;
    boolean floatInput;
    final List<Flow> inputs = new ArrayList<>();
    final List<Tree> callTrees = new ArrayList<>();
    LayerDescriptor derived;

    Plan(LayerDescriptor source) {
      this.source = source;
    }

    boolean quantized() {
      return compute || relu;
    }
  }

  private final class Run {
    final TypeElement holder;
    final AnnotationMirror quantizeFrom;
    final QuantizeFromSpec spec;
    final QuantizeFromSpec.Rules rules;
    final Diagnostics out = new Diagnostics();
    ModelDescriptor floatModel;
    final Map<String, Plan> plans = new LinkedHashMap<>();

    Run(TypeElement holder) {
      this.holder = holder;
      this.quantizeFrom = ModelExtractor.findAnnotation(holder, QUANTIZE_FROM).orElseThrow();
      this.spec = extractor.extractQuantizeFrom(holder);
      this.rules = spec.rules();
    }

    AutoModelDescriptor derive() {
      checkHolder();
      TypeElement floatType = floatClass(holder, elements);
      String holderName = holder.getSimpleName().toString();
      if (floatType == null || ModelExtractor.findAnnotation(floatType, ModelExtractor.QUANT_MODEL).isEmpty()) {
        String named = floatType == null ? String.valueOf(spec.floatModel())
            : floatType.getSimpleName().toString();
        error("@QuantizeFrom(value = " + named + ".class): " + named + " is not a @QuantModel class; automated"
            + " quantization starts from a float model declared with the DSL", anchor("value"));
        return null;
      }
      floatModel = extractor.extract(floatType);
      String floatName = floatModel.modelName();
      if (validator.validate(floatModel).stream().anyMatch(Diagnostic::isError)) {
        error("@QuantizeFrom(value = " + floatName + ".class): " + floatName + " has errors (reported on it);"
            + " automated quantization starts from a valid model", anchor("value"));
        return null;
      }
      checkRules();
      Map<String, LayerRuleSpec> overrides = readOverrides();
      for (LayerDescriptor layer : floatModel.layers()) {
        plans.put(layer.methodName(), plan(layer, overrides.get(layer.layerName())));
      }
      ForwardProgram program = program();
      if (program == null || out.hasErrors()) {
        return null;
      }
      List<Line> forward = follow(program);
      if (forward == null) {
        return null;
      }
      decide();
      if (out.hasErrors()) {
        return null;
      }
      boolean isInterface = holder.getKind() == ElementKind.INTERFACE;
      TypeElement model = elements.getTypeElement(MODEL);
      boolean isModel = model != null && types.isAssignable(holder.asType(), model.asType());
      return new AutoModelDescriptor(holder, isInterface, isModel,
          elements.getPackageOf(holder).getQualifiedName().toString(), holderName,
          "QuantModel_" + ModelExtractor.nestedName(holder), floatModel,
          plans.values().stream().map(p -> p.derived).toList(), program.parameter(), forward);
    }

    // ------------------------------------------------------------------ the annotated type

    private void checkHolder() {
      String name = holder.getSimpleName().toString();
      Position anchor = new Position(quantizeFrom, null);
      if (ModelExtractor.findAnnotation(holder, ModelExtractor.QUANT_MODEL).isPresent()) {
        error(name + " is both a @QuantModel and a @QuantizeFrom: a @QuantizeFrom type names a model derived from"
            + " another, it declares no layers of its own", anchor);
      }
      boolean isInterface = holder.getKind() == ElementKind.INTERFACE;
      if (!isInterface && holder.getKind() != ElementKind.CLASS) {
        error("@QuantizeFrom belongs on an interface or an abstract class, not on " + holder.getKind().toString()
            .toLowerCase(java.util.Locale.ROOT).replace('_', ' ') + " " + name, anchor);
        return;
      }
      if (!isInterface && !holder.getModifiers().contains(Modifier.ABSTRACT)) {
        error("@QuantizeFrom class " + name + " must be abstract: the generated QuantModel_"
            + ModelExtractor.nestedName(holder) + " extends it", anchor);
      }
      if (!holder.getTypeParameters().isEmpty()) {
        error("@QuantizeFrom type " + name + " must not be generic", anchor);
      }
      if (holder.getModifiers().contains(Modifier.PRIVATE) || ModelExtractor.isNestedInner(holder)) {
        error("@QuantizeFrom type " + name + " must be top level or static nested, and not private", anchor);
      }
      if (!isInterface) {
        List<ExecutableElement> constructors = ElementFilter.constructorsIn(holder.getEnclosedElements());
        boolean noArg = constructors.stream()
            .anyMatch(c -> c.getParameters().isEmpty() && !c.getModifiers().contains(Modifier.PRIVATE));
        if (!noArg) {
          error("@QuantizeFrom class " + name + " needs a non-private no-argument constructor", anchor);
        }
      }
      for (ExecutableElement m : ElementFilter.methodsIn(elements.getAllMembers(holder))) {
        Element owner = m.getEnclosingElement();
        String ownerName = ((TypeElement) owner).getQualifiedName().toString();
        if (ownerName.equals("java.lang.Object") || ownerName.equals(MODEL)) {
          continue;
        }
        if (GENERATED_METHODS.contains(m.getSimpleName().toString()) && !m.getModifiers().contains(Modifier.STATIC)) {
          out.add(Diagnostic.error(name + " must not declare " + m.getSimpleName() + ": the generated QuantModel_"
              + ModelExtractor.nestedName(holder) + " defines it", owner.equals(holder) ? m : holder));
        } else if (m.getModifiers().contains(Modifier.ABSTRACT)) {
          out.add(Diagnostic.error(name + ": abstract method " + m.getSimpleName() + " would stay unimplemented: a"
              + " @QuantizeFrom type names the quantized model and declares no layers",
              owner.equals(holder) ? m : holder));
        }
      }
    }

    // ------------------------------------------------------------------ rules

    private void checkRules() {
      bits("@QuantRules weightBitWidth", rules.weightBitWidth(), 1, rulesAnchor("weightBitWidth"));
      bits("@QuantRules inputBitWidth", rules.inputBitWidth(), 0, rulesAnchor("inputBitWidth"));
      bits("@QuantRules reluBitWidth", rules.reluBitWidth(), 0, rulesAnchor("reluBitWidth"));
      int accumulator = rules.accumulatorBitWidth();
      if (accumulator < 1 || accumulator > 32) {
        error("@QuantRules accumulatorBitWidth = " + accumulator + " is outside 1..32",
            rulesAnchor("accumulatorBitWidth"));
      }
      if (rules.bias() == BiasRule.INHERIT) {
        error("@QuantRules bias = INHERIT: INHERIT belongs in a @LayerRule; the rules say FLOAT, INT8, INT16 or"
            + " INT32", rulesAnchor("bias"));
      }
    }

    /** {@code min} is 1, or 0 where 0 means "none". */
    private void bits(String what, int v, int min, Position anchor) {
      String none = min == 0 ? (what.endsWith("inputBitWidth") ? " (0 = no input quantizer)" : " (0 = float)") : "";
      if (v < min || v > 32) {
        error(what + " = " + v + " is outside " + min + "..32" + none, anchor);
      } else if (v > 8) {
        error(what + " = " + v + " is outside " + min + "..8" + none + QCDQ, anchor);
      }
    }

    private Map<String, LayerRuleSpec> readOverrides() {
      Map<String, LayerRuleSpec> byName = new LinkedHashMap<>();
      Map<String, LayerDescriptor> layers = new LinkedHashMap<>();
      floatModel.layers().forEach(l -> layers.putIfAbsent(l.layerName(), l));
      for (LayerRuleSpec o : spec.layerRules()) {
        String name = o.name();
        LayerDescriptor layer = layers.get(name);
        if (layer == null) {
          error("@LayerRule(name = \"" + name + "\"): " + floatModel.modelName() + " has no layer " + name
              + "; its layers are " + String.join(", ", layers.keySet()), Position.of(o.anchor(), "name"));
          continue;
        }
        if (byName.containsKey(name)) {
          error("@LayerRule(name = \"" + name + "\") appears twice; one rule per layer",
              Position.of(o.anchor(), "name"));
          continue;
        }
        byName.put(name, o);
        checkOverride(o, layer);
      }
      return byName;
    }

    private void checkOverride(LayerRuleSpec o, LayerDescriptor layer) {
      String name = o.name();
      LayerKind kind = layer.requireKind();
      String declared = name + " is a @" + kind.simpleName();
      if (kind != LayerKind.CONV2D && kind != LayerKind.LINEAR && kind != LayerKind.RELU) {
        error(name + ": @LayerRule applies to @Conv2d, @Linear and @ReLU layers; " + declared
            + ", which automated quantization keeps as declared", Position.of(o.anchor(), "name"));
        return;
      }
      boolean compute = kind != LayerKind.RELU;
      List<String> computeOnly = List.of("weightBitWidth", "bias", "inputBitWidth");
      List<String> set = o.setAttributes();
      for (String attribute : compute ? List.of("reluBitWidth") : computeOnly) {
        if (set.contains(attribute)) {
          error(name + ": @LayerRule " + attribute + " applies to "
              + (compute ? "@ReLU layers" : "@Conv2d and @Linear layers") + "; " + declared,
              Position.of(o.anchor(), attribute));
        }
      }
      if (o.keepFloat()) {
        for (String attribute : set) {
          if (compute == computeOnly.contains(attribute)) {
            error(name + ": @LayerRule keepFloat = true keeps " + name + " float, so " + attribute
                + " has no effect", Position.of(o.anchor(), attribute));
          }
        }
      }
      if (compute) {
        o.weightBitWidth().ifPresent(v -> bits(name + ": @LayerRule weightBitWidth", v, 1,
            Position.of(o.anchor(), "weightBitWidth")));
        o.inputBitWidth().ifPresent(v -> bits(name + ": @LayerRule inputBitWidth", v, 0,
            Position.of(o.anchor(), "inputBitWidth")));
        o.bias().filter(b -> b != BiasRule.FLOAT && !layer.requireSpec().hasBias()).ifPresent(b ->
            error(name + ": @LayerRule bias = " + b + " on a layer with bias = false", Position.of(o.anchor(), "bias")));
      } else {
        o.reluBitWidth().ifPresent(v -> bits(name + ": @LayerRule reluBitWidth", v, 0,
            Position.of(o.anchor(), "reluBitWidth")));
      }
    }

    private Plan plan(LayerDescriptor layer, LayerRuleSpec o) {
      Plan p = new Plan(layer);
      LayerKind kind = layer.requireKind();
      boolean keep = o != null && o.keepFloat();
      if ((kind == LayerKind.CONV2D || kind == LayerKind.LINEAR) && !keep) {
        p.compute = true;
        p.weightBits = o == null ? rules.weightBitWidth() : o.weightBitWidth().orElse(rules.weightBitWidth());
        boolean inputSet = o != null && o.inputBitWidth().isPresent();
        p.inputBits = inputSet ? o.inputBitWidth().getAsInt() : rules.inputBitWidth();
        p.inputAnchor = inputSet ? Position.of(o.anchor(), "inputBitWidth") : rulesAnchor("inputBitWidth");
        boolean biasSet = o != null && o.bias().isPresent();
        BiasRule bias = biasSet ? o.bias().get() : rules.bias();
        p.bias = layer.requireSpec().hasBias() ? bias : BiasRule.FLOAT;
        p.biasAnchor = biasSet ? Position.of(o.anchor(), "bias") : rulesAnchor("bias");
      } else if (kind == LayerKind.RELU && !keep) {
        int bits = o == null ? rules.reluBitWidth() : o.reluBitWidth().orElse(rules.reluBitWidth());
        p.relu = bits > 0;
        p.reluBits = bits;
        p.returnQuantTensor = rules.returnQuantTensor();
      }
      return p;
    }

    // ------------------------------------------------------------------ forward

    private ForwardProgram program() {
      String floatName = floatModel.modelName();
      ExecutableElement forward = floatModel.forward();
      if (trees.isEmpty()) {
        error("automated quantization reads " + floatName + ".forward with javac's tree API, which this compiler"
            + " does not offer", new Position(quantizeFrom, null));
        return null;
      }
      TreePath path = forward == null ? null : trees.get().getPath(forward);
      if (path == null || !(path.getLeaf() instanceof MethodTree method)) {
        error("@QuantizeFrom(value = " + floatName + ".class): " + floatName + ".forward is not in this compilation;"
            + " automated quantization regenerates forward from its source, so compile " + floatName + " together"
            + " with " + holder.getSimpleName(), anchor("value"));
        return null;
      }
      Map<String, Number> constants = new HashMap<>();
      for (VariableElement f : ElementFilter.fieldsIn(elements.getAllMembers(floatModel.type()))) {
        if (f.getConstantValue() instanceof Number n) {
          constants.putIfAbsent(f.getSimpleName().toString(), n);
        }
      }
      CompilationUnitTree unit = path.getCompilationUnit();
      try {
        return ForwardProgram.parse(method, unit, plans.keySet(), constants);
      } catch (ForwardProgram.Unsupported e) {
        unsupported(e.getMessage(), e.tree(), forward, unit);
        return null;
      }
    }

    private void unsupported(String what, Tree tree, ExecutableElement forward, CompilationUnitTree unit) {
      String floatName = floatModel.modelName();
      error("@QuantizeFrom(value = " + floatName + ".class): automated quantization regenerates " + floatName
          + ".forward with the quantized layers, so it must be straight-line code (locals, layer-method calls, F"
          + " calls with constant sizes, one return), but " + what, anchor("value"));
      if (tree != null) {
        out.add(Diagnostic.atTree(Kind.NOTE, holder.getSimpleName() + " (@QuantizeFrom) cannot follow this", forward,
            tree, unit));
      }
    }

    /**
     * Follows the program with the quantized layers' output types, then writes it with one declared
     * type per variable: a variable that holds both Tensors and QuantTensors gets a fresh name at each
     * assignment, so that every {@code F.maxPool2d}/{@code F.flatten} sees its argument's real type.
     */
    private List<Line> follow(ForwardProgram program) {
      Map<String, Flow> values = new HashMap<>();
      Map<String, Set<Boolean>> assigned = new HashMap<>();
      values.put(program.parameter(), Flow.FLOAT);
      assigned.computeIfAbsent(program.parameter(), k -> new HashSet<>()).add(false);
      List<Flow> flows = new ArrayList<>();
      try {
        for (Stmt s : program.statements()) {
          Flow f = null;
          if (s instanceof Declare d && d.init() != null) {
            f = eval(d.init(), values);
            values.put(d.name(), f);
            assigned.computeIfAbsent(d.name(), k -> new HashSet<>()).add(f.quantTensor());
          } else if (s instanceof Assign a) {
            f = eval(a.value(), values);
            values.put(a.name(), f);
            assigned.computeIfAbsent(a.name(), k -> new HashSet<>()).add(f.quantTensor());
          } else if (s instanceof Evaluate e) {
            f = eval(e.expr(), values);
          } else if (s instanceof Return r) {
            f = eval(r.value(), values);
          }
          flows.add(f);
        }
      } catch (ForwardProgram.Unsupported e) {
        unsupported(e.getMessage(), e.tree(), floatModel.forward(), trees.get().getPath(floatModel.forward())
            .getCompilationUnit());
        return null;
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

    private String fresh(String name, Set<String> taken) {
      for (int k = 2; ; k++) {
        String candidate = name + k;
        if (taken.add(candidate)) {
          return candidate;
        }
      }
    }

    private Expr rename(Expr e, Map<String, String> current) {
      if (e instanceof Var v) {
        return new Var(current.getOrDefault(v.name(), v.name()));
      }
      if (e instanceof LayerCall c) {
        return new LayerCall(c.method(), c.args().stream().map(a -> rename(a, current)).toList(), c.tree());
      }
      FCall f = (FCall) e;
      return new FCall(f.function(), f.tensors().stream().map(a -> rename(a, current)).toList(), f.constants());
    }

    private Flow eval(Expr e, Map<String, Flow> values) throws ForwardProgram.Unsupported {
      if (e instanceof Var v) {
        Flow f = values.get(v.name());
        if (f == null) {
          throw new ForwardProgram.Unsupported("it reads " + v.name() + " before assigning it", null);
        }
        return f;
      }
      if (e instanceof FCall f) {
        List<Flow> args = new ArrayList<>();
        for (Expr a : f.tensors()) {
          args.add(eval(a, values));
        }
        Flow x = args.get(0);
        return switch (f.function()) {
          case "maxPool2d", "flatten" -> x;
          case "relu", "reshape" -> x.plain();
          default -> Flow.FLOAT;
        };
      }
      LayerCall call = (LayerCall) e;
      List<Flow> args = new ArrayList<>();
      for (Expr a : call.args()) {
        args.add(eval(a, values));
      }
      Plan p = plans.get(call.method());
      List<Parameter> params = p.source.parameters();
      for (int i = 0; i < Math.min(params.size(), args.size()); i++) {
        if (params.get(i).type() == ValueType.QUANT_TENSOR && !args.get(i).quantTensor()) {
          throw new ForwardProgram.Unsupported("after quantization " + p.source.methodName() + "'s input "
              + params.get(i).name() + " is a Tensor, but the method takes a QuantTensor", call.tree());
        }
      }
      Flow x = args.isEmpty() ? Flow.FLOAT : args.get(0);
      p.inputs.add(x);
      p.callTrees.add(call.tree());
      if (p.compute) {
        return Flow.FLOAT;
      }
      if (p.relu) {
        return new Flow(p.returnQuantTensor, p.reluBits, false);
      }
      LayerDescriptor l = p.source;
      boolean qt = l.returnsQuantTensor();
      return switch (l.requireKind()) {
        case RELU -> x.plain();
        case QUANT_RELU, QUANT_IDENTITY -> new Flow(qt, l.requireSpec().activation().bitWidth(),
            l.requireSpec().activation().signed());
        case QUANT_MAX_POOL2D -> new Flow(qt, x.bits(), x.signed());
        case QUANT_CONV2D, QUANT_LINEAR, QUANT_ELTWISE_ADD -> l.outputQuant()
            .map(q -> new Flow(qt, q.bitWidth(), q.signed())).orElse(new Flow(qt, null, false));
        default -> Flow.FLOAT;
      };
    }

    // ------------------------------------------------------------------ decisions

    private void decide() {
      String floatName = floatModel.modelName();
      for (Plan p : plans.values()) {
        String name = p.source.layerName();
        if (p.relu) {
          p.derived = quantRelu(p);
          if (p.callTrees.size() > 1) {
            out.add(new Diagnostic(Kind.WARNING, name + " (a @ReLU of " + floatName + ", quantized to QuantReLU) is"
                + " called at " + p.callTrees.size() + " places in " + floatName + ".forward: activation quantizers"
                + " are stateful, so the places share (and mix) one quantizer's statistics; declare one @ReLU per"
                + " place, or keep it float with @LayerRule(name = \"" + name + "\", keepFloat = true)", holder,
                quantizeFrom, null, null, null));
          }
          continue;
        }
        if (!p.compute) {
          p.derived = p.source;
          continue;
        }
        p.floatInput = p.inputs.stream().anyMatch(f -> !f.quantTensor());
        boolean inputQuant = p.floatInput && p.inputBits > 0;
        if (p.bias != BiasRule.FLOAT && p.floatInput && !inputQuant) {
          error(name + ": bias = " + p.bias + " needs the input scale (bias scale = input scale x weight scale), but"
              + " the input of " + name + " in " + floatName + ".forward is a float Tensor and inputBitWidth = 0"
              + " adds no input quantizer: set inputBitWidth, or bias = FLOAT for " + name + " with a @LayerRule;"
              + " Brevitas fails at run time with \"Input scale required\"", p.biasAnchor);
        }
        p.derived = quantCompute(p, inputQuant);
        for (Flow in : p.inputs) {
          Integer bits = inputQuant ? Integer.valueOf(p.inputBits) : in.bits();
          boolean signed = inputQuant || in.signed();
          if (bits != null && Validator.isValidBits(bits, true)) {
            Diagnostics d = new Diagnostics();
            Validator.checkAccumulator(p.derived, bits, signed, d);
            d.all().forEach(x -> error(x.message(), rulesAnchor("accumulatorBitWidth")));
          }
        }
      }
    }

    private LayerDescriptor quantCompute(Plan p, boolean inputQuant) {
      LayerDescriptor s = p.source;
      LayerKind kind = s.requireKind() == LayerKind.CONV2D ? LayerKind.QUANT_CONV2D : LayerKind.QUANT_LINEAR;
      WeightQuantSpec weight = new WeightQuantSpec(p.weightBits, rules.weightPerChannel(), rules.weightScaling(),
          rules.accumulatorBitWidth());
      LayerSpec spec = new LayerSpec(kind, s.requireSpec().geometry(), Optional.of(weight), Optional.empty(), false,
          Anchor.NONE);
      List<BiasSpec> biases = p.bias == BiasRule.FLOAT ? List.of()
          : List.of(new BiasSpec(Companion.valueOf(p.bias.name() + "_BIAS"), null));
      Optional<ActQuantSpec> input = inputQuant
          ? Optional.of(new ActQuantSpec(p.inputBits, true, rules.activationScaling(), Anchor.NONE))
          : Optional.empty();
      return new LayerDescriptor(s.method(), s.methodName(), s.layerName(), Optional.of(spec), List.of(),
          s.parameters(), ValueType.TENSOR, ValueType.TENSOR_NAME, biases, input, Optional.empty(), List.of());
    }

    private LayerDescriptor quantRelu(Plan p) {
      LayerDescriptor s = p.source;
      LayerSpec spec = new LayerSpec(LayerKind.QUANT_RELU, Geometry.NONE, Optional.empty(),
          Optional.of(new ActQuantSpec(p.reluBits, false, rules.activationScaling(), Anchor.NONE)),
          p.returnQuantTensor, Anchor.NONE);
      return new LayerDescriptor(s.method(), s.methodName(), s.layerName(), Optional.of(spec), List.of(),
          s.parameters(), p.returnQuantTensor ? ValueType.QUANT_TENSOR : ValueType.TENSOR,
          p.returnQuantTensor ? ValueType.QUANT_TENSOR_NAME : ValueType.TENSOR_NAME, List.of(), Optional.empty(),
          Optional.empty(), List.of());
    }

    // ------------------------------------------------------------------ anchors

    private Position anchor(String attribute) {
      return Position.of(spec.anchor(), attribute);
    }

    private Position rulesAnchor(String attribute) {
      if (!spec.anchor().isExplicit("rules")) {
        return new Position(quantizeFrom, null);
      }
      return Position.of(rules.anchor(), attribute);
    }

    private void error(String message, Position anchor) {
      out.add(Diagnostic.error(message, holder, anchor.mirror(), anchor.value()));
    }
  }

}
