package dev.qnn4j.processor.generation;

import com.palantir.javapoet.AnnotationSpec;
import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.JavaFile;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.ParameterizedTypeName;
import com.palantir.javapoet.TypeSpec;
import dev.qnn4j.processor.model.ActQuantSpec;
import dev.qnn4j.processor.model.BiasSpec;
import dev.qnn4j.processor.model.LayerDescriptor;
import dev.qnn4j.processor.model.LayerKind;
import dev.qnn4j.processor.model.ModelDescriptor;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import javax.lang.model.element.Modifier;

/**
 * Writes {@code QuantModel_<Name>} for a validated {@link ModelDescriptor}: one field per layer
 * holding the runtime layer built with constants from its annotation, one delegating method per
 * layer method, the {@code Model} accessors, a Brevitas-style {@code toString}, and a nested {@code
 * Factory} for {@link java.util.ServiceLoader}. Runtime types are named, never linked: the processor
 * does not depend on the runtime.
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
  private static final ClassName SCALE_RESTRICTION = ClassName.get(QUANT, "ScaleRestriction");
  static final ClassName GENERATED = ClassName.get("javax.annotation.processing", "Generated");
  private static final ClassName LIST = ClassName.get("java.util", "List");
  private static final ClassName STRING = ClassName.get("java.lang", "String");

  public JavaFile generate(ModelDescriptor model) {
    ClassName declared = ClassName.get(model.type());
    ClassName generated = ClassName.get(model.packageName(), model.generatedSimpleName());
    TypeSpec.Builder type = TypeSpec.classBuilder(generated)
        .addJavadoc("The generated implementation of {@link $T}: its layers as runtime modules, named as in\n"
            + "its PyTorch state dict.\n", declared)
        .addAnnotation(AnnotationSpec.builder(GENERATED).addMember("value", "$S", PROCESSOR).build())
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
        .addStatement("return new long[] {$L}", inputShape.stream().map(String::valueOf)
            .collect(Collectors.joining(", ")))
        .build();
  }

  static MethodSpec toStringMethod(String modelName) {
    return MethodSpec.methodBuilder("toString")
        .addJavadoc("The layer tree, as Brevitas prints a module.\n")
        .addAnnotation(Override.class)
        .addModifiers(Modifier.PUBLIC)
        .returns(STRING)
        .addStatement("$T description = new $T($S)", StringBuilder.class, StringBuilder.class,
            modelName + "(\n")
        .beginControlFlow("for ($T layer : layers)", MODULE)
        .addStatement("description.append(\"  (\").append(layer.name()).append(\"): \")"
            + ".append(layer.describe()).append('\\n')")
        .endControlFlow()
        .addStatement("return description.append(')').toString()")
        .build();
  }

  /** The {@code layers} field: every layer field, in declaration order. */
  static FieldSpec layersField(List<LayerDescriptor> layers) {
    return FieldSpec.builder(ParameterizedTypeName.get(LIST, MODULE), "layers", Modifier.PRIVATE, Modifier.FINAL)
        .initializer("$T.of($L)", LIST, layers.stream().map(LayerDescriptor::methodName)
            .collect(Collectors.joining(", ")))
        .build();
  }

  /** A field holding the runtime layer of {@code layer}, built with constants. */
  static FieldSpec layerField(LayerDescriptor layer) {
    return FieldSpec.builder(runtimeClass(layer), layer.methodName(), Modifier.PRIVATE, Modifier.FINAL)
        .initializer(construction(layer))
        .build();
  }

  static TypeSpec factory(String modelName, String declaringClassName, ClassName declared, ClassName generated) {
    return TypeSpec.classBuilder("Factory")
        .addJavadoc("Creates {@link $T}; registered in {@code META-INF/services/$L}.\n", declared,
            MODEL_FACTORY.canonicalName())
        .addModifiers(Modifier.PUBLIC, Modifier.STATIC, Modifier.FINAL)
        .addSuperinterface(MODEL_FACTORY)
        .addMethod(MethodSpec.methodBuilder("modelName")
            .addAnnotation(Override.class)
            .addModifiers(Modifier.PUBLIC)
            .returns(STRING)
            .addStatement("return $S", modelName)
            .build())
        .addMethod(MethodSpec.methodBuilder("declaringClassName")
            .addAnnotation(Override.class)
            .addModifiers(Modifier.PUBLIC)
            .returns(STRING)
            .addStatement("return $S", declaringClassName)
            .build())
        .addMethod(MethodSpec.methodBuilder("create")
            .addAnnotation(Override.class)
            .addModifiers(Modifier.PUBLIC)
            .returns(MODEL)
            .addStatement("return new $T()", generated)
            .build())
        .build();
  }

  static ClassName runtimeClass(LayerDescriptor layer) {
    return ClassName.get(NN, layer.requireKind().simpleName());
  }

  /** {@code forward} or {@code forwardQuant}, by the declared return type. */
  private static MethodSpec delegation(LayerDescriptor layer) {
    String target = layer.returnsQuantTensor() ? "forwardQuant" : "forward";
    String arguments = layer.parameters().stream().map(p -> p.name()).collect(Collectors.joining(", "));
    return MethodSpec.overriding(layer.method())
        .addStatement("return $N.$N($L)", layer.methodName(), target, arguments)
        .build();
  }

  static CodeBlock construction(LayerDescriptor layer) {
    ClassName type = runtimeClass(layer);
    String name = layer.layerName();
    return switch (layer.requireKind()) {
      case QUANT_CONV2D -> CodeBlock.of("new $T($S,$W$L,$W$L,$W$L,$W$L,$W$L,$W$L)", type, name, convOptions(layer),
          weightQuant(layer), biasQuant(layer.bias()), actQuant(layer.inputQuant()), actQuant(layer.outputQuant()),
          layer.booleanValue("returnQuantTensor"));
      case QUANT_LINEAR -> CodeBlock.of("new $T($S, $L, $L, $L,$W$L,$W$L,$W$L,$W$L,$W$L)", type, name,
          layer.intValue("inFeatures"), layer.intValue("outFeatures"), layer.booleanValue("bias"),
          weightQuant(layer), biasQuant(layer.bias()), actQuant(layer.inputQuant()), actQuant(layer.outputQuant()),
          layer.booleanValue("returnQuantTensor"));
      case QUANT_RELU -> CodeBlock.of("new $T($S, $L, $L)", type, name,
          actQuant(layer.bitWidth(), false, layer.powerOfTwo()), layer.booleanValue("returnQuantTensor"));
      case QUANT_IDENTITY -> CodeBlock.of("new $T($S, $L, $L)", type, name,
          actQuant(layer.bitWidth(), true, layer.powerOfTwo()), layer.booleanValue("returnQuantTensor"));
      case QUANT_ELTWISE_ADD -> CodeBlock.of("new $T($S, $L, $L)", type, name, actQuant(layer.outputQuant()),
          layer.booleanValue("returnQuantTensor"));
      case QUANT_MAX_POOL2D -> {
        int kernel = layer.intValue("kernelSize");
        int stride = layer.intValue("stride") == 0 ? kernel : layer.intValue("stride");
        yield CodeBlock.of("new $T($S, $L, $L, $L)", type, name, kernel, stride, layer.intValue("padding"));
      }
      case CONV2D -> CodeBlock.of("new $T($S, $L)", type, name, convOptions(layer));
      case LINEAR -> CodeBlock.of("new $T($S, $L, $L, $L)", type, name, layer.intValue("inFeatures"),
          layer.intValue("outFeatures"), layer.booleanValue("bias"));
      case RELU -> CodeBlock.of("new $T($S)", type, name);
      case BATCH_NORM2D -> CodeBlock.of("new $T($S, $L, $Lf, $Lf)", type, name, layer.intValue("numFeatures"),
          (float) layer.attributes().doubleValue("eps"), (float) layer.attributes().doubleValue("momentum"));
    };
  }

  /** PyTorch's geometry, square kernel: {@code (in, out, kh, kw, sh, sw, ph, pw, dh, dw, groups, bias)}. */
  private static CodeBlock convOptions(LayerDescriptor layer) {
    int k = layer.intValue("kernelSize");
    int s = layer.intValue("stride");
    int p = layer.intValue("padding");
    int d = layer.intValue("dilation");
    List<Object> args = List.of(layer.intValue("inChannels"), layer.intValue("outChannels"), k, k, s, s, p, p, d, d,
        layer.intValue("groups"), layer.booleanValue("bias"));
    // Wrapping only between the constructor's own arguments keeps each option list on one line.
    return CodeBlock.of("new $T(" + "$L, ".repeat(args.size() - 1) + "$L)",
        prepend(CONV2D_OPTIONS, args));
  }

  private static Object[] prepend(Object first, List<Object> rest) {
    Object[] all = new Object[rest.size() + 1];
    all[0] = first;
    for (int i = 0; i < rest.size(); i++) {
      all[i + 1] = rest.get(i);
    }
    return all;
  }

  /** Brevitas' Int<b>WeightPerTensorFloat / PerChannelFloat, or the power-of-two variant. */
  private static CodeBlock weightQuant(LayerDescriptor layer) {
    int bits = layer.bitWidth();
    boolean perChannel = layer.booleanValue("perChannel");
    if (layer.powerOfTwo()) {
      return CodeBlock.of("new $T($L, $L, true, $T.POWER_OF_TWO)", WEIGHT_QUANT_CONFIG, bits, perChannel,
          SCALE_RESTRICTION);
    }
    return CodeBlock.of("$T.$L($L)", WEIGHT_QUANT_CONFIG, perChannel ? "perChannelFloat" : "perTensorFloat", bits);
  }

  private static CodeBlock biasQuant(Optional<BiasSpec> bias) {
    return bias.map(b -> CodeBlock.of("$T.int$L()", BIAS_QUANT_CONFIG, b.bitWidth())).orElse(CodeBlock.of("null"));
  }

  private static CodeBlock actQuant(Optional<ActQuantSpec> spec) {
    return spec.map(q -> actQuant(q.bitWidth(), q.signed(), q.powerOfTwo())).orElse(CodeBlock.of("null"));
  }

  private static CodeBlock actQuant(int bits, boolean signed, boolean powerOfTwo) {
    CodeBlock config = CodeBlock.of("$T.$L($L)", ACT_QUANT_CONFIG, signed ? "signed" : "unsigned", bits);
    return powerOfTwo
        ? CodeBlock.of("$L.withRestriction($T.POWER_OF_TWO)", config, SCALE_RESTRICTION)
        : config;
  }
}
