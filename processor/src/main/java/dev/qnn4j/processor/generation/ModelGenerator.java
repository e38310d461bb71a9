package dev.qnn4j.processor.generation;

import com.palantir.javapoet.AnnotationSpec;
import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.JavaFile;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.ParameterizedTypeName;
import com.palantir.javapoet.TypeSpec;
import dev.qnn4j.annotations.ScalingImpl;
import dev.qnn4j.processor.model.ActQuantSpec;
import dev.qnn4j.processor.model.Geometry;
import dev.qnn4j.processor.model.LayerDescriptor;
import dev.qnn4j.processor.model.LayerSpec;
import dev.qnn4j.processor.model.ModelDescriptor;
import dev.qnn4j.processor.model.WeightQuantSpec;
import java.util.List;
import java.util.stream.Collectors;
import javax.lang.model.element.Modifier;

/**
 * Writes {@code QuantModel_<Name>} for a validated {@link ModelDescriptor}: one field per layer
 * holding the runtime layer built with constants from its annotation, one delegating method per
 * layer method, the {@code Model} accessors, a Brevitas-style {@code toString}, and a nested {@code
 * Factory} for {@link java.util.ServiceLoader}. Runtime types are named, never linked: the
 * processor does not depend on the runtime.
 */
public final class ModelGenerator {
  public static final String PROCESSOR = "dev.qnn4j.processor.QuantModelProcessor";

  private static final String NN = "dev.qnn4j.runtime.nn";
  private static final String QUANT = "dev.qnn4j.runtime.quant";
  static final ClassName MODEL = ClassName.get(NN, "Model");
  private static final ClassName MODEL_FACTORY = ClassName.get(NN, "ModelFactory");
  static final ClassName MODULE = ClassName.get(NN, "Module");
  private static final ClassName CONV2D_OPTIONS = ClassName.get(NN, "Conv2dOptions");
  private static final ClassName WEIGHT_QUANT_CONFIG = ClassName.get(QUANT, "WeightQuantConfig");
  private static final ClassName BIAS_QUANT_CONFIG = ClassName.get(QUANT, "BiasQuantConfig");
  private static final ClassName ACT_QUANT_CONFIG = ClassName.get(QUANT, "ActQuantConfig");
  private static final ClassName SCALING_IMPL = ClassName.get(QUANT, "ScalingImpl");
  private static final ClassName SCALE_RESTRICTION = ClassName.get(QUANT, "ScaleRestriction");
  static final ClassName GENERATED = ClassName.get("javax.annotation.processing", "Generated");
  private static final ClassName LIST = ClassName.get("java.util", "List");
  private static final ClassName STRING = ClassName.get("java.lang", "String");

  public JavaFile generate(ModelDescriptor model) {
    return generate(model, java.util.Optional.empty());
  }

  /**
   * As {@link #generate(ModelDescriptor)}, with the compiled training step of {@code plan} when
   * present.
   */
  public JavaFile generate(
      ModelDescriptor model, java.util.Optional<dev.qnn4j.processor.forward.StepPlan> plan) {
    ClassName declared = ClassName.get(model.type());
    ClassName generated = ClassName.get(model.packageName(), model.generatedSimpleName());
    TypeSpec.Builder type =
        TypeSpec.classBuilder(generated)
            .addJavadoc(
                "The generated implementation of {@link $T}: its layers as runtime modules, named as in\n"
                    + "its PyTorch state dict.\n",
                declared)
            .addAnnotation(
                AnnotationSpec.builder(GENERATED).addMember("value", "$S", PROCESSOR).build())
            .addModifiers(Modifier.PUBLIC, Modifier.FINAL)
            .superclass(declared)
            .addSuperinterface(MODEL)
            .addOriginatingElement(model.type());

    for (LayerDescriptor layer : model.layers()) {
      type.addField(layerField(layer));
    }
    type.addField(layersField(model.layers()));

    for (LayerDescriptor layer : model.layers()) {
      type.addMethod(delegation(layer));
    }
    type.addMethod(modelNameMethod(model.modelName()));
    type.addMethod(layersMethod());
    if (!model.inputShape().isEmpty()) {
      type.addMethod(inputShapeMethod(model.inputShape()));
    }
    type.addMethod(toStringMethod(model.modelName()));
    if (model.layers().stream().anyMatch(l -> !l.stateDictAliases().isEmpty())) {
      type.addMethod(aliasesMethod(model.layers()));
    }
    plan.ifPresent(p -> StepGenerator.addTo(type, p));
    type.addType(factory(model.modelName(), model.qualifiedName(), declared, generated));
    return JavaFile.builder(model.packageName(), type.build())
        .skipJavaLangImports(true)
        .indent("  ")
        .build();
  }

  static MethodSpec modelNameMethod(String modelName) {
    return MethodSpec.methodBuilder("modelName")
        .addAnnotation(Override.class)
        .addModifiers(Modifier.PUBLIC)
        .returns(STRING)
        .addStatement("return $S", modelName)
        .build();
  }

  static MethodSpec layersMethod() {
    return MethodSpec.methodBuilder("layers")
        .addAnnotation(Override.class)
        .addModifiers(Modifier.PUBLIC)
        .returns(ParameterizedTypeName.get(LIST, MODULE))
        .addStatement("return layers")
        .build();
  }

  static MethodSpec inputShapeMethod(List<Integer> inputShape) {
    return MethodSpec.methodBuilder("inputShape")
        .addAnnotation(Override.class)
        .addModifiers(Modifier.PUBLIC)
        .returns(long[].class)
        .addStatement(
            "return new long[] {$L}",
            inputShape.stream().map(String::valueOf).collect(Collectors.joining(", ")))
        .build();
  }

  /** {@code stateDictAliases()}: every {@code @StateDictName(aliases)} path and its layer. */
  static MethodSpec aliasesMethod(List<LayerDescriptor> layers) {
    ClassName map = ClassName.get(java.util.Map.class);
    MethodSpec.Builder m =
        MethodSpec.methodBuilder("stateDictAliases")
            .addAnnotation(Override.class)
            .addModifiers(Modifier.PUBLIC)
            .returns(ParameterizedTypeName.get(map, STRING, STRING))
            .addStatement(
                "$T<$T, $T> aliases = new $T<>()",
                map,
                STRING,
                STRING,
                ClassName.get(java.util.LinkedHashMap.class));
    for (LayerDescriptor layer : layers) {
      for (String alias : layer.stateDictAliases()) {
        m.addStatement("aliases.put($S, $S)", alias, layer.layerName());
      }
    }
    return m.addStatement("return aliases").build();
  }

  static MethodSpec toStringMethod(String modelName) {
    return MethodSpec.methodBuilder("toString")
        .addJavadoc("The layer tree, as Brevitas prints a module.\n")
        .addAnnotation(Override.class)
        .addModifiers(Modifier.PUBLIC)
        .returns(STRING)
        .addStatement(
            "$T description = new $T($S)",
            StringBuilder.class,
            StringBuilder.class,
            modelName + "(\n")
        .beginControlFlow("for ($T layer : layers)", MODULE)
        .addStatement(
            "description.append(\"  (\").append(layer.name()).append(\"): \")"
                + ".append(layer.describe()).append('\\n')")
        .endControlFlow()
        .addStatement("return description.append(')').toString()")
        .build();
  }

  /** The {@code layers} field: every layer field, in declaration order. */
  static FieldSpec layersField(List<LayerDescriptor> layers) {
    return FieldSpec.builder(
            ParameterizedTypeName.get(LIST, MODULE), "layers", Modifier.PRIVATE, Modifier.FINAL)
        .initializer(
            "$T.of($L)",
            LIST,
            layers.stream().map(LayerDescriptor::methodName).collect(Collectors.joining(", ")))
        .build();
  }

  /** A field holding the runtime layer of {@code layer}, built with constants. */
  static FieldSpec layerField(LayerDescriptor layer) {
    return FieldSpec.builder(
            runtimeClass(layer), layer.methodName(), Modifier.PRIVATE, Modifier.FINAL)
        .initializer(construction(layer))
        .build();
  }

  static TypeSpec factory(
      String modelName, String declaringClassName, ClassName declared, ClassName generated) {
    return TypeSpec.classBuilder("Factory")
        .addJavadoc(
            "Creates {@link $T}; registered in {@code META-INF/services/$L}.\n",
            declared,
            MODEL_FACTORY.canonicalName())
        .addModifiers(Modifier.PUBLIC, Modifier.STATIC, Modifier.FINAL)
        .addSuperinterface(MODEL_FACTORY)
        .addMethod(
            MethodSpec.methodBuilder("modelName")
                .addAnnotation(Override.class)
                .addModifiers(Modifier.PUBLIC)
                .returns(STRING)
                .addStatement("return $S", modelName)
                .build())
        .addMethod(
            MethodSpec.methodBuilder("declaringClassName")
                .addAnnotation(Override.class)
                .addModifiers(Modifier.PUBLIC)
                .returns(STRING)
                .addStatement("return $S", declaringClassName)
                .build())
        .addMethod(
            MethodSpec.methodBuilder("create")
                .addAnnotation(Override.class)
                .addModifiers(Modifier.PUBLIC)
                .returns(MODEL)
                .addStatement("return new $T()", generated)
                .build())
        .build();
  }

  private static final ClassName ROUNDING = ClassName.get(NN, "TruncAvgPool2d", "Rounding");

  static ClassName runtimeClass(LayerDescriptor layer) {
    return ClassName.get(NN, layer.requireKind().simpleName());
  }

  /** {@code forward} or {@code forwardQuant}, by the declared return type. */
  private static MethodSpec delegation(LayerDescriptor layer) {
    String target = layer.returnsQuantTensor() ? "forwardQuant" : "forward";
    String arguments =
        layer.parameters().stream().map(p -> p.name()).collect(Collectors.joining(", "));
    return MethodSpec.overriding(layer.method())
        .addStatement("return $N.$N($L)", layer.methodName(), target, arguments)
        .build();
  }

  static CodeBlock construction(LayerDescriptor layer) {
    ClassName type = runtimeClass(layer);
    String name = layer.layerName();
    LayerSpec spec = layer.requireSpec();
    return switch (spec.kind()) {
      case QUANT_CONV2D ->
          quantizers(
              CodeBlock.of("$T.builder($S, $L)", type, name, convOptions(spec.conv())), layer);
      case QUANT_CONV1D ->
          quantizers(
              CodeBlock.of(
                  "$T.builder($S, $L, $L, $L, $L, $L, $L, $L)",
                  type,
                  name,
                  spec.conv().inChannels(),
                  spec.conv().outChannels(),
                  spec.conv().kernelSize(),
                  spec.conv().stride(),
                  spec.conv().padding(),
                  spec.conv().dilation(),
                  spec.conv().groups()),
              layer);
      case QUANT_CONV_TRANSPOSE2D ->
          quantizers(
              CodeBlock.of(
                  "$T.builder($S, $L, $L, $L, $L, $L, $L, $L, $L)",
                  type,
                  name,
                  spec.convTranspose().inChannels(),
                  spec.convTranspose().outChannels(),
                  spec.convTranspose().kernelSize(),
                  spec.convTranspose().stride(),
                  spec.convTranspose().padding(),
                  spec.convTranspose().outputPadding(),
                  spec.convTranspose().dilation(),
                  spec.convTranspose().groups()),
              layer);
      case QUANT_LINEAR ->
          quantizers(
              CodeBlock.of(
                  "$T.builder($S, $L, $L)",
                  type,
                  name,
                  spec.dense().inFeatures(),
                  spec.dense().outFeatures()),
              layer);
      case QUANT_RELU, QUANT_IDENTITY, QUANT_HARD_TANH, QUANT_SIGMOID, QUANT_TANH ->
          spec.returnQuantTensor()
              ? CodeBlock.of(
                  "$T.returningQuantTensor($S, $L)", type, name, actQuant(spec.activation()))
              : CodeBlock.of("new $T($S, $L)", type, name, actQuant(spec.activation()));
      case QUANT_ELTWISE_ADD ->
          CodeBlock.of(
              "new $T($S, $L, $L)",
              type,
              name,
              layer.outputQuant().map(ModelGenerator::actQuant).orElse(CodeBlock.of("null")),
              spec.returnQuantTensor());
      case TRUNC_AVG_POOL2D ->
          CodeBlock.of(
              "new $T($S, $L, $L, $L, $T.$L)",
              type,
              name,
              spec.trunc().kernelSize(),
              spec.trunc().effectiveStride(),
              spec.trunc().bitWidth(),
              ROUNDING,
              spec.trunc().floor() ? "FLOOR" : "ROUND");
      case TRUNC_ADAPTIVE_AVG_POOL2D ->
          CodeBlock.of(
              "new $T($S, $L, $L, $T.$L)",
              type,
              name,
              spec.trunc().outputSize(),
              spec.trunc().bitWidth(),
              ROUNDING,
              spec.trunc().floor() ? "FLOOR" : "ROUND");
      case ADAPTIVE_AVG_POOL2D ->
          CodeBlock.of("new $T($S, $L)", type, name, spec.adaptive().outputSize());
      case QUANT_UPSAMPLE ->
          spec.upsample().scaleFactor() > 0
              ? CodeBlock.of("$T.byFactor($S, $L)", type, name, spec.upsample().scaleFactor())
              : CodeBlock.of(
                  "$T.toSize($S, $L, $L)",
                  type,
                  name,
                  spec.upsample().height(),
                  spec.upsample().width());
      case QUANT_CAT -> CodeBlock.of("new $T($S)", type, name);
      case QUANT_MAX_POOL2D ->
          CodeBlock.of(
              "new $T($S, $L, $L, $L)",
              type,
              name,
              spec.pool().kernelSize(),
              spec.pool().effectiveStride(),
              spec.pool().padding());
      case CONV2D ->
          CodeBlock.of(
              "new $T($S, $L)",
              type,
              name,
              spec.hasBias()
                  ? convOptions(spec.conv())
                  : CodeBlock.of("$L.withBias(false)", convOptions(spec.conv())));
      case LINEAR ->
          CodeBlock.of(
              "new $T($S, $L, $L, $L)",
              type,
              name,
              spec.dense().inFeatures(),
              spec.dense().outFeatures(),
              spec.dense().bias());
      case RELU -> CodeBlock.of("new $T($S)", type, name);
      case BATCH_NORM2D, BATCH_NORM1D ->
          CodeBlock.of(
              "new $T($S, $L, $Lf, $Lf)",
              type,
              name,
              spec.batchNorm().numFeatures(),
              (float) spec.batchNorm().eps(),
              (float) spec.batchNorm().momentum());
      case TENSOR_NORM ->
          CodeBlock.of(
              "new $T($S, $Lf, $Lf)",
              type,
              name,
              (float) spec.batchNorm().eps(),
              (float) spec.batchNorm().momentum());
      case DROPOUT -> CodeBlock.of("new $T($S, $Lf)", type, name, (float) spec.dropout().p());
    };
  }

  /**
   * A quantized conv/linear's builder with one named call per quantizer it has, as Brevitas'
   * keyword arguments: {@code
   * .weightQuant(WeightQuantConfig.perTensorFloat(4)).biasQuant(BiasQuantConfig.int32())}.
   */
  private static CodeBlock quantizers(CodeBlock builder, LayerDescriptor layer) {
    LayerSpec spec = layer.requireSpec();
    // One call per line, so that a golden file reads as a list of the layer's quantizers.
    CodeBlock.Builder code = CodeBlock.builder().add(builder).add("$>$>");
    if (!spec.hasBias()) {
      code.add("\n.withoutBias()");
    }
    code.add("\n.weightQuant($L)", weightQuant(spec.weight()));
    layer
        .bias()
        .ifPresent(b -> code.add("\n.biasQuant($T.int$L())", BIAS_QUANT_CONFIG, b.bitWidth()));
    layer.inputQuant().ifPresent(q -> code.add("\n.inputQuant($L)", actQuant(q)));
    layer.outputQuant().ifPresent(q -> code.add("\n.outputQuant($L)", actQuant(q)));
    if (spec.returnQuantTensor()) {
      code.add("\n.returnQuantTensor()");
    }
    return code.add("\n.build()$<$<").build();
  }

  /**
   * PyTorch's reading of a square convolution, {@code Conv2d(in, out, kernel)}, then only what
   * differs from its defaults: {@code Conv2dOptions.of(6, 16, 3).withStride(2).withPadding(1)}.
   */
  private static CodeBlock convOptions(Geometry.Conv conv) {
    CodeBlock.Builder code =
        CodeBlock.builder()
            .add(
                "$T.of($L, $L, $L)",
                CONV2D_OPTIONS,
                conv.inChannels(),
                conv.outChannels(),
                conv.kernelSize());
    if (conv.stride() != 1) {
      code.add(".withStride($L)", conv.stride());
    }
    if (conv.padding() != 0) {
      code.add(".withPadding($L)", conv.padding());
    }
    if (conv.dilation() != 1) {
      code.add(".withDilation($L)", conv.dilation());
    }
    if (conv.groups() != 1) {
      code.add(".withGroups($L)", conv.groups());
    }
    return code.build();
  }

  /**
   * Brevitas' Int<b>WeightPerTensorFloat / PerChannelFloat, or the fixed-point (power-of-two)
   * variant; bnn_pynq's constant-scale CommonWeightQuant: {@code WeightQuantConfig.constant(2,
   * true, 1.0f)}.
   */
  private static CodeBlock weightQuant(WeightQuantSpec w) {
    CodeBlock config;
    if (w.scalingImpl() == ScalingImpl.CONST) {
      config =
          CodeBlock.of(
              "$T.constant($L, $L, $Lf)",
              WEIGHT_QUANT_CONFIG,
              w.bitWidth(),
              w.narrowRange(),
              w.scalingConst());
      if (w.perChannel()) {
        config = CodeBlock.of("$L.withPerChannel(true)", config);
      }
    } else {
      config =
          CodeBlock.of(
              "$T.$L($L)",
              WEIGHT_QUANT_CONFIG,
              w.perChannel() ? "perChannelFloat" : "perTensorFloat",
              w.bitWidth());
      if (!w.narrowRange()) {
        config = CodeBlock.of("$L.withNarrowRange(false)", config);
      }
    }
    return w.powerOfTwo()
        ? CodeBlock.of("$L.withRestriction($T.POWER_OF_TWO)", config, SCALE_RESTRICTION)
        : config;
  }

  /** Brevitas' Int<b>ActPerTensorFloat / Uint<b>ActPerTensorFloat, or the fixed-point variant. */
  private static CodeBlock actQuant(ActQuantSpec q) {
    if (q.fromRange()) {
      // bnn_pynq's CommonActQuant and the MinMaxInit quantizers: the scale from [minVal, maxVal].
      return CodeBlock.of(
          "$T.fromRange($L, $T.$L, $Lf, $Lf, $L, $T.$L)",
          ACT_QUANT_CONFIG,
          q.bitWidth(),
          SCALING_IMPL,
          q.scalingImpl(),
          q.minVal(),
          q.maxVal(),
          q.narrowRange(),
          SCALE_RESTRICTION,
          q.powerOfTwo() ? "POWER_OF_TWO" : "FLOAT");
    }
    CodeBlock config =
        CodeBlock.of(
            "$T.$L($L)", ACT_QUANT_CONFIG, q.signed() ? "signed" : "unsigned", q.bitWidth());
    if (q.narrowRange()) {
      config = CodeBlock.of("$L.withNarrowRange(true)", config);
    }
    return q.powerOfTwo()
        ? CodeBlock.of("$L.withRestriction($T.POWER_OF_TWO)", config, SCALE_RESTRICTION)
        : config;
  }
}
