package dev.qnn4j.processor.validation;

import dev.qnn4j.processor.model.ActQuantSpec;
import dev.qnn4j.processor.model.Anchor;
import dev.qnn4j.processor.model.Geometry;
import dev.qnn4j.processor.model.LayerSpec;
import dev.qnn4j.processor.model.BiasSpec;
import dev.qnn4j.processor.model.LayerDescriptor;
import dev.qnn4j.processor.model.LayerKind;
import dev.qnn4j.processor.model.LayerKind.Role;
import dev.qnn4j.processor.model.ModelDescriptor;
import dev.qnn4j.processor.model.ModelExtractor;
import dev.qnn4j.processor.model.Parameter;
import dev.qnn4j.processor.model.ValueType;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.TypeElement;
import javax.lang.model.util.ElementFilter;

/**
 * Checks a {@link ModelDescriptor} and returns every problem found, errors and warnings, each
 * anchored to the element (and annotation value) it is about. Never stops at the first problem.
 * Checks that read {@code forward}'s body are delegated to a {@link ForwardAnalyzer}, when the
 * compiler offers its tree API.
 */
public final class Validator {
  /** Integers QCDQ export can hold: ONNX QuantizeLinear/DequantizeLinear work on (u)int8. */
  static final int QCDQ_MAX_BITS = 8;
  static final int MAX_BITS = 32;

  /** Methods of Model and Object that the generated class defines: a layer cannot take their names. */
  private static final Set<String> RESERVED = Set.of("forward", "modelName", "layers", "inputShape", "train",
      "eval", "isTraining", "parameters", "zeroGrad", "stateDict", "loadStateDict", "layer", "toString",
      "hashCode", "equals", "getClass");

  private final Optional<ForwardAnalyzer> forwardAnalyzer;

  public Validator(Optional<ForwardAnalyzer> forwardAnalyzer) {
    this.forwardAnalyzer = forwardAnalyzer;
  }

  public List<Diagnostic> validate(ModelDescriptor model) {
    Diagnostics out = new Diagnostics();
    checkClass(model, out);
    checkNames(model, out);
    for (LayerDescriptor layer : model.layers()) {
      checkLayer(layer, out);
    }
    forwardAnalyzer.ifPresent(a -> a.analyze(model, out));
    return out.all();
  }

  // ------------------------------------------------------------------ the class

  private static void checkClass(ModelDescriptor model, Diagnostics out) {
    TypeElement type = model.type();
    String name = model.modelName();
    AnnotationMirror mirror = model.mirror();
    if (type.getModifiers().contains(Modifier.FINAL)) {
      out.add(Diagnostic.error("@QuantModel class " + name
          + " must not be final: the processor generates a subclass that implements it", type, mirror));
    }
    if (!type.getModifiers().contains(Modifier.ABSTRACT)) {
      out.add(Diagnostic.error("@QuantModel class " + name
          + " must be abstract: its layer methods are abstract and implemented by the generated subclass",
          type, mirror));
    }
    if (type.getModifiers().contains(Modifier.PRIVATE)) {
      out.add(Diagnostic.error("@QuantModel class " + name + " must not be private", type, mirror));
    }
    if (ModelExtractor.isNestedInner(type)) {
      out.add(Diagnostic.error("@QuantModel class " + name + " must be top level or static", type, mirror));
    }
    if (!type.getTypeParameters().isEmpty()) {
      out.add(Diagnostic.error("@QuantModel class " + name + " must not be generic", type, mirror));
    }
    boolean hasNoArgConstructor = ElementFilter.constructorsIn(type.getEnclosedElements()).stream()
        .anyMatch(c -> c.getParameters().isEmpty() && !c.getModifiers().contains(Modifier.PRIVATE));
    if (!hasNoArgConstructor) {
      out.add(Diagnostic.error("@QuantModel class " + name
          + " needs a non-private constructor without parameters", type, mirror));
    }
    ExecutableElement forward = model.forward();
    if (forward == null) {
      out.add(Diagnostic.error("@QuantModel class " + name
          + " must declare public Tensor forward(Tensor x), which implements Model.forward", type, mirror));
    } else {
      if (!forward.getModifiers().contains(Modifier.PUBLIC)) {
        out.add(Diagnostic.error("forward must be public: it implements Model.forward", forward));
      }
      if (forward.getModifiers().contains(Modifier.ABSTRACT)) {
        out.add(Diagnostic.error("forward must have a body that calls the layer methods", forward));
      }
      if (ValueType.of(forward.getReturnType()) == ValueType.OTHER) {
        out.add(Diagnostic.error("forward must return Tensor or QuantTensor, not " + forward.getReturnType(),
            forward));
      }
    }
    for (int d : model.inputShape()) {
      if (d < 1) {
        out.add(Diagnostic.error("inputShape " + model.inputShape() + " has a dimension " + d
            + "; dimensions (without the batch) must be positive", type, mirror,
            model.anchor().value("inputShape")));
        break;
      }
    }
  }

  private static void checkNames(ModelDescriptor model, Diagnostics out) {
    Map<String, LayerDescriptor> byName = new HashMap<>();
    for (LayerDescriptor layer : model.layers()) {
      if (RESERVED.contains(layer.methodName())) {
        out.add(Diagnostic.error("a layer method cannot be named " + layer.methodName()
            + ": the generated model defines Model." + layer.methodName(), layer.method()));
      }
      LayerDescriptor first = byName.putIfAbsent(layer.layerName(), layer);
      if (first != null) {
        out.add(Diagnostic.error("layer name " + layer.layerName() + " of method " + layer.methodName()
            + " duplicates that of method " + first.methodName()
            + ": layer names are method names in snake_case and must be unique in the state dict",
            layer.method()));
      }
    }
  }

  // ------------------------------------------------------------------ one layer

  private static void checkLayer(LayerDescriptor layer, Diagnostics out) {
    ExecutableElement method = layer.method();
    String name = layer.layerName();
    if (method.getModifiers().contains(Modifier.PRIVATE)) {
      out.add(Diagnostic.error(name + ": a layer method must not be private: the generated subclass overrides it",
          method));
    }
    if (method.getModifiers().contains(Modifier.STATIC)) {
      out.add(Diagnostic.error(name + ": a layer method must not be static: the generated subclass overrides it",
          method));
    }
    if (!method.getModifiers().contains(Modifier.ABSTRACT)) {
      out.add(Diagnostic.error(name
          + ": a layer method must be abstract: the generated subclass implements it", method));
    }
    if (layer.kind().isEmpty()) {
      for (AnnotationMirror companion : layer.companionMirrors()) {
        out.add(Diagnostic.error(name + ": " + simpleName(companion)
            + " refines a layer and needs a layer annotation (e.g. @QuantConv2d) on the same method",
            method, companion));
      }
      return;
    }
    LayerKind kind = layer.requireKind();
    for (AnnotationMirror extra : layer.extraLayerAnnotations()) {
      out.add(Diagnostic.error(name + ": a method is one layer, but it has @" + kind.simpleName() + " and "
          + simpleName(extra), method, extra));
    }
    checkSignature(layer, kind, out);
    checkBitWidths(layer, kind, out);
    checkGeometry(layer, kind, out);
    checkCompanions(layer, kind, out);
    layer.inputQuant().ifPresent(q -> {
      if (kind.hasWeightQuantizer() && isValidBits(q.bitWidth(), true)) {
        checkAccumulator(layer, q.bitWidth(), q.signed(), out);
      }
    });
  }

  private static void checkSignature(LayerDescriptor layer, LayerKind kind, Diagnostics out) {
    ExecutableElement method = layer.method();
    String name = layer.layerName();
    List<Parameter> params = layer.parameters();
    if (params.size() != kind.inputCount()) {
      out.add(Diagnostic.error(name + ": @" + kind.simpleName() + " takes "
          + (kind.inputCount() == 1 ? "one input" : "two inputs") + ", the method has " + params.size()
          + (params.size() == 1 ? " parameter" : " parameters"), method, layer.mirror()));
    }
    for (Parameter p : params) {
      if (p.type() == ValueType.OTHER) {
        out.add(Diagnostic.error(name + ": parameter " + p.name() + " has type " + p.typeName()
            + "; layer inputs are Tensor or QuantTensor", p.element()));
      }
    }
    if (layer.returnType() == ValueType.OTHER) {
      out.add(Diagnostic.error(name + ": returns " + layer.returnTypeName()
          + "; layers return Tensor or QuantTensor", method));
      return;
    }
    if (kind.hasReturnQuantTensor()) {
      boolean declared = layer.requireSpec().returnQuantTensor();
      if (declared != layer.returnsQuantTensor()) {
        out.add(Diagnostic.error(name + ": returnQuantTensor = " + declared + " but the method returns "
            + (layer.returnsQuantTensor() ? "QuantTensor" : "Tensor") + "; "
            + (declared ? "declare it to return QuantTensor" : "set returnQuantTensor = true or return Tensor"),
            method, layer.mirror(), layer.anchor().value("returnQuantTensor")));
      }
    }
    boolean quantInputs = !params.isEmpty() && params.stream().allMatch(p -> p.type() == ValueType.QUANT_TENSOR);
    if (!layer.returnsQuantTensor()) {
      return;
    }
    switch (kind.role()) {
      case FLOAT -> out.add(Diagnostic.error(name + ": @" + kind.simpleName()
          + " is a float layer and returns Tensor, not QuantTensor", method, layer.mirror()));
      case QUANT_WEIGHT -> {
        if (!quantInputs && layer.inputQuant().isEmpty() && layer.outputQuant().isEmpty()) {
          out.add(Diagnostic.error(name + ": returnQuantTensor = true needs a QuantTensor input, @InputQuant or"
              + " @OutputQuant: without an output quantizer the output scale is input scale x weight scale",
              method, layer.mirror(), layer.anchor().value("returnQuantTensor")));
        }
      }
      case QUANT_OTHER -> {
        if (!quantInputs && layer.outputQuant().isEmpty() && params.size() == kind.inputCount()) {
          out.add(Diagnostic.error(name + ": returns QuantTensor but its input"
              + (kind.inputCount() == 1 ? " is" : "s are") + " not QuantTensor"
              + (kind == LayerKind.QUANT_ELTWISE_ADD ? "; add @OutputQuant to requantize the sum"
                  : "; max pooling keeps its input's quantization, so the input must be a QuantTensor"),
              method, layer.mirror()));
        }
      }
      case QUANT_ACTIVATION -> { }
    }
  }

  private static void checkBitWidths(LayerDescriptor layer, LayerKind kind, Diagnostics out) {
    LayerSpec spec = layer.requireSpec();
    Anchor a = spec.anchor();
    spec.weightQuant().ifPresent(w -> {
      checkBits(layer, "weight bitWidth", w.bitWidth(), true, a.mirror(), a.value("bitWidth"), out);
      checkBits(layer, "accumulatorBitWidth", w.accumulatorBitWidth(), false, a.mirror(),
          a.value("accumulatorBitWidth"), out);
    });
    spec.activationQuant().ifPresent(q ->
        checkBits(layer, "activation bitWidth", q.bitWidth(), true, a.mirror(), a.value("bitWidth"), out));
    for (Optional<ActQuantSpec> companion : List.of(layer.inputQuant(), layer.outputQuant())) {
      companion.ifPresent(q -> checkBits(layer, simpleName(q.anchor().mirror()) + " bitWidth", q.bitWidth(), true,
          q.anchor().mirror(), q.anchor().value("bitWidth"), out));
    }
  }

  private static void checkBits(LayerDescriptor layer, String what, int bits, boolean qcdq,
      AnnotationMirror mirror, javax.lang.model.element.AnnotationValue value, Diagnostics out) {
    if (bits < 1 || bits > MAX_BITS) {
      out.add(Diagnostic.error(layer.layerName() + ": " + what + " = " + bits + " is outside 1.." + MAX_BITS,
          layer.method(), mirror, value));
    } else if (qcdq && bits > QCDQ_MAX_BITS) {
      out.add(Diagnostic.error(layer.layerName() + ": " + what + " = " + bits + " is outside 1.." + QCDQ_MAX_BITS
          + ": weights and activations are exported as QCDQ, which holds at most 8-bit integers",
          layer.method(), mirror, value));
    }
  }

  public static boolean isValidBits(int bits, boolean qcdq) {
    return bits >= 1 && bits <= (qcdq ? QCDQ_MAX_BITS : MAX_BITS);
  }

  private static void checkGeometry(LayerDescriptor layer, LayerKind kind, Diagnostics out) {
    Geometry geometry = layer.requireSpec().geometry();
    Anchor a = layer.anchor();
    if (geometry instanceof Geometry.Conv c) {
      atLeast(layer, "inChannels", c.inChannels(), 1, out);
      atLeast(layer, "outChannels", c.outChannels(), 1, out);
      atLeast(layer, "kernelSize", c.kernelSize(), 1, out);
      atLeast(layer, "stride", c.stride(), 1, out);
      atLeast(layer, "dilation", c.dilation(), 1, out);
      atLeast(layer, "padding", c.padding(), 0, out);
      int groups = c.groups();
      if (groups < 1 || c.inChannels() % groups != 0 || c.outChannels() % groups != 0) {
        out.add(Diagnostic.error(layer.layerName() + ": groups = " + groups + " must divide inChannels = "
            + c.inChannels() + " and outChannels = " + c.outChannels(), layer.method(),
            a.mirror(), a.value("groups")));
      }
    } else if (geometry instanceof Geometry.Dense d) {
      atLeast(layer, "inFeatures", d.inFeatures(), 1, out);
      atLeast(layer, "outFeatures", d.outFeatures(), 1, out);
    } else if (geometry instanceof Geometry.Pool p) {
      atLeast(layer, "kernelSize", p.kernelSize(), 1, out);
      atLeast(layer, "stride", p.stride(), 0, out);
      atLeast(layer, "padding", p.padding(), 0, out);
      if (p.padding() * 2 > p.kernelSize()) {
        out.add(Diagnostic.error(layer.layerName() + ": padding = " + p.padding()
            + " must be at most half of kernelSize = " + p.kernelSize(), layer.method(), a.mirror(),
            a.value("padding")));
      }
    } else if (geometry instanceof Geometry.BatchNorm b) {
      atLeast(layer, "numFeatures", b.numFeatures(), 1, out);
      if (!(b.eps() > 0)) {
        out.add(Diagnostic.error(layer.layerName() + ": eps must be positive", layer.method(), a.mirror(),
            a.value("eps")));
      }
    }
  }

  private static void atLeast(LayerDescriptor layer, String attribute, int value, int min, Diagnostics out) {
    if (value < min) {
      out.add(Diagnostic.error(layer.layerName() + ": " + attribute + " = " + value + " must be at least " + min,
          layer.method(), layer.mirror(), layer.anchor().value(attribute)));
    }
  }

  private static void checkCompanions(LayerDescriptor layer, LayerKind kind, Diagnostics out) {
    ExecutableElement method = layer.method();
    String name = layer.layerName();
    layer.inputQuant().ifPresent(q -> {
      if (kind.role() != Role.QUANT_WEIGHT) {
        out.add(Diagnostic.error(name + ": @InputQuant applies to @QuantConv2d and @QuantLinear only", method,
            q.anchor().mirror()));
      }
    });
    layer.outputQuant().ifPresent(q -> {
      if (kind.role() != Role.QUANT_WEIGHT && kind != LayerKind.QUANT_ELTWISE_ADD) {
        out.add(Diagnostic.error(name + ": @OutputQuant applies to @QuantConv2d, @QuantLinear and"
            + " @QuantEltwiseAdd only", method, q.anchor().mirror()));
      }
    });
    List<BiasSpec> biases = layer.biases();
    if (biases.isEmpty()) {
      return;
    }
    if (kind.role() != Role.QUANT_WEIGHT) {
      for (BiasSpec b : biases) {
        out.add(Diagnostic.error(name + ": @" + b.kind().simpleName()
            + " applies to @QuantConv2d and @QuantLinear only", method, b.mirror()));
      }
      return;
    }
    BiasSpec bias = biases.get(0);
    for (BiasSpec extra : biases.subList(1, biases.size())) {
      out.add(Diagnostic.error(name + ": two bias quantizers, @" + bias.kind().simpleName() + " and @"
          + extra.kind().simpleName() + "; a layer has one bias", method, extra.mirror()));
    }
    String quantizer = "@" + bias.kind().simpleName();
    if (!layer.requireSpec().hasBias()) {
      out.add(Diagnostic.error(name + ": " + quantizer + " on a layer with bias = false", method, bias.mirror()));
    }
    if (layer.parameters().size() == 1 && layer.inputQuant().isEmpty()
        && layer.parameters().get(0).type() == ValueType.TENSOR) {
      Parameter input = layer.parameters().get(0);
      out.add(Diagnostic.error(name + ": " + quantizer + " needs the input scale (bias scale = input scale x"
          + " weight scale), but input " + input.name() + " is a Tensor: declare it QuantTensor (from a layer"
          + " with returnQuantTensor = true) or add @InputQuant; Brevitas fails at run time with"
          + " \"Input scale required\"", method, bias.mirror()));
    }
  }

  /** Rule: the worst-case accumulator of a quantized conv/linear must fit accumulatorBitWidth. */
  public static void checkAccumulator(LayerDescriptor layer, int inputBits, boolean inputSigned, Diagnostics out) {
    int weightBits = layer.requireSpec().weight().bitWidth();
    int available = layer.requireSpec().weight().accumulatorBitWidth();
    if (!isValidBits(weightBits, true) || !isValidBits(available, false)) {
      return;
    }
    long fanIn = layer.requireSpec().fanIn();
    int needed = Accumulators.requiredBits(fanIn, inputBits, inputSigned, weightBits);
    if (needed > available) {
      out.add(Diagnostic.error(layer.layerName() + ": the worst-case accumulator needs " + needed
          + " bits, more than accumulatorBitWidth = " + available + " (fan-in " + fanIn + ", inputs up to "
          + Accumulators.maxAbsInput(inputBits, inputSigned) + " as " + inputBits + "-bit "
          + (inputSigned ? "signed" : "unsigned") + ", weights up to " + Accumulators.maxAbsWeight(weightBits)
          + " as " + weightBits + "-bit)", layer.method(), layer.mirror(),
          layer.anchor().value("accumulatorBitWidth")));
    }
  }

  static String simpleName(AnnotationMirror m) {
    return "@" + m.getAnnotationType().asElement().getSimpleName();
  }
}
