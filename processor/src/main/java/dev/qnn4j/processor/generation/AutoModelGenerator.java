package dev.qnn4j.processor.generation;

import com.palantir.javapoet.AnnotationSpec;
import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.JavaFile;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeName;
import com.palantir.javapoet.TypeSpec;
import dev.qnn4j.processor.auto.AutoModelDescriptor;
import dev.qnn4j.processor.auto.AutoModelDescriptor.Line;
import dev.qnn4j.processor.forward.ForwardProgram;
import dev.qnn4j.processor.forward.ForwardProgram.Expr;
import dev.qnn4j.processor.forward.ForwardProgram.FCall;
import dev.qnn4j.processor.forward.ForwardProgram.LayerCall;
import dev.qnn4j.processor.forward.ForwardProgram.Var;
import dev.qnn4j.processor.model.LayerDescriptor;
import dev.qnn4j.processor.model.Parameter;
import java.util.ArrayList;
import java.util.List;
import javax.lang.model.element.Modifier;

/**
 * Writes {@code QuantModel_<Name>} for a model derived by automated quantization: a standalone
 * {@code Model} (extending or implementing the {@code @QuantizeFrom} type) with one field per
 * derived layer, built exactly as the field of a hand-written {@code @QuantModel} with the same
 * configuration would be; the float model's {@code forward} with its values typed by the quantized
 * layers; one private method per layer; the {@code Model} accessors, {@code toString} and a {@code
 * Factory}, as {@link ModelGenerator} writes them.
 */
public final class AutoModelGenerator {
  private static final ClassName TENSOR = ClassName.get("dev.qnn4j.runtime", "Tensor");
  private static final ClassName QUANT_TENSOR = ClassName.get("dev.qnn4j.runtime", "QuantTensor");
  private static final ClassName F = ClassName.get("dev.qnn4j.runtime.nn", "F");

  public JavaFile generate(AutoModelDescriptor model) {
    return generate(model, java.util.Optional.empty());
  }

  /**
   * As {@link #generate(AutoModelDescriptor)}, with the compiled training step of {@code plan} when
   * present.
   */
  public JavaFile generate(
      AutoModelDescriptor model, java.util.Optional<dev.qnn4j.processor.forward.StepPlan> plan) {
    ClassName declared = ClassName.get(model.holder());
    ClassName floatModel = ClassName.get(model.floatModel().type());
    ClassName generated = ClassName.get(model.packageName(), model.generatedSimpleName());
    TypeSpec.Builder type =
        TypeSpec.classBuilder(generated)
            .addJavadoc(
                "The generated implementation of {@link $T}: {@link $T} quantized by the rules of its\n"
                    + "{@code @QuantizeFrom}, its layers named as in the float model's state dict.\n",
                declared,
                floatModel)
            .addAnnotation(
                AnnotationSpec.builder(ModelGenerator.GENERATED)
                    .addMember("value", "$S", ModelGenerator.PROCESSOR)
                    .build())
            .addModifiers(Modifier.PUBLIC, Modifier.FINAL)
            .addOriginatingElement(model.holder())
            .addOriginatingElement(model.floatModel().type());
    if (model.holderIsInterface()) {
      type.addSuperinterface(declared);
    } else {
      type.superclass(declared);
    }
    if (!model.holderIsModel()) {
      type.addSuperinterface(ModelGenerator.MODEL);
    }
    for (LayerDescriptor layer : model.layers()) {
      type.addField(ModelGenerator.layerField(layer));
    }
    type.addField(ModelGenerator.layersField(model.layers()));
    type.addMethod(forward(model, floatModel));
    for (LayerDescriptor layer : model.layers()) {
      type.addMethod(layerMethod(layer));
    }
    type.addMethod(ModelGenerator.modelNameMethod(model.modelName()));
    type.addMethod(ModelGenerator.layersMethod());
    if (!model.floatModel().inputShape().isEmpty()) {
      type.addMethod(ModelGenerator.inputShapeMethod(model.floatModel().inputShape()));
    }
    type.addMethod(ModelGenerator.toStringMethod(model.modelName()));
    plan.ifPresent(p -> StepGenerator.addTo(type, p));
    type.addType(
        ModelGenerator.factory(model.modelName(), model.qualifiedName(), declared, generated));
    return JavaFile.builder(model.packageName(), type.build())
        .skipJavaLangImports(true)
        .indent("  ")
        .build();
  }

  private static MethodSpec forward(AutoModelDescriptor model, ClassName floatModel) {
    MethodSpec.Builder m =
        MethodSpec.methodBuilder("forward")
            .addJavadoc(
                "{@link $T#forward}, with each value typed by what the quantized layers return, so that\n"
                    + "{@code F.maxPool2d} and {@code F.flatten} keep a {@code QuantTensor}'s metadata.\n",
                floatModel)
            .addAnnotation(Override.class)
            .addModifiers(Modifier.PUBLIC)
            .returns(TENSOR)
            .addParameter(TENSOR, model.parameter());
    for (Line line : model.forward()) {
      CodeBlock value = expression(line.expr());
      switch (line.kind()) {
        case DECLARE ->
            m.addStatement(
                "$T $N = $L", line.quantTensor() ? QUANT_TENSOR : TENSOR, line.variable(), value);
        case ASSIGN -> m.addStatement("$N = $L", line.variable(), value);
        case EVALUATE -> m.addStatement("$L", value);
        case RETURN -> m.addStatement("return $L", value);
      }
    }
    return m.build();
  }

  private static CodeBlock expression(Expr e) {
    if (e instanceof Var v) {
      return CodeBlock.of("$N", v.name());
    }
    List<CodeBlock> args = new ArrayList<>();
    if (e instanceof LayerCall c) {
      c.args().forEach(a -> args.add(expression(a)));
      return CodeBlock.of("$N($L)", c.method(), CodeBlock.join(args, ", "));
    }
    FCall f = (FCall) e;
    f.tensors().forEach(a -> args.add(expression(a)));
    for (long size : f.sizes().stream().map(ForwardProgram.Size::value).toList()) {
      args.add(size == (int) size ? CodeBlock.of("$L", size) : CodeBlock.of("$LL", size));
    }
    return CodeBlock.of("$T.$N($L)", F, f.function(), CodeBlock.join(args, ", "));
  }

  /**
   * {@code private <T> name(<inputs>)}, calling the layer's {@code forward} or {@code
   * forwardQuant}.
   */
  private static MethodSpec layerMethod(LayerDescriptor layer) {
    MethodSpec.Builder m =
        MethodSpec.methodBuilder(layer.methodName())
            .addModifiers(Modifier.PRIVATE)
            .returns(layer.returnsQuantTensor() ? QUANT_TENSOR : TENSOR);
    List<String> names = new ArrayList<>();
    for (Parameter p : layer.parameters()) {
      m.addParameter(TypeName.get(p.element().asType()), p.name());
      names.add(p.name());
    }
    return m.addStatement(
            "return $N.$N($L)",
            layer.methodName(),
            layer.returnsQuantTensor() ? "forwardQuant" : "forward",
            String.join(", ", names))
        .build();
  }
}
