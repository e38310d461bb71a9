package dev.qnn4j.processor.model;

import dev.qnn4j.annotations.BiasRule;
import dev.qnn4j.annotations.LayerRule;
import dev.qnn4j.annotations.QuantModel;
import dev.qnn4j.annotations.QuantizeFrom;
import dev.qnn4j.annotations.Scaling;
import dev.qnn4j.annotations.ScalingImpl;
import dev.qnn4j.annotations.TruncRounding;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.type.TypeMirror;
import javax.lang.model.util.ElementFilter;
import javax.lang.model.util.Elements;

/**
 * Reads a {@code @QuantModel} class into a {@link ModelDescriptor}. Extraction never fails:
 * whatever is wrong (a missing forward, a method with two layer annotations) is kept in the
 * descriptor for the validator to report, so that all problems surface in one compilation.
 */
public final class ModelExtractor {
  public static final String QUANT_MODEL = QuantModel.class.getCanonicalName();
  public static final String QUANTIZE_FROM = QuantizeFrom.class.getCanonicalName();

  private final Elements elements;

  public ModelExtractor(Elements elements) {
    this.elements = elements;
  }

  public ModelDescriptor extract(TypeElement type) {
    AnnotationMirror quantModel =
        findAnnotation(type, QUANT_MODEL)
            .orElseThrow(
                () -> new IllegalArgumentException(type + " is not annotated @QuantModel"));
    AnnotationReader model = new AnnotationReader(quantModel, elements);
    List<LayerDescriptor> layers = new ArrayList<>();
    for (ExecutableElement method : ElementFilter.methodsIn(type.getEnclosedElements())) {
      if (isLayerMethod(method)) {
        layers.add(layer(method));
      }
    }
    return new ModelDescriptor(
        type,
        elements.getPackageOf(type).getQualifiedName().toString(),
        type.getSimpleName().toString(),
        "QuantModel_" + nestedName(type),
        model.anchor(),
        model.intList("inputShape"),
        layers,
        findForward(type));
  }

  /** Whether {@code method} carries a layer or companion annotation. */
  public static boolean isLayerMethod(ExecutableElement method) {
    for (AnnotationMirror m : method.getAnnotationMirrors()) {
      String name = qualifiedName(m);
      if (LayerKind.forAnnotation(name).isPresent() || Companion.forAnnotation(name).isPresent()) {
        return true;
      }
    }
    return false;
  }

  private LayerDescriptor layer(ExecutableElement method) {
    LayerSpec spec = null;
    List<AnnotationMirror> extraLayers = new ArrayList<>();
    List<BiasSpec> biases = new ArrayList<>();
    List<AnnotationMirror> companions = new ArrayList<>();
    ActQuantSpec inputQuant = null;
    ActQuantSpec outputQuant = null;
    AnnotationMirror stateDictName = null;
    for (AnnotationMirror m : method.getAnnotationMirrors()) {
      String name = qualifiedName(m);
      Optional<LayerKind> k = LayerKind.forAnnotation(name);
      if (k.isPresent()) {
        if (spec == null) {
          spec = layerSpec(k.get(), new AnnotationReader(m, elements));
        } else {
          extraLayers.add(m);
        }
        continue;
      }
      Optional<Companion> c = Companion.forAnnotation(name);
      if (c.isEmpty()) {
        continue;
      }
      companions.add(m);
      switch (c.get()) {
        case INPUT_QUANT -> inputQuant = actQuant(new AnnotationReader(m, elements));
        case OUTPUT_QUANT -> outputQuant = actQuant(new AnnotationReader(m, elements));
        case STATE_DICT_NAME -> stateDictName = m;
        default -> biases.add(new BiasSpec(c.get(), m));
      }
    }
    List<Parameter> parameters = new ArrayList<>();
    for (VariableElement p : method.getParameters()) {
      parameters.add(
          new Parameter(
              p, p.getSimpleName().toString(), ValueType.of(p.asType()), p.asType().toString()));
    }
    String methodName = method.getSimpleName().toString();
    String layerName =
        stateDictName == null
            ? LayerNames.snakeCase(methodName)
            : new AnnotationReader(stateDictName, elements).stringValue("value");
    return new LayerDescriptor(
        method,
        methodName,
        layerName,
        Optional.ofNullable(stateDictName),
        Optional.ofNullable(spec),
        extraLayers,
        parameters,
        ValueType.of(method.getReturnType()),
        method.getReturnType().toString(),
        biases,
        Optional.ofNullable(inputQuant),
        Optional.ofNullable(outputQuant),
        companions);
  }

  /** The one place a layer annotation's values are read. */
  private static LayerSpec layerSpec(LayerKind kind, AnnotationReader a) {
    Geometry geometry =
        switch (kind) {
          case QUANT_CONV_TRANSPOSE2D ->
              new Geometry.ConvTranspose(
                  a.intValue("inChannels"),
                  a.intValue("outChannels"),
                  a.intValue("kernelSize"),
                  a.intValue("stride"),
                  a.intValue("padding"),
                  a.intValue("outputPadding"),
                  a.intValue("dilation"),
                  a.intValue("groups"),
                  a.booleanValue("bias"));
          case QUANT_CONV2D, CONV2D, QUANT_CONV1D ->
              new Geometry.Conv(
                  a.intValue("inChannels"),
                  a.intValue("outChannels"),
                  a.intValue("kernelSize"),
                  a.intValue("stride"),
                  a.intValue("padding"),
                  a.intValue("dilation"),
                  a.intValue("groups"),
                  a.booleanValue("bias"));
          case QUANT_LINEAR, LINEAR ->
              new Geometry.Dense(
                  a.intValue("inFeatures"), a.intValue("outFeatures"), a.booleanValue("bias"));
          case QUANT_MAX_POOL2D ->
              new Geometry.Pool(
                  a.intValue("kernelSize"), a.intValue("stride"), a.intValue("padding"));
          case BATCH_NORM2D, BATCH_NORM1D ->
              new Geometry.BatchNorm(
                  a.intValue("numFeatures"), a.doubleValue("eps"), a.doubleValue("momentum"));
          case TENSOR_NORM ->
              new Geometry.BatchNorm(1, a.doubleValue("eps"), a.doubleValue("momentum"));
          case DROPOUT -> new Geometry.Dropout(a.doubleValue("p"));
          case TRUNC_AVG_POOL2D ->
              new Geometry.Trunc(
                  a.intValue("kernelSize"),
                  a.intValue("stride"),
                  0,
                  a.intValue("bitWidth"),
                  a.enumValue("rounding", TruncRounding.class) == TruncRounding.FLOOR);
          case TRUNC_ADAPTIVE_AVG_POOL2D ->
              new Geometry.Trunc(
                  0,
                  0,
                  a.intValue("outputSize"),
                  a.intValue("bitWidth"),
                  a.enumValue("rounding", TruncRounding.class) == TruncRounding.FLOOR);
          case ADAPTIVE_AVG_POOL2D -> new Geometry.Adaptive(a.intValue("outputSize"));
          case QUANT_UPSAMPLE ->
              new Geometry.Upsample(
                  a.intValue("scaleFactor"), a.intValue("height"), a.intValue("width"));
          default -> Geometry.NONE;
        };
    Optional<WeightQuantSpec> weight =
        kind.hasWeightQuantizer()
            ? Optional.of(
                new WeightQuantSpec(
                    a.intValue("bitWidth"),
                    a.booleanValue("perChannel"),
                    a.enumValue("scaling", Scaling.class),
                    a.intValue("accumulatorBitWidth"),
                    a.enumValue("scalingImpl", ScalingImpl.class),
                    (float) a.doubleValue("scalingConst"),
                    a.booleanValue("narrowRange")))
            : Optional.empty();
    Optional<ActQuantSpec> activation =
        kind.role() == LayerKind.Role.QUANT_ACTIVATION
            ? Optional.of(activationSpec(kind, a))
            : Optional.empty();
    boolean returnQuantTensor = kind.hasReturnQuantTensor() && a.booleanValue("returnQuantTensor");
    return new LayerSpec(kind, geometry, weight, activation, returnQuantTensor, a.anchor());
  }

  /**
   * The quantizer of an activation layer. Sigmoid, Tanh, HardTanh and the range attributes exist
   * only on some annotations; signedness follows Brevitas: Identity and Tanh signed, ReLU and
   * Sigmoid unsigned, a quantizer from a range signed when {@code minVal < 0}.
   */
  private static ActQuantSpec activationSpec(LayerKind kind, AnnotationReader a) {
    boolean rangeAttributes =
        kind == LayerKind.QUANT_IDENTITY
            || kind == LayerKind.QUANT_RELU
            || kind == LayerKind.QUANT_HARD_TANH;
    ScalingImpl scalingImpl =
        rangeAttributes ? a.enumValue("scalingImpl", ScalingImpl.class) : ScalingImpl.STATS;
    float minVal = rangeAttributes ? (float) a.doubleValue("minVal") : Float.NaN;
    float maxVal = rangeAttributes ? (float) a.doubleValue("maxVal") : Float.NaN;
    boolean signed =
        switch (kind) {
          case QUANT_RELU, QUANT_SIGMOID -> false;
          case QUANT_HARD_TANH -> minVal < 0;
          default -> scalingImpl == ScalingImpl.STATS || minVal < 0;
        };
    return new ActQuantSpec(
        a.intValue("bitWidth"),
        signed,
        a.enumValue("scaling", Scaling.class),
        a.anchor(),
        scalingImpl,
        minVal,
        maxVal,
        rangeAttributes && a.booleanValue("narrowRange"));
  }

  private static ActQuantSpec actQuant(AnnotationReader a) {
    return new ActQuantSpec(
        a.intValue("bitWidth"),
        a.booleanValue("signed"),
        a.enumValue("scaling", Scaling.class),
        a.anchor());
  }

  /**
   * The float model class a {@code @QuantizeFrom} names, or null when javac could not resolve it.
   */
  public TypeMirror quantizeFromValue(TypeElement holder) {
    return findAnnotation(holder, QUANTIZE_FROM)
        .map(m -> new AnnotationReader(m, elements).typeValue("value"))
        .orElse(null);
  }

  /** Reads the {@code @QuantizeFrom} of {@code holder}, which must have one. */
  public QuantizeFromSpec extractQuantizeFrom(TypeElement holder) {
    AnnotationReader a =
        new AnnotationReader(
            findAnnotation(holder, QUANTIZE_FROM)
                .orElseThrow(
                    () -> new IllegalArgumentException(holder + " is not annotated @QuantizeFrom")),
            elements);
    AnnotationReader r = new AnnotationReader(a.annotationValue("rules"), elements);
    QuantizeFromSpec.Rules rules =
        new QuantizeFromSpec.Rules(
            r.intValue("weightBitWidth"),
            r.booleanValue("weightPerChannel"),
            r.enumValue("weightScaling", Scaling.class),
            r.enumValue("bias", BiasRule.class),
            r.intValue("inputBitWidth"),
            r.intValue("reluBitWidth"),
            r.enumValue("activationScaling", Scaling.class),
            r.booleanValue("returnQuantTensor"),
            r.intValue("accumulatorBitWidth"),
            r.anchor());
    List<QuantizeFromSpec.LayerRuleSpec> layerRules = new ArrayList<>();
    for (AnnotationMirror m : a.annotationList("layers")) {
      AnnotationReader l = new AnnotationReader(m, elements);
      BiasRule bias = l.enumValue("bias", BiasRule.class);
      layerRules.add(
          new QuantizeFromSpec.LayerRuleSpec(
              l.stringValue("name"),
              l.booleanValue("keepFloat"),
              inherited(l.intValue("weightBitWidth")),
              bias == BiasRule.INHERIT ? Optional.empty() : Optional.of(bias),
              inherited(l.intValue("inputBitWidth")),
              inherited(l.intValue("reluBitWidth")),
              l.anchor()));
    }
    return new QuantizeFromSpec(a.typeValue("value"), rules, layerRules, a.anchor());
  }

  private static OptionalInt inherited(int value) {
    return value == LayerRule.INHERIT ? OptionalInt.empty() : OptionalInt.of(value);
  }

  /** {@code forward(Tensor)} declared in the class or inherited (not from Object). */
  private ExecutableElement findForward(TypeElement type) {
    for (ExecutableElement m : ElementFilter.methodsIn(elements.getAllMembers(type))) {
      if (m.getSimpleName().contentEquals("forward")
          && m.getParameters().size() == 1
          && ValueType.of(m.getParameters().get(0).asType()) == ValueType.TENSOR) {
        return m;
      }
    }
    return null;
  }

  public static Optional<AnnotationMirror> findAnnotation(Element element, String qualifiedName) {
    return element.getAnnotationMirrors().stream()
        .filter(m -> qualifiedName(m).equals(qualifiedName))
        .map(m -> (AnnotationMirror) m)
        .findFirst();
  }

  public static String qualifiedName(AnnotationMirror m) {
    return ((TypeElement) m.getAnnotationType().asElement()).getQualifiedName().toString();
  }

  /** {@code Outer_Inner} for a nested class, the simple name otherwise. */
  public static String nestedName(TypeElement type) {
    StringBuilder name = new StringBuilder(type.getSimpleName());
    Element enclosing = type.getEnclosingElement();
    while (enclosing.getKind().isClass() || enclosing.getKind().isInterface()) {
      name.insert(0, enclosing.getSimpleName() + "_");
      enclosing = enclosing.getEnclosingElement();
    }
    return name.toString();
  }

  /** Whether a class can be subclassed from another top-level class of its package. */
  public static boolean isNestedInner(TypeElement type) {
    return type.getEnclosingElement().getKind() != ElementKind.PACKAGE
        && !type.getModifiers().contains(Modifier.STATIC);
  }
}
