package dev.qnn4j.processor.validation;

import dev.qnn4j.annotations.ScalingImpl;
import dev.qnn4j.processor.model.ActQuantSpec;
import dev.qnn4j.processor.model.Anchor;
import dev.qnn4j.processor.model.BiasSpec;
import dev.qnn4j.processor.model.Geometry;
import dev.qnn4j.processor.model.LayerDescriptor;
import dev.qnn4j.processor.model.LayerKind;
import dev.qnn4j.processor.model.LayerKind.Role;
import dev.qnn4j.processor.model.LayerSpec;
import dev.qnn4j.processor.model.ModelDescriptor;
import dev.qnn4j.processor.model.ModelExtractor;
import dev.qnn4j.processor.model.Parameter;
import dev.qnn4j.processor.model.ValueType;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
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
  /**
   * Methods of Model and Object that the generated class defines: a layer cannot take their names.
   */
  /**
   * Dotted module paths as PyTorch prints them: {@code conv_features.1}, {@code layer1.0.conv1}.
   */
  private static final Pattern STATE_DICT_NAME =
      Pattern.compile("[A-Za-z0-9_]+(\\.[A-Za-z0-9_]+)*");

  private static final Set<String> RESERVED =
      Set.of(
          "forward",
          "modelName",
          "layers",
          "inputShape",
          "train",
          "eval",
          "isTraining",
          "parameters",
          "zeroGrad",
          "stateDict",
          "loadStateDict",
          "layer",
          "toString",
          "hashCode",
          "equals",
          "getClass");

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
      out.add(Diagnostic.error(Messages.modelFinal(name), type, mirror));
    }
    if (!type.getModifiers().contains(Modifier.ABSTRACT)) {
      out.add(Diagnostic.error(Messages.modelNotAbstract(name), type, mirror));
    }
    if (type.getModifiers().contains(Modifier.PRIVATE)) {
      out.add(Diagnostic.error(Messages.modelPrivate(name), type, mirror));
    }
    if (ModelExtractor.isNestedInner(type)) {
      out.add(Diagnostic.error(Messages.modelInner(name), type, mirror));
    }
    if (!type.getTypeParameters().isEmpty()) {
      out.add(Diagnostic.error(Messages.modelGeneric(name), type, mirror));
    }
    boolean hasNoArgConstructor =
        ElementFilter.constructorsIn(type.getEnclosedElements()).stream()
            .anyMatch(
                c -> c.getParameters().isEmpty() && !c.getModifiers().contains(Modifier.PRIVATE));
    if (!hasNoArgConstructor) {
      out.add(Diagnostic.error(Messages.modelConstructor(name), type, mirror));
    }
    ExecutableElement forward = model.forward();
    if (forward == null) {
      out.add(Diagnostic.error(Messages.modelWithoutForward(name), type, mirror));
    } else {
      if (!forward.getModifiers().contains(Modifier.PUBLIC)) {
        out.add(Diagnostic.error(Messages.forwardNotPublic(), forward));
      }
      if (forward.getModifiers().contains(Modifier.ABSTRACT)) {
        out.add(Diagnostic.error(Messages.forwardAbstract(), forward));
      }
      if (ValueType.of(forward.getReturnType()) == ValueType.OTHER) {
        out.add(Diagnostic.error(Messages.forwardReturnType(forward.getReturnType()), forward));
      }
    }
    for (int d : model.inputShape()) {
      if (d < 1) {
        out.add(
            Diagnostic.error(
                Messages.inputShapeDimension(model.inputShape(), d),
                type,
                mirror,
                model.anchor().value("inputShape")));
        break;
      }
    }
  }

  private static void checkNames(ModelDescriptor model, Diagnostics out) {
    Map<String, LayerDescriptor> byName = new HashMap<>();
    for (LayerDescriptor layer : model.layers()) {
      if (RESERVED.contains(layer.methodName())) {
        out.add(Diagnostic.error(Messages.reservedLayerName(layer.methodName()), layer.method()));
      }
      layer
          .stateDictName()
          .filter(m -> !STATE_DICT_NAME.matcher(layer.layerName()).matches())
          .ifPresent(
              m ->
                  out.add(
                      Diagnostic.error(
                          Messages.invalidStateDictName(layer.layerName(), layer.methodName()),
                          layer.method(),
                          m)));
      LayerDescriptor first = byName.putIfAbsent(layer.layerName(), layer);
      if (first != null) {
        out.add(
            Diagnostic.error(
                Messages.duplicateLayerName(
                    layer.layerName(), layer.methodName(), first.methodName()),
                layer.method()));
      }
    }
  }

  // ------------------------------------------------------------------ one layer

  private static void checkLayer(LayerDescriptor layer, Diagnostics out) {
    ExecutableElement method = layer.method();
    String name = layer.layerName();
    if (method.getModifiers().contains(Modifier.PRIVATE)) {
      out.add(Diagnostic.error(Messages.layerMethodPrivate(name), method));
    }
    if (method.getModifiers().contains(Modifier.STATIC)) {
      out.add(Diagnostic.error(Messages.layerMethodStatic(name), method));
    }
    if (!method.getModifiers().contains(Modifier.ABSTRACT)) {
      out.add(Diagnostic.error(Messages.layerMethodNotAbstract(name), method));
    }
    if (layer.kind().isEmpty()) {
      for (AnnotationMirror companion : layer.companionMirrors()) {
        out.add(
            Diagnostic.error(
                Messages.companionWithoutLayer(name, simpleName(companion)), method, companion));
      }
      return;
    }
    LayerKind kind = layer.requireKind();
    for (AnnotationMirror extra : layer.extraLayerAnnotations()) {
      out.add(
          Diagnostic.error(
              Messages.twoLayerAnnotations(name, kind, simpleName(extra)), method, extra));
    }
    checkSignature(layer, kind, out);
    checkBitWidths(layer, kind, out);
    checkScales(layer, kind, out);
    checkGeometry(layer, kind, out);
    checkCompanions(layer, kind, out);
    layer
        .inputQuant()
        .ifPresent(
            q -> {
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
      out.add(
          Diagnostic.error(Messages.inputCount(name, kind, params.size()), method, layer.mirror()));
    }
    for (Parameter p : params) {
      if (p.type() == ValueType.OTHER) {
        out.add(
            Diagnostic.error(Messages.parameterType(name, p.name(), p.typeName()), p.element()));
      }
    }
    if (kind == LayerKind.QUANT_CAT
        && params.stream().anyMatch(p -> p.type() != ValueType.QUANT_TENSOR)) {
      out.add(Diagnostic.error(Messages.catNeedsQuantTensors(name), method, layer.mirror()));
    }
    if (layer.returnType() == ValueType.OTHER) {
      out.add(Diagnostic.error(Messages.returnType(name, layer.returnTypeName()), method));
      return;
    }
    if (kind.hasReturnQuantTensor()) {
      boolean declared = layer.requireSpec().returnQuantTensor();
      if (declared != layer.returnsQuantTensor()) {
        out.add(
            Diagnostic.error(
                Messages.returnQuantTensorMismatch(name, declared, layer.returnsQuantTensor()),
                method,
                layer.mirror(),
                layer.anchor().value("returnQuantTensor")));
      }
    }
    boolean quantInputs =
        !params.isEmpty() && params.stream().allMatch(p -> p.type() == ValueType.QUANT_TENSOR);
    if (!layer.returnsQuantTensor()) {
      return;
    }
    switch (kind.role()) {
      case FLOAT ->
          out.add(
              Diagnostic.error(
                  Messages.floatLayerReturnsQuantTensor(name, kind), method, layer.mirror()));
      case QUANT_WEIGHT -> {
        if (!quantInputs && layer.inputQuant().isEmpty() && layer.outputQuant().isEmpty()) {
          out.add(
              Diagnostic.error(
                  Messages.quantTensorWithoutOutputScale(name),
                  method,
                  layer.mirror(),
                  layer.anchor().value("returnQuantTensor")));
        }
      }
      case QUANT_OTHER -> {
        if (!quantInputs && layer.outputQuant().isEmpty() && params.size() == kind.inputCount()) {
          out.add(
              Diagnostic.error(
                  Messages.quantTensorFromFloatInput(name, kind), method, layer.mirror()));
        }
      }
      case QUANT_ACTIVATION -> {}
    }
  }

  private static void checkBitWidths(LayerDescriptor layer, LayerKind kind, Diagnostics out) {
    LayerSpec spec = layer.requireSpec();
    Anchor a = spec.anchor();
    spec.weightQuant()
        .ifPresent(
            w -> {
              checkBits(
                  layer,
                  "weight bitWidth",
                  w.bitWidth(),
                  true,
                  a.mirror(),
                  a.value("bitWidth"),
                  out);
              checkBits(
                  layer,
                  "accumulatorBitWidth",
                  w.accumulatorBitWidth(),
                  false,
                  a.mirror(),
                  a.value("accumulatorBitWidth"),
                  out);
            });
    spec.activationQuant()
        .ifPresent(
            q ->
                checkBits(
                    layer,
                    "activation bitWidth",
                    q.bitWidth(),
                    true,
                    a.mirror(),
                    a.value("bitWidth"),
                    out));
    for (Optional<ActQuantSpec> companion : List.of(layer.inputQuant(), layer.outputQuant())) {
      companion.ifPresent(
          q ->
              checkBits(
                  layer,
                  simpleName(q.anchor().mirror()) + " bitWidth",
                  q.bitWidth(),
                  true,
                  q.anchor().mirror(),
                  q.anchor().value("bitWidth"),
                  out));
    }
  }

  /** The scale attributes of bnn_pynq-style quantizers: constant, learned and binary. */
  private static void checkScales(LayerDescriptor layer, LayerKind kind, Diagnostics out) {
    LayerSpec spec = layer.requireSpec();
    Anchor a = spec.anchor();
    String name = layer.layerName();
    spec.weightQuant()
        .ifPresent(
            w -> {
              if (w.scalingImpl() == ScalingImpl.PARAMETER) {
                out.add(
                    Diagnostic.error(
                        Messages.learnedWeightScale(name),
                        layer.method(),
                        a.mirror(),
                        a.value("scalingImpl")));
              } else if (w.scalingImpl() == ScalingImpl.CONST) {
                if (!(w.scalingConst() > 0 && Float.isFinite(w.scalingConst()))) {
                  out.add(
                      Diagnostic.error(
                          Messages.scalingConstNotPositive(name, w.scalingConst()),
                          layer.method(),
                          a.mirror(),
                          a.explicitValue("scalingConst") != null
                              ? a.value("scalingConst")
                              : a.value("scalingImpl")));
                }
                if (w.binary() && a.explicitValue("narrowRange") != null) {
                  out.add(
                      Diagnostic.error(
                          Messages.binaryNarrowRange(name),
                          layer.method(),
                          a.mirror(),
                          a.value("narrowRange")));
                }
              } else if (a.explicitValue("scalingConst") != null) {
                out.add(
                    Diagnostic.error(
                        Messages.scalingConstUnused(name, w.scalingImpl()),
                        layer.method(),
                        a.mirror(),
                        a.value("scalingConst")));
              }
            });
    spec.activationQuant()
        .ifPresent(
            q -> {
              if (!q.fromRange()) {
                if (a.explicitValue("minVal") != null || a.explicitValue("maxVal") != null) {
                  AnnotationValue at =
                      a.explicitValue("minVal") != null ? a.value("minVal") : a.value("maxVal");
                  out.add(
                      Diagnostic.error(Messages.rangeUnused(name), layer.method(), a.mirror(), at));
                }
                return;
              }
              if (!(Float.isFinite(q.minVal())
                  && Float.isFinite(q.maxVal())
                  && q.minVal() < q.maxVal())) {
                AnnotationValue at =
                    a.explicitValue("maxVal") != null ? a.value("maxVal") : a.value("scalingImpl");
                out.add(
                    Diagnostic.error(
                        Messages.rangeInvalid(name, q.minVal(), q.maxVal()),
                        layer.method(),
                        a.mirror(),
                        a.explicitValue("minVal") != null ? a.value("minVal") : at));
                return;
              }
              if (kind == LayerKind.QUANT_RELU && q.minVal() < 0) {
                out.add(
                    Diagnostic.error(
                        Messages.unsignedNegativeMin(name, kind.simpleName(), q.minVal()),
                        layer.method(),
                        a.mirror(),
                        a.value("minVal")));
              }
              if (q.bitWidth() == 1 && q.scalingImpl() == ScalingImpl.PARAMETER) {
                out.add(
                    Diagnostic.error(
                        Messages.binaryLearned(name),
                        layer.method(),
                        a.mirror(),
                        a.value("bitWidth")));
              }
              if (q.binary()) {
                if (!q.signed()) {
                  out.add(
                      Diagnostic.error(
                          Messages.binaryUnsigned(name, kind.simpleName()),
                          layer.method(),
                          a.mirror(),
                          a.value("bitWidth")));
                }
                if (a.explicitValue("narrowRange") != null) {
                  out.add(
                      Diagnostic.error(
                          Messages.binaryNarrowRange(name),
                          layer.method(),
                          a.mirror(),
                          a.value("narrowRange")));
                }
              }
            });
  }

  private static void checkBits(
      LayerDescriptor layer,
      String what,
      int bits,
      boolean qcdq,
      AnnotationMirror mirror,
      javax.lang.model.element.AnnotationValue value,
      Diagnostics out) {
    if (!Messages.isValidBits(bits, 1, qcdq)) {
      out.add(
          Diagnostic.error(
              Messages.bitWidth(layer.layerName() + ": " + what, bits, 1, qcdq, null),
              layer.method(),
              mirror,
              value));
    }
  }

  public static boolean isValidBits(int bits, boolean qcdq) {
    return Messages.isValidBits(bits, 1, qcdq);
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
        out.add(
            Diagnostic.error(
                Messages.groups(layer.layerName(), groups, c.inChannels(), c.outChannels()),
                layer.method(),
                a.mirror(),
                a.value("groups")));
      }
    } else if (geometry instanceof Geometry.ConvTranspose t) {
      atLeast(layer, "inChannels", t.inChannels(), 1, out);
      atLeast(layer, "outChannels", t.outChannels(), 1, out);
      atLeast(layer, "kernelSize", t.kernelSize(), 1, out);
      atLeast(layer, "stride", t.stride(), 1, out);
      atLeast(layer, "dilation", t.dilation(), 1, out);
      atLeast(layer, "padding", t.padding(), 0, out);
      atLeast(layer, "outputPadding", t.outputPadding(), 0, out);
      int groups = t.groups();
      if (groups < 1 || t.inChannels() % groups != 0 || t.outChannels() % groups != 0) {
        out.add(
            Diagnostic.error(
                Messages.groups(layer.layerName(), groups, t.inChannels(), t.outChannels()),
                layer.method(),
                a.mirror(),
                a.value("groups")));
      }
      if (t.outputPadding() >= t.stride() && t.outputPadding() >= t.dilation()) {
        out.add(
            Diagnostic.error(
                Messages.outputPadding(
                    layer.layerName(), t.outputPadding(), t.stride(), t.dilation()),
                layer.method(),
                a.mirror(),
                a.value("outputPadding")));
      }
      if (layer.requireSpec().weight().perChannel()) {
        out.add(
            Diagnostic.error(
                Messages.transposedPerChannel(layer.layerName()),
                layer.method(),
                a.mirror(),
                a.value("perChannel")));
      }
    } else if (geometry instanceof Geometry.Dense d) {
      atLeast(layer, "inFeatures", d.inFeatures(), 1, out);
      atLeast(layer, "outFeatures", d.outFeatures(), 1, out);
    } else if (geometry instanceof Geometry.Pool p) {
      atLeast(layer, "kernelSize", p.kernelSize(), 1, out);
      atLeast(layer, "stride", p.stride(), 0, out);
      atLeast(layer, "padding", p.padding(), 0, out);
      if (p.padding() * 2 > p.kernelSize()) {
        out.add(
            Diagnostic.error(
                Messages.poolPadding(layer.layerName(), p.padding(), p.kernelSize()),
                layer.method(),
                a.mirror(),
                a.value("padding")));
      }
    } else if (geometry instanceof Geometry.Trunc t) {
      if (t.outputSize() == 0) {
        atLeast(layer, "kernelSize", t.kernelSize(), 1, out);
        atLeast(layer, "stride", t.stride(), 0, out);
      } else {
        atLeast(layer, "outputSize", t.outputSize(), 1, out);
      }
      atLeast(layer, "bitWidth", t.bitWidth(), 1, out);
    } else if (geometry instanceof Geometry.Adaptive ad) {
      atLeast(layer, "outputSize", ad.outputSize(), 1, out);
    } else if (geometry instanceof Geometry.Upsample u) {
      boolean factor = u.scaleFactor() >= 1 && u.height() == 0 && u.width() == 0;
      boolean size = u.scaleFactor() == 0 && u.height() >= 1 && u.width() >= 1;
      if (!factor && !size) {
        out.add(
            Diagnostic.error(Messages.upsampleSize(layer.layerName()), layer.method(), a.mirror()));
      }
    } else if (geometry instanceof Geometry.Dropout d) {
      if (!(d.p() >= 0 && d.p() < 1)) {
        out.add(
            Diagnostic.error(
                Messages.dropoutProbability(layer.layerName(), d.p()),
                layer.method(),
                a.mirror(),
                a.value("p")));
      }
    } else if (geometry instanceof Geometry.BatchNorm b) {
      atLeast(layer, "numFeatures", b.numFeatures(), 1, out);
      if (!(b.eps() > 0)) {
        out.add(
            Diagnostic.error(
                Messages.epsNotPositive(layer.layerName()),
                layer.method(),
                a.mirror(),
                a.value("eps")));
      }
    }
  }

  private static void atLeast(
      LayerDescriptor layer, String attribute, int value, int min, Diagnostics out) {
    if (value < min) {
      out.add(
          Diagnostic.error(
              Messages.atLeast(layer.layerName(), attribute, value, min),
              layer.method(),
              layer.mirror(),
              layer.anchor().value(attribute)));
    }
  }

  private static void checkCompanions(LayerDescriptor layer, LayerKind kind, Diagnostics out) {
    ExecutableElement method = layer.method();
    String name = layer.layerName();
    layer
        .inputQuant()
        .ifPresent(
            q -> {
              if (kind.role() != Role.QUANT_WEIGHT) {
                out.add(
                    Diagnostic.error(
                        Messages.inputQuantMisplaced(name), method, q.anchor().mirror()));
              }
            });
    layer
        .outputQuant()
        .ifPresent(
            q -> {
              if (kind.role() != Role.QUANT_WEIGHT && kind != LayerKind.QUANT_ELTWISE_ADD) {
                out.add(
                    Diagnostic.error(
                        Messages.outputQuantMisplaced(name), method, q.anchor().mirror()));
              }
            });
    List<BiasSpec> biases = layer.biases();
    if (biases.isEmpty()) {
      return;
    }
    if (kind.role() != Role.QUANT_WEIGHT) {
      for (BiasSpec b : biases) {
        out.add(
            Diagnostic.error(
                Messages.biasQuantMisplaced(name, b.kind().simpleName()), method, b.mirror()));
      }
      return;
    }
    BiasSpec bias = biases.get(0);
    for (BiasSpec extra : biases.subList(1, biases.size())) {
      out.add(
          Diagnostic.error(
              Messages.twoBiasQuantizers(name, bias.kind().simpleName(), extra.kind().simpleName()),
              method,
              extra.mirror()));
    }
    String quantizer = "@" + bias.kind().simpleName();
    if (!layer.requireSpec().hasBias()) {
      out.add(
          Diagnostic.error(Messages.biasQuantWithoutBias(name, quantizer), method, bias.mirror()));
    }
    if (layer.parameters().size() == 1
        && layer.inputQuant().isEmpty()
        && layer.parameters().get(0).type() == ValueType.TENSOR) {
      Parameter input = layer.parameters().get(0);
      out.add(
          Diagnostic.error(
              Messages.biasQuantWithoutInputScale(name, quantizer, input.name()),
              method,
              bias.mirror()));
    }
  }

  /** Rule: the worst-case accumulator of a quantized conv/linear must fit accumulatorBitWidth. */
  public static void checkAccumulator(
      LayerDescriptor layer, int inputBits, boolean inputSigned, Diagnostics out) {
    int weightBits = layer.requireSpec().weight().bitWidth();
    int available = layer.requireSpec().weight().accumulatorBitWidth();
    if (!isValidBits(weightBits, true) || !isValidBits(available, false)) {
      return;
    }
    long fanIn = layer.requireSpec().fanIn();
    int needed = Accumulators.requiredBits(fanIn, inputBits, inputSigned, weightBits);
    if (needed > available) {
      out.add(
          Diagnostic.error(
              Messages.accumulatorOverflow(
                  layer.layerName(),
                  needed,
                  available,
                  fanIn,
                  Accumulators.maxAbsInput(inputBits, inputSigned),
                  inputBits,
                  inputSigned,
                  Accumulators.maxAbsWeight(weightBits),
                  weightBits),
              layer.method(),
              layer.mirror(),
              layer.anchor().value("accumulatorBitWidth")));
    }
  }

  static String simpleName(AnnotationMirror m) {
    return "@" + m.getAnnotationType().asElement().getSimpleName();
  }
}
