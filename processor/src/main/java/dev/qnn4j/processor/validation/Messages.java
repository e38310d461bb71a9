package dev.qnn4j.processor.validation;

import dev.qnn4j.processor.model.LayerKind;
import java.util.List;
import java.util.Locale;

/**
 * Every message the processor reports, and the bounds they state: one place to read them all, none
 * written twice. Messages name the layer (its state-dict name) or the class first, then what is
 * wrong, then why or what to do.
 */
public final class Messages {
  /** Widest integer a quantizer may have (and the widest accumulator). */
  public static final int MAX_BITS = 32;

  /** Widest integer QCDQ export can hold: ONNX QuantizeLinear/DequantizeLinear work on (u)int8. */
  public static final int QCDQ_MAX_BITS = 8;

  private static final String QCDQ =
      "weights and activations are exported as QCDQ, which holds at most "
          + QCDQ_MAX_BITS
          + "-bit integers";
  private static final String INPUT_SCALE_REQUIRED =
      "Brevitas fails at run time with \"Input scale required\"";
  private static final String STATEFUL = "activation quantizers are stateful";

  private Messages() {}

  // ------------------------------------------------------------------ quantizer scales (bnn_pynq)

  public static String scalingConstNotPositive(String layer, float value) {
    return layer
        + ": scalingImpl = CONST needs a positive, finite scalingConst (Brevitas' scaling_const), got "
        + value;
  }

  public static String scalingConstUnused(String layer, Object scalingImpl) {
    return layer
        + ": scalingConst is only read with scalingImpl = CONST, not "
        + scalingImpl
        + "; set scalingImpl = ScalingImpl.CONST or drop scalingConst";
  }

  public static String learnedWeightScale(String layer) {
    return layer
        + ": weight scales are STATS (AbsMax) or CONST; learned (PARAMETER) weight scales are not supported";
  }

  public static String rangeInvalid(String layer, float minVal, float maxVal) {
    return layer
        + ": a CONST or PARAMETER scale needs finite minVal < maxVal (Brevitas' min_val, max_val), got "
        + minVal
        + ", "
        + maxVal;
  }

  public static String rangeUnused(String layer) {
    return layer
        + ": minVal/maxVal are only read with scalingImpl = CONST or PARAMETER; with STATS the scale"
        + " comes from statistics";
  }

  public static String unsignedNegativeMin(String layer, String kind, float minVal) {
    return layer + ": @" + kind + " is unsigned, so minVal must be >= 0, got " + minVal;
  }

  public static String binaryNarrowRange(String layer) {
    return layer
        + ": narrowRange means nothing for a binary (1-bit CONST) quantizer, whose values are"
        + " -scale and +scale; drop it";
  }

  public static String binaryUnsigned(String layer, String kind) {
    return layer
        + ": a binary (1-bit CONST) quantizer gives -scale and +scale, which @"
        + kind
        + " (unsigned) cannot; use @QuantIdentity with minVal < 0";
  }

  public static String binaryLearned(String layer) {
    return layer + ": a binary (1-bit) quantizer has a constant scale; use scalingImpl = CONST";
  }

  // ------------------------------------------------------------------ the @QuantModel class

  public static String notCompiled(String model, String reason, boolean required) {
    return model
        + " has no compiled training step"
        + (required ? " (qnn4j.requireCompiled is set)" : "")
        + " and trains on the autograd tape: "
        + reason;
  }

  public static String modelFinal(String model) {
    return "@QuantModel class "
        + model
        + " must not be final: the processor generates a subclass that implements it";
  }

  public static String modelNotAbstract(String model) {
    return "@QuantModel class "
        + model
        + " must be abstract: its layer methods are abstract and implemented by the generated subclass";
  }

  public static String modelPrivate(String model) {
    return "@QuantModel class " + model + " must not be private";
  }

  public static String modelInner(String model) {
    return "@QuantModel class " + model + " must be top level or static";
  }

  public static String modelGeneric(String model) {
    return "@QuantModel class " + model + " must not be generic";
  }

  public static String modelConstructor(String model) {
    return "@QuantModel class " + model + " needs a non-private constructor without parameters";
  }

  public static String modelWithoutForward(String model) {
    return "@QuantModel class "
        + model
        + " must declare public Tensor forward(Tensor x), which implements Model.forward";
  }

  public static String forwardNotPublic() {
    return "forward must be public: it implements Model.forward";
  }

  public static String forwardAbstract() {
    return "forward must have a body that calls the layer methods";
  }

  public static String forwardReturnType(Object type) {
    return "forward must return Tensor or QuantTensor, not " + type;
  }

  public static String inputShapeDimension(List<Integer> shape, int dimension) {
    return "inputShape "
        + shape
        + " has a dimension "
        + dimension
        + "; dimensions (without the batch) must be positive";
  }

  public static String reservedLayerName(String method) {
    return "a layer method cannot be named "
        + method
        + ": the generated model defines Model."
        + method;
  }

  public static String duplicateLayerName(String layer, String method, String firstMethod) {
    return "layer name "
        + layer
        + " of method "
        + method
        + " duplicates that of method "
        + firstMethod
        + ": layer names (method names in snake_case, or @StateDictName) must be unique in the"
        + " state dict";
  }

  public static String invalidStateDictName(String name, String method) {
    return "@StateDictName(\""
        + name
        + "\") of method "
        + method
        + ": expected a dotted module path such as conv_features.1 (letters, digits and"
        + " underscores, separated by single dots)";
  }

  /** Layer annotations outside a model. */
  public static String layerOutsideModel(CharSequence annotation) {
    return "@" + annotation + " belongs on a layer method of a @QuantModel class";
  }

  // ------------------------------------------------------------------ a layer method

  public static String layerMethodPrivate(String layer) {
    return layer + ": a layer method must not be private: the generated subclass overrides it";
  }

  public static String layerMethodStatic(String layer) {
    return layer + ": a layer method must not be static: the generated subclass overrides it";
  }

  public static String layerMethodNotAbstract(String layer) {
    return layer + ": a layer method must be abstract: the generated subclass implements it";
  }

  public static String companionWithoutLayer(String layer, String companion) {
    return layer
        + ": "
        + companion
        + " refines a layer and needs a layer annotation (e.g. @QuantConv2d) on the same method";
  }

  public static String twoLayerAnnotations(String layer, LayerKind kind, String extra) {
    return layer + ": a method is one layer, but it has @" + kind.simpleName() + " and " + extra;
  }

  public static String inputCount(String layer, LayerKind kind, int parameters) {
    return layer
        + ": @"
        + kind.simpleName()
        + " takes "
        + (kind.inputCount() == 1 ? "one input" : "two inputs")
        + ", the method has "
        + parameters
        + (parameters == 1 ? " parameter" : " parameters");
  }

  public static String parameterType(String layer, String parameter, String type) {
    return layer
        + ": parameter "
        + parameter
        + " has type "
        + type
        + "; layer inputs are Tensor or QuantTensor";
  }

  public static String returnType(String layer, String type) {
    return layer + ": returns " + type + "; layers return Tensor or QuantTensor";
  }

  public static String returnQuantTensorMismatch(
      String layer, boolean declared, boolean returnsQuantTensor) {
    return layer
        + ": returnQuantTensor = "
        + declared
        + " but the method returns "
        + (returnsQuantTensor ? "QuantTensor" : "Tensor")
        + "; "
        + (declared
            ? "declare it to return QuantTensor"
            : "set returnQuantTensor = true or return Tensor");
  }

  public static String floatLayerReturnsQuantTensor(String layer, LayerKind kind) {
    return layer
        + ": @"
        + kind.simpleName()
        + " is a float layer and returns Tensor, not QuantTensor";
  }

  public static String quantTensorWithoutOutputScale(String layer) {
    return layer
        + ": returnQuantTensor = true needs a QuantTensor input, @InputQuant or @OutputQuant: without an"
        + " output quantizer the output scale is input scale x weight scale";
  }

  public static String quantTensorFromFloatInput(String layer, LayerKind kind) {
    return layer
        + ": returns QuantTensor but its input"
        + (kind.inputCount() == 1 ? " is" : "s are")
        + " not QuantTensor"
        + (kind == LayerKind.QUANT_ELTWISE_ADD
            ? "; add @OutputQuant to requantize the sum"
            : "; max pooling keeps its input's quantization, so the input must be a QuantTensor");
  }

  // ------------------------------------------------------------------ a layer's configuration

  /**
   * A bit width outside {@code min..MAX_BITS}, or above {@code QCDQ_MAX_BITS} where export needs
   * QCDQ.
   */
  public static String bitWidth(
      String what, int bits, int min, boolean qcdq, String meaningOfZero) {
    String zero = min == 0 ? " (0 = " + meaningOfZero + ")" : "";
    if (bits < min || bits > MAX_BITS || !qcdq) {
      return what + " = " + bits + " is outside " + min + ".." + MAX_BITS + zero;
    }
    return what + " = " + bits + " is outside " + min + ".." + QCDQ_MAX_BITS + zero + ": " + QCDQ;
  }

  /**
   * Whether {@code bits} fits {@code min..MAX_BITS} and, for a quantizer exported as QCDQ, {@code
   * QCDQ_MAX_BITS}.
   */
  public static boolean isValidBits(int bits, int min, boolean qcdq) {
    return bits >= min && bits <= (qcdq ? QCDQ_MAX_BITS : MAX_BITS);
  }

  public static String atLeast(String layer, String attribute, int value, int min) {
    return layer + ": " + attribute + " = " + value + " must be at least " + min;
  }

  public static String groups(String layer, int groups, int inChannels, int outChannels) {
    return layer
        + ": groups = "
        + groups
        + " must divide inChannels = "
        + inChannels
        + " and outChannels = "
        + outChannels;
  }

  public static String poolPadding(String layer, int padding, int kernelSize) {
    return layer + ": padding = " + padding + " must be at most half of kernelSize = " + kernelSize;
  }

  public static String catQuantizationMismatch(
      String layer, int bits0, boolean signed0, int bits1, boolean signed1) {
    return layer
        + ": concatenates a "
        + bits0
        + "-bit "
        + (signed0 ? "signed" : "unsigned")
        + " and a "
        + bits1
        + "-bit "
        + (signed1 ? "signed" : "unsigned")
        + " QuantTensor; in evaluation Brevitas refuses QuantTensors"
        + " whose scales, bit widths or signs differ (\"Scaling factors are different\"): quantize both inputs with"
        + " one quantizer";
  }

  public static String catNeedsQuantTensors(String layer) {
    return layer
        + ": @QuantCat concatenates QuantTensors; declare its parameters QuantTensor, or use F.cat for"
        + " float tensors";
  }

  public static String upsampleSize(String layer) {
    return layer
        + ": @QuantUpsample needs scaleFactor >= 1, or height >= 1 and width >= 1 with scaleFactor = 0";
  }

  public static String outputPadding(String layer, int outputPadding, int stride, int dilation) {
    return layer
        + ": outputPadding = "
        + outputPadding
        + " must be smaller than stride ("
        + stride
        + ") or dilation ("
        + dilation
        + ")";
  }

  public static String transposedPerChannel(String layer) {
    return layer
        + ": perChannel weight scales are not supported for @QuantConvTranspose2d (its output channels are"
        + " the weight's axis 1); use per-tensor scales";
  }

  public static String dropoutProbability(String layer, double p) {
    return layer + ": dropout probability p must be in [0, 1), got " + p;
  }

  public static String epsNotPositive(String layer) {
    return layer + ": eps must be positive";
  }

  public static String inputQuantMisplaced(String layer) {
    return layer + ": @InputQuant applies to @QuantConv2d and @QuantLinear only";
  }

  public static String outputQuantMisplaced(String layer) {
    return layer + ": @OutputQuant applies to @QuantConv2d, @QuantLinear and @QuantEltwiseAdd only";
  }

  public static String biasQuantMisplaced(String layer, String quantizer) {
    return layer + ": @" + quantizer + " applies to @QuantConv2d and @QuantLinear only";
  }

  public static String twoBiasQuantizers(String layer, String first, String second) {
    return layer
        + ": two bias quantizers, @"
        + first
        + " and @"
        + second
        + "; a layer has one bias";
  }

  public static String biasQuantWithoutBias(String layer, String quantizer) {
    return layer + ": " + quantizer + " on a layer with bias = false";
  }

  public static String biasQuantWithoutInputScale(String layer, String quantizer, String input) {
    return layer
        + ": "
        + quantizer
        + " needs the input scale (bias scale = input scale x weight scale), but input "
        + input
        + " is a Tensor: declare it QuantTensor (from a layer with returnQuantTensor = true) or add"
        + " @InputQuant; "
        + INPUT_SCALE_REQUIRED;
  }

  public static String accumulatorOverflow(
      String layer,
      int needed,
      int available,
      long fanIn,
      long maxInput,
      int inputBits,
      boolean inputSigned,
      long maxWeight,
      int weightBits) {
    return layer
        + ": the worst-case accumulator needs "
        + needed
        + " bits, more than accumulatorBitWidth = "
        + available
        + " (fan-in "
        + fanIn
        + ", inputs up to "
        + maxInput
        + " as "
        + inputBits
        + "-bit "
        + (inputSigned ? "signed" : "unsigned")
        + ", weights up to "
        + maxWeight
        + " as "
        + weightBits
        + "-bit)";
  }

  // ------------------------------------------------------------------ forward

  /** The runtime's LayerShapeException format, with the batch dimension written N. */
  public static String shapeMismatch(String layerOrOp, String expected, String actual) {
    return layerOrOp + ": expected input " + expected + ", got " + actual;
  }

  public static String activationCalledTwice(String layer, LayerKind kind) {
    return layer
        + " ("
        + kind.simpleName()
        + ") is called at two places in forward: "
        + STATEFUL
        + ", each instance keeps its own statistics, so reusing one mixes the statistics of two places; declare"
        + " one layer method per place";
  }

  // ------------------------------------------------------------------ why forward is not
  // straight-line code
  // (completes "... but " in forwardNotStraightLine)

  public static String noBody() {
    return "it has no body";
  }

  public static String statementAfterReturn() {
    return "a statement follows the return";
  }

  public static String noFinalReturn() {
    return "it does not end with a return";
  }

  public static String assignsNonLocal(Object target) {
    return "it assigns " + target + ", which is not a local variable";
  }

  public static String unsupportedStatement(String what) {
    return "it has " + what;
  }

  public static String callsUnknownMethod(Object select) {
    return "it calls " + select + ", which is neither a layer method nor an F function";
  }

  public static String unsupportedExpression(Object expression) {
    return "it uses the expression " + expression + ", which is not a local variable or a call";
  }

  public static String tooFewArguments(String function) {
    return "F." + function + " has too few arguments";
  }

  public static String notIntegerConstant(Object argument, String function) {
    return "the argument " + argument + " of F." + function + " is not an integer constant";
  }

  public static String readsBeforeAssigning(String variable) {
    return "it reads " + variable + " before assigning it";
  }

  public static String quantTensorInputLost(String method, String parameter) {
    return "after quantization "
        + method
        + "'s input "
        + parameter
        + " is a Tensor, but the method takes a"
        + " QuantTensor";
  }

  // ------------------------------------------------------------------ automated quantization
  // (@QuantizeFrom)

  public static String quantizeFromAndQuantModel(String type) {
    return type
        + " is both a @QuantModel and a @QuantizeFrom: a @QuantizeFrom type names a model derived from"
        + " another, it declares no layers of its own";
  }

  public static String quantizeFromOnWrongKind(Object kind, String type) {
    return "@QuantizeFrom belongs on an interface or an abstract class, not on "
        + kind.toString().toLowerCase(Locale.ROOT).replace('_', ' ')
        + " "
        + type;
  }

  public static String quantizeFromNotAbstract(String type, String generated) {
    return "@QuantizeFrom class "
        + type
        + " must be abstract: the generated "
        + generated
        + " extends it";
  }

  public static String quantizeFromGeneric(String type) {
    return "@QuantizeFrom type " + type + " must not be generic";
  }

  public static String quantizeFromInnerOrPrivate(String type) {
    return "@QuantizeFrom type " + type + " must be top level or static nested, and not private";
  }

  public static String quantizeFromConstructor(String type) {
    return "@QuantizeFrom class " + type + " needs a non-private no-argument constructor";
  }

  public static String quantizeFromDeclaresGenerated(
      String type, CharSequence method, String generated) {
    return type + " must not declare " + method + ": the generated " + generated + " defines it";
  }

  public static String quantizeFromAbstractMethod(String type, CharSequence method) {
    return type
        + ": abstract method "
        + method
        + " would stay unimplemented: a @QuantizeFrom type names the"
        + " quantized model and declares no layers";
  }

  public static String notAFloatModel(String named) {
    return "@QuantizeFrom(value = "
        + named
        + ".class): "
        + named
        + " is not a @QuantModel class; automated"
        + " quantization starts from a float model declared with the DSL";
  }

  public static String floatModelHasErrors(String model) {
    return "@QuantizeFrom(value = "
        + model
        + ".class): "
        + model
        + " has errors (reported on it); automated"
        + " quantization starts from a valid model";
  }

  public static String ruleBiasInherit() {
    return "@QuantRules bias = INHERIT: INHERIT belongs in a @LayerRule; the rules say FLOAT, INT8, INT16 or INT32";
  }

  public static String layerRuleUnknownLayer(String name, String model, List<String> layers) {
    return "@LayerRule(name = \""
        + name
        + "\"): "
        + model
        + " has no layer "
        + name
        + "; its layers are "
        + String.join(", ", layers);
  }

  public static String layerRuleTwice(String name) {
    return "@LayerRule(name = \"" + name + "\") appears twice; one rule per layer";
  }

  public static String layerRuleOnKeptLayer(String name, LayerKind kind) {
    return name
        + ": @LayerRule applies to @Conv2d, @Linear and @ReLU layers; "
        + name
        + " is a @"
        + kind.simpleName()
        + ", which automated quantization keeps as declared";
  }

  public static String layerRuleAttributeMisplaced(
      String name, String attribute, boolean compute, LayerKind kind) {
    return name
        + ": @LayerRule "
        + attribute
        + " applies to "
        + (compute ? "@ReLU layers" : "@Conv2d and @Linear layers")
        + "; "
        + name
        + " is a @"
        + kind.simpleName();
  }

  public static String layerRuleKeepFloat(String name, String attribute) {
    return name
        + ": @LayerRule keepFloat = true keeps "
        + name
        + " float, so "
        + attribute
        + " has no effect";
  }

  public static String layerRuleBiasWithoutBias(String name, Object bias) {
    return name + ": @LayerRule bias = " + bias + " on a layer with bias = false";
  }

  public static String noTreeApi(String model) {
    return "automated quantization reads "
        + model
        + ".forward with javac's tree API, which this compiler does"
        + " not offer";
  }

  public static String forwardNotCompiled(String model, CharSequence holder) {
    return "@QuantizeFrom(value = "
        + model
        + ".class): "
        + model
        + ".forward is not in this compilation;"
        + " automated quantization regenerates forward from its source, so compile "
        + model
        + " together with "
        + holder;
  }

  public static String forwardNotStraightLine(String model, String why) {
    return "@QuantizeFrom(value = "
        + model
        + ".class): automated quantization regenerates "
        + model
        + ".forward with the quantized layers, so it must be straight-line code (locals, layer-method calls, F"
        + " calls with constant sizes, one return), but "
        + why;
  }

  public static String cannotFollow(CharSequence holder) {
    return holder + " (@QuantizeFrom) cannot follow this";
  }

  public static String quantizedReluCalledTwice(String layer, String model, int places) {
    return layer
        + " (a @ReLU of "
        + model
        + ", quantized to QuantReLU) is called at "
        + places
        + " places in "
        + model
        + ".forward: "
        + STATEFUL
        + ", so the places share (and mix) one quantizer's statistics; declare"
        + " one @ReLU per place, or keep it float with @LayerRule(name = \""
        + layer
        + "\", keepFloat = true)";
  }

  public static String derivedBiasWithoutInputScale(String layer, Object bias, String model) {
    return layer
        + ": bias = "
        + bias
        + " needs the input scale (bias scale = input scale x weight scale), but the"
        + " input of "
        + layer
        + " in "
        + model
        + ".forward is a float Tensor and inputBitWidth = 0 adds no input"
        + " quantizer: set inputBitWidth, or bias = FLOAT for "
        + layer
        + " with a @LayerRule; "
        + INPUT_SCALE_REQUIRED;
  }

  // ------------------------------------------------------------------ the processor itself

  public static String cannotWrite(String file, String reason) {
    return "cannot write " + file + ": " + reason;
  }

  /**
   * An exception inside the processor: a bug in qnn4j, reported on the model instead of crashing
   * javac.
   */
  public static String processorBug(String model, Throwable e) {
    StackTraceElement[] trace = e.getStackTrace();
    String where =
        trace.length == 0
            ? ""
            : " at "
                + trace[0].getClassName()
                + "."
                + trace[0].getMethodName()
                + "("
                + trace[0].getFileName()
                + ":"
                + trace[0].getLineNumber()
                + ")";
    return "qnn4j's annotation processor failed on "
        + model
        + " with "
        + e
        + where
        + "; this is a bug in qnn4j, please report it with this message";
  }
}
