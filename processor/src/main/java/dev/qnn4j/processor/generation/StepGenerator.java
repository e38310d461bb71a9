package dev.qnn4j.processor.generation;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.ParameterizedTypeName;
import com.palantir.javapoet.TypeSpec;
import dev.qnn4j.processor.forward.StepPlan;
import dev.qnn4j.processor.forward.StepPlan.Node;
import java.util.ArrayList;
import java.util.List;
import javax.lang.model.element.Modifier;

/**
 * Writes a model's compiled training step from its {@link StepPlan}: a nested class {@code Step}
 * implementing the runtime's {@code CompiledStep}, whose forward and backward pass are explicit
 * kernel calls in order and in reverse order, on buffers named after the values they hold,
 * allocated once per batch size. Each kernel is the one the tape's op calls, so both compute the
 * same bits.
 */
final class StepGenerator {
  private static final String KERNELS = "dev.qnn4j.runtime.kernels";
  private static final ClassName COMPILED_STEP =
      ClassName.get("dev.qnn4j.runtime.nn", "CompiledStep");
  private static final ClassName CONV_GEOMETRY = ClassName.get(KERNELS, "ConvGeometry");
  private static final ClassName CONVOLUTION = ClassName.get(KERNELS, "Convolution");
  private static final ClassName DENSE = ClassName.get(KERNELS, "Dense");
  private static final ClassName ACTIVATIONS = ClassName.get(KERNELS, "Activations");
  private static final ClassName POOLING = ClassName.get(KERNELS, "Pooling");
  private static final ClassName ELEMENTWISE = ClassName.get(KERNELS, "Elementwise");
  private static final ClassName CROSS_ENTROPY =
      ClassName.get("dev.qnn4j.runtime.train", "CrossEntropyLoss");
  private static final ClassName STEP_RECORD =
      ClassName.get("dev.qnn4j.runtime.quant", "ActQuantizer", "StepRecord");
  private static final ClassName OPTIONAL = ClassName.get("java.util", "Optional");

  private StepGenerator() {}

  /** The {@code step} field and {@code compiledStep()} method of the model class. */
  static void addTo(TypeSpec.Builder model, StepPlan plan) {
    model.addField(
        FieldSpec.builder(ClassName.get("", "Step"), "step", Modifier.PRIVATE, Modifier.FINAL)
            .initializer("new Step()")
            .build());
    model.addMethod(
        MethodSpec.methodBuilder("compiledStep")
            .addAnnotation(Override.class)
            .addModifiers(Modifier.PUBLIC)
            .returns(ParameterizedTypeName.get(OPTIONAL, COMPILED_STEP))
            .addStatement("return $T.of(step)", OPTIONAL)
            .build());
    model.addType(step(plan));
  }

  private static TypeSpec step(StepPlan plan) {
    TypeSpec.Builder type =
        TypeSpec.classBuilder("Step")
            .addJavadoc(
                "The compiled forward and backward pass: the kernels the tape would call, in the same order.\n")
            .addModifiers(Modifier.PRIVATE, Modifier.FINAL)
            .addSuperinterface(COMPILED_STEP);
    type.addField(
        FieldSpec.builder(int.class, "batch", Modifier.PRIVATE).initializer("-1").build());
    type.addField(
        FieldSpec.builder(float[].class, "input", Modifier.PRIVATE)
            .addJavadoc("The last forward's input, which the backward pass reads.\n")
            .build());
    type.addField(int[].class, "labels", Modifier.PRIVATE);
    type.addField(float[].class, "softmax", Modifier.PRIVATE);
    MethodSpec.Builder allocate =
        MethodSpec.methodBuilder("allocate")
            .addJavadoc("Sizes every buffer for {@code n} samples, once per batch size.\n")
            .addModifiers(Modifier.PRIVATE)
            .addParameter(int.class, "n")
            .beginControlFlow("if (n == batch)")
            .addStatement("return")
            .endControlFlow()
            .addStatement("batch = n");
    MethodSpec.Builder forward =
        MethodSpec.methodBuilder("forward")
            .addAnnotation(Override.class)
            .addModifiers(Modifier.PUBLIC)
            .returns(float[].class)
            .addParameter(float[].class, "input")
            .addParameter(int.class, "n")
            .beginControlFlow("if (input.length != n * $L)", plan.input().size())
            .addStatement(
                "throw new $T($S + $L + $S + input.length)",
                IllegalArgumentException.class,
                "expected ",
                "n * " + plan.input().size(),
                " input values, got ")
            .endControlFlow()
            .addStatement("allocate(n)")
            .addStatement("this.input = input");
    List<CodeBlock> backwardSteps = new ArrayList<>();
    addScaleGradients(type, plan);
    for (Node node : plan.nodes()) {
      if (node.op() instanceof StepPlan.Input) {
        continue;
      }
      String out = node.name() + "Out";
      String in = value(node.input());
      String gradOut = node.name() + "Grad";
      // The model's input needs no gradient; a flatten shares its input's buffers.
      String gradIn = gradTarget(plan, type, allocate, node, node.input());
      if (!(node.op() instanceof StepPlan.Flatten)) {
        type.addField(float[].class, out, Modifier.PRIVATE);
        type.addField(float[].class, gradOut, Modifier.PRIVATE);
        allocate.addStatement("$L = new float[n * $L]", out, node.size());
        allocate.addStatement("$L = new float[n * $L]", gradOut, node.size());
      }
      CodeBlock.Builder back = CodeBlock.builder();
      if (node.op() instanceof StepPlan.Conv c) {
        var g = c.geometry();
        long[] d = node.input().dims();
        String geometry = c.field() + "Geometry";
        String partials = c.field() + "WeightPartials";
        type.addField(CONV_GEOMETRY, geometry, Modifier.PRIVATE);
        type.addField(float[][].class, partials, Modifier.PRIVATE);
        addGradientBuffers(type, allocate, c.field(), g.bias());
        allocate.addStatement(
            "$L = new $T(n, $L, $L, $L, $L, $L, $L, $L, $L, $L, $L, $L)",
            geometry,
            CONV_GEOMETRY,
            d[0],
            d[1],
            d[2],
            g.kernelSize(),
            g.kernelSize(),
            g.stride(),
            g.stride(),
            g.padding(),
            g.padding(),
            g.dilation(),
            g.dilation());
        allocate.addStatement(
            "$L = new float[$T.partials($L, $L, $L)][$L.weight().data().length]",
            partials,
            CONVOLUTION,
            geometry,
            g.outChannels(),
            g.groups(),
            c.field());
        String weight =
            weightOperand(type, allocate, forward, c.field(), c.quantWeight(), g.outChannels());
        String bias = biasOperand(type, allocate, forward, c.field(), g.bias(), c.biasScale());
        forward.addStatement(
            "$T.forward($L, $L, $L, $L, $L, $L, $L)",
            CONVOLUTION,
            in,
            geometry,
            g.outChannels(),
            g.groups(),
            weight,
            bias,
            out);
        back.addStatement(
            "$T.backward($L, $L, $L, $L, $L, $L, $L, $L, $L, $L)",
            CONVOLUTION,
            gradOut,
            in,
            geometry,
            g.outChannels(),
            g.groups(),
            weight,
            gradIn,
            weightGradient(c.field(), c.quantWeight()),
            biasGradient(c.field(), g.bias(), c.biasScale()),
            partials);
        biasQuantizerBackward(back, c.field(), c.biasScale());
        quantizerBackward(back, c.field(), c.quantWeight(), c.biasScale() != null);
        accumulate(back, c.field(), g.bias());
      } else if (node.op() instanceof StepPlan.Dense dn) {
        var g = dn.geometry();
        addGradientBuffers(type, allocate, dn.field(), g.bias());
        String weight =
            weightOperand(type, allocate, forward, dn.field(), dn.quantWeight(), g.outFeatures());
        String bias = biasOperand(type, allocate, forward, dn.field(), g.bias(), dn.biasScale());
        forward.addStatement(
            "$T.forward($L, n, $L, $L, $L, $L, $L)",
            DENSE,
            in,
            g.inFeatures(),
            g.outFeatures(),
            weight,
            bias,
            out);
        back.addStatement(
            "$T.backward($L, $L, batch, $L, $L, $L, $L, $L, $L)",
            DENSE,
            gradOut,
            in,
            g.inFeatures(),
            g.outFeatures(),
            weight,
            gradIn,
            weightGradient(dn.field(), dn.quantWeight()),
            biasGradient(dn.field(), g.bias(), dn.biasScale()));
        biasQuantizerBackward(back, dn.field(), dn.biasScale());
        quantizerBackward(back, dn.field(), dn.quantWeight(), dn.biasScale() != null);
        accumulate(back, dn.field(), g.bias());
      } else if (node.op() instanceof StepPlan.Relu) {
        forward.addStatement("$T.relu($L, $L, n * $L)", ACTIVATIONS, in, out, node.size());
        if (!gradIn.equals("null")) {
          back.addStatement(
              "$T.reluBackward($L, $L, $L, batch * $L)",
              ACTIVATIONS,
              gradOut,
              out,
              gradIn,
              node.size());
        }
      } else if (node.op() instanceof StepPlan.ActQuant a) {
        String record = a.field() + "Record";
        type.addField(
            FieldSpec.builder(STEP_RECORD, record, Modifier.PRIVATE, Modifier.FINAL)
                .initializer("new $T()", STEP_RECORD)
                .build());
        String quantized = in;
        String quantizedGrad = gradIn;
        if (a.relu()) {
          // The ReLU runs first; the quantizer reads its output.
          quantized = a.field() + "ActOut";
          quantizedGrad = gradIn.equals("null") ? "null" : a.field() + "ActGrad";
          type.addField(float[].class, quantized, Modifier.PRIVATE);
          allocate.addStatement("$L = new float[n * $L]", quantized, node.size());
          forward.addStatement("$T.relu($L, $L, n * $L)", ACTIVATIONS, in, quantized, node.size());
          if (!gradIn.equals("null")) {
            type.addField(float[].class, quantizedGrad, Modifier.PRIVATE);
            allocate.addStatement("$L = new float[n * $L]", quantizedGrad, node.size());
          }
        }
        Node pool = pooledInOnePass(plan, node);
        if (pool != null) {
          // Quantization and the max-pooling after it in one pass each way (with the ReLU's
          // gradient): the pooling node itself then computes nothing.
          forward.addStatement(
              "$L.quantizer().forwardMaxPoolInto($L, $L.isTraining(), $L, $LGeometry, $LArgmax,"
                  + " $LOut, $L)",
              a.field(),
              quantized,
              a.field(),
              out,
              pool.name(),
              pool.name(),
              pool.name(),
              record);
          back.addStatement(
              "$L.quantizer().backwardMaxPoolInto($L, $LGrad, $LGeometry, $LArgmax, $L, $L, $L,"
                  + " $L, $L$L)",
              a.field(),
              quantized,
              pool.name(),
              pool.name(),
              pool.name(),
              record,
              a.relu(),
              gradOut,
              a.relu() ? quantizedGrad : "null",
              gradIn,
              scaleGradientArgument(plan, node));
        } else {
          forward.addStatement(
              "$L.quantizer().forwardInto($L, $L.isTraining(), $L, $L)",
              a.field(),
              quantized,
              a.field(),
              out,
              record);
          back.addStatement(
              "$L.quantizer().backwardInto($L, $L, $L, $L$L)",
              a.field(),
              quantized,
              gradOut,
              record,
              quantizedGrad,
              scaleGradientArgument(plan, node));
          if (a.relu() && !gradIn.equals("null")) {
            back.addStatement(
                "$T.reluBackward($L, $L, $L, batch * $L)",
                ACTIVATIONS,
                quantizedGrad,
                quantized,
                gradIn,
                node.size());
          }
        }
      } else if (node.op() instanceof StepPlan.InputQuant q) {
        // The layer's input quantizer, before the layer computes (its own node, whose scale the
        // layer's bias quantizer reads).
        String record = recordOf(node);
        type.addField(
            FieldSpec.builder(STEP_RECORD, record, Modifier.PRIVATE, Modifier.FINAL)
                .initializer("new $T()", STEP_RECORD)
                .build());
        forward.addStatement(
            "$L.inputQuantizer().forwardInto($L, $L.isTraining(), $L, $L)",
            q.field(),
            in,
            q.field(),
            out,
            record);
        back.addStatement(
            "$L.inputQuantizer().backwardInto($L, $L, $L, $L$L)",
            q.field(),
            in,
            gradOut,
            record,
            gradIn,
            scaleGradientArgument(plan, node));
      } else if (node.op() instanceof StepPlan.MaxPool p) {
        String geometry =
            poolGeometry(
                type, allocate, node, p.kernel(), p.kernel(), p.stride(), p.stride(), p.padding());
        String argmax = node.name() + "Argmax";
        type.addField(int[].class, argmax, Modifier.PRIVATE);
        allocate.addStatement("$L = new int[n * $L]", argmax, node.size());
        // When the quantizer before it pools in its own pass (see the ActQuant case), this node
        // only holds the buffers.
        boolean pooledByQuantizer = pooledInOnePass(plan, node.input()) == node;
        if (!pooledByQuantizer) {
          forward.addStatement("$T.maxForward($L, $L, $L, $L)", POOLING, in, geometry, argmax, out);
        }
        if (!pooledByQuantizer && !gradIn.equals("null")) {
          back.addStatement(
              "$T.maxBackward($L, $L, batch * $L, $L)",
              POOLING,
              gradOut,
              argmax,
              node.size(),
              gradIn);
        }
      }
      if (node.op() instanceof StepPlan.BatchNorm bn) {
        batchNorm(type, allocate, forward, back, node, bn, in, gradIn);
      } else if (node.op() instanceof StepPlan.AvgPool p) {
        avgPool(type, allocate, forward, back, node, p, in, gradIn);
      } else if (node.op() instanceof StepPlan.Add add) {
        String otherGradIn = gradTarget(plan, type, allocate, node, add.other());
        residualAdd(forward, back, node, in, value(add.other()), gradIn, otherGradIn);
        sumGradients(back, plan, node, add.other());
      }
      sumGradients(back, plan, node, node.input());
      // A flatten computes nothing: row-major values read the same in any shape.
      backwardSteps.add(0, back.build());
    }
    long classes = plan.output().size();
    String logits = value(plan.output());
    allocate.addStatement("softmax = new float[n * $L]", classes);
    forward.addStatement("return $L", logits);
    type.addMethod(forward.build());
    type.addMethod(
        MethodSpec.methodBuilder("loss")
            .addAnnotation(Override.class)
            .addModifiers(Modifier.PUBLIC)
            .returns(float.class)
            .addParameter(int[].class, "labels")
            .beginControlFlow("if (labels.length != batch)")
            .addStatement(
                "throw new $T($S + batch + $S + labels.length)",
                IllegalArgumentException.class,
                "cross entropy: expected ",
                " labels, got ")
            .endControlFlow()
            .addStatement("this.labels = labels")
            .addStatement(
                "return $T.forward($L, batch, $L, labels, softmax)", CROSS_ENTROPY, logits, classes)
            .build());
    MethodSpec.Builder backward =
        MethodSpec.methodBuilder("backward")
            .addAnnotation(Override.class)
            .addModifiers(Modifier.PUBLIC)
            .addStatement(
                "$T.backward(softmax, batch, $L, labels, 1f, $L)",
                CROSS_ENTROPY,
                classes,
                grad(plan.output()));
    backwardSteps.forEach(backward::addCode);
    type.addMethod(backward.build());
    type.addMethod(
        MethodSpec.methodBuilder("classes")
            .addAnnotation(Override.class)
            .addModifiers(Modifier.PUBLIC)
            .returns(int.class)
            .addStatement("return $L", classes)
            .build());
    type.addMethod(allocate.build());
    return type.build();
  }

  /**
   * The max-pooling node that pools {@code node}'s activation quantizer output in the quantizer's
   * own pass, or null: the pooling must be the value's only reader.
   */
  private static Node pooledInOnePass(StepPlan plan, Node node) {
    if (!(node.op() instanceof StepPlan.ActQuant)) {
      return null;
    }
    List<Node> readers = plan.consumers(node);
    return readers.size() == 1 && readers.get(0).op() instanceof StepPlan.MaxPool
        ? readers.get(0)
        : null;
  }

  /**
   * Where {@code consumer}'s backward writes the gradient of its input {@code value}: none for the
   * model's input; the value's gradient buffer, or, for the earlier of two readers of a value
   * (whose backward runs last), a second buffer that {@link #sumGradients} then adds in.
   */
  private static String gradTarget(
      StepPlan plan,
      TypeSpec.Builder type,
      MethodSpec.Builder allocate,
      Node consumer,
      Node value) {
    if (readsInput(value)) {
      return "null";
    }
    if (!readsLast(plan, consumer, value)) {
      return grad(value);
    }
    String part = value.name() + "GradPart";
    type.addField(float[].class, part, Modifier.PRIVATE);
    allocate.addStatement("$L = new float[n * $L]", part, value.size());
    return part;
  }

  /** Whether {@code consumer} is the first of two readers of {@code value} in forward order. */
  private static boolean readsLast(StepPlan plan, Node consumer, Node value) {
    List<Node> readers = plan.consumers(value);
    return readers.size() == 2 && readers.get(0) == consumer;
  }

  /** Adds the second gradient of a value read twice, once {@code consumer} has computed it. */
  private static void sumGradients(
      CodeBlock.Builder back, StepPlan plan, Node consumer, Node value) {
    if (value == null || readsInput(value) || !readsLast(plan, consumer, value)) {
      return;
    }
    back.addStatement(
        "$T.accumulate($LGradPart, $L, batch * $L)",
        ELEMENTWISE,
        value.name(),
        grad(value),
        value.size());
  }

  /** A {@code @BatchNorm2d}/{@code @BatchNorm1d} layer's own step methods, on step buffers. */
  private static void batchNorm(
      TypeSpec.Builder type,
      MethodSpec.Builder allocate,
      MethodSpec.Builder forward,
      CodeBlock.Builder back,
      Node node,
      StepPlan.BatchNorm bn,
      String in,
      String gradIn) {
    String f = bn.field();
    for (String buffer : List.of("Mean", "InvStd", "Xhat", "WeightGrad", "BiasGrad")) {
      type.addField(float[].class, f + buffer, Modifier.PRIVATE);
    }
    type.addField(
        FieldSpec.builder(boolean.class, f + "BatchStats", Modifier.PRIVATE)
            .addJavadoc("Whether the last forward normalised with the batch's statistics.\n")
            .build());
    for (String buffer : List.of("Mean", "InvStd", "WeightGrad", "BiasGrad")) {
      allocate.addStatement("$L$L = new float[$L]", f, buffer, bn.channels());
    }
    allocate.addStatement("$LXhat = new float[n * $L]", f, node.size());
    forward.addStatement(
        "$LBatchStats = $L.forwardInto($L, n, $L, $LMean, $LInvStd, $LXhat, $LOut)",
        f,
        f,
        in,
        bn.inner(),
        f,
        f,
        f,
        node.name());
    back.addStatement(
        "$L.backwardInto($LGrad, batch, $L, $LBatchStats, $LInvStd, $LXhat, $L, $LWeightGrad,"
            + " $LBiasGrad)",
        f,
        node.name(),
        bn.inner(),
        f,
        f,
        f,
        gradIn,
        f,
        f);
  }

  /**
   * A pooling window's geometry, a field of the step set when the batch size is known: {@code
   * <node>Geometry} over the node's input {@code [C, H, W]}.
   */
  private static String poolGeometry(
      TypeSpec.Builder type,
      MethodSpec.Builder allocate,
      Node node,
      long kernelH,
      long kernelW,
      long strideH,
      long strideW,
      long padding) {
    long[] d = node.input().dims();
    String geometry = node.name() + "Geometry";
    type.addField(CONV_GEOMETRY, geometry, Modifier.PRIVATE);
    allocate.addStatement(
        "$L = new $T(n, $L, $L, $L, $L, $L, $L, $L, $L, $L, 1, 1)",
        geometry,
        CONV_GEOMETRY,
        d[0],
        d[1],
        d[2],
        kernelH,
        kernelW,
        strideH,
        strideW,
        padding,
        padding);
    return geometry;
  }

  /** {@code F.avgPool2d} or {@code @AdaptiveAvgPool2d}: the tape's pooling kernels. */
  private static void avgPool(
      TypeSpec.Builder type,
      MethodSpec.Builder allocate,
      MethodSpec.Builder forward,
      CodeBlock.Builder back,
      Node node,
      StepPlan.AvgPool p,
      String in,
      String gradIn) {
    String geometry =
        poolGeometry(
            type, allocate, node, p.kernelH(), p.kernelW(), p.strideH(), p.strideW(), p.padding());
    forward.addStatement("$T.avgForward($L, $L, $LOut)", POOLING, in, geometry, node.name());
    if (!gradIn.equals("null")) {
      back.addStatement("$T.avgBackward($LGrad, $L, $L)", POOLING, node.name(), geometry, gradIn);
    }
  }

  /** {@code F.add}: the sum, and the output gradient passed to both operands. */
  private static void residualAdd(
      MethodSpec.Builder forward,
      CodeBlock.Builder back,
      Node node,
      String a,
      String b,
      String gradA,
      String gradB) {
    forward.addStatement(
        "$T.add($L, $L, $LOut, n * $L)", ELEMENTWISE, a, b, node.name(), node.size());
    for (String g : List.of(gradA, gradB)) {
      if (!g.equals("null")) {
        back.addStatement(
            "$T.arraycopy($LGrad, 0, $L, 0, batch * $L)",
            System.class,
            node.name(),
            g,
            node.size());
      }
    }
  }

  private static void addGradientBuffers(
      TypeSpec.Builder type, MethodSpec.Builder allocate, String field, boolean bias) {
    type.addField(float[].class, field + "WeightGrad", Modifier.PRIVATE);
    allocate.addStatement("$LWeightGrad = new float[$L.weight().data().length]", field, field);
    if (bias) {
      type.addField(float[].class, field + "BiasGrad", Modifier.PRIVATE);
      allocate.addStatement("$LBiasGrad = new float[$L.bias().data().length]", field, field);
    }
  }

  /**
   * The weight the layer's kernel reads: the parameter's values, or for a quantized weight its
   * fake-quantized copy, computed once per step at the start of forward and kept for backward.
   */
  private static String weightOperand(
      TypeSpec.Builder type,
      MethodSpec.Builder allocate,
      MethodSpec.Builder forward,
      String field,
      boolean quantized,
      int channels) {
    if (!quantized) {
      return field + ".weight().data()";
    }
    for (String buffer : List.of("QuantWeight", "QuantWeightGrad", "WeightStats", "WeightScale")) {
      type.addField(float[].class, field + buffer, Modifier.PRIVATE);
    }
    allocate.addStatement("$LQuantWeight = new float[$L.weight().data().length]", field, field);
    allocate.addStatement("$LQuantWeightGrad = new float[$L.weight().data().length]", field, field);
    allocate.addStatement(
        "$LWeightStats = new float[$L.weightQuantizer().config().perChannel() ? $L : 1]",
        field,
        field,
        channels);
    allocate.addStatement("$LWeightScale = new float[$LWeightStats.length]", field, field);
    forward.beginControlFlow("if ($L.weightQuantizer().enabled())", field);
    forward.addStatement(
        "$L.weightQuantizer().quantizeInto($L.weight().data(), $L, $LWeightStats, $LWeightScale, "
            + "$LQuantWeight)",
        field,
        field,
        channels,
        field,
        field,
        field);
    // Calibration turns weight quantization off: the layer computes with its float weight.
    forward
        .nextControlFlow("else")
        .addStatement(
            "$T.arraycopy($L.weight().data(), 0, $LQuantWeight, 0, $LQuantWeight.length)",
            System.class,
            field,
            field,
            field)
        .endControlFlow();
    return field + "QuantWeight";
  }

  private static String weightGradient(String field, boolean quantized) {
    return field + (quantized ? "QuantWeightGrad" : "WeightGrad");
  }

  private static void quantizerBackward(
      CodeBlock.Builder back, String field, boolean quantized, boolean biasQuantized) {
    if (quantized) {
      back.addStatement(
          "$L.weightQuantizer().backwardInto($L.weight().data(), $LWeightStats, $LWeightScale, "
              + "$LQuantWeightGrad, $L$LWeightGrad)",
          field,
          field,
          field,
          field,
          field,
          biasQuantized ? field + "WeightScaleGrad, " : "",
          field);
    }
  }

  // ---------------------------------------------------------------- QuantTensor scales, biases

  /**
   * The name of the activation quantizer that produced a QuantTensor node's scale: its {@code
   * StepRecord} is this plus {@code Record}, the gradient its scale receives from the next bias
   * quantizer this plus {@code ScaleGrad}.
   */
  private static String quantizerOf(Node node) {
    return node.op() instanceof StepPlan.ActQuant a ? a.field() : node.name();
  }

  private static String recordOf(Node node) {
    return quantizerOf(node) + "Record";
  }

  /** One float per QuantTensor scale that a bias quantizer reads, for its gradient. */
  private static void addScaleGradients(TypeSpec.Builder type, StepPlan plan) {
    for (Node source : scaleSourcesReadByBiases(plan)) {
      type.addField(
          FieldSpec.builder(float.class, quantizerOf(source) + "ScaleGrad", Modifier.PRIVATE)
              .addJavadoc(
                  "The gradient $L's scale receives through the bias quantizer that reads it.\n",
                  quantizerOf(source))
              .build());
    }
  }

  private static List<Node> scaleSourcesReadByBiases(StepPlan plan) {
    List<Node> sources = new ArrayList<>();
    for (Node n : plan.nodes()) {
      Node source =
          n.op() instanceof StepPlan.Conv c
              ? c.biasScale()
              : n.op() instanceof StepPlan.Dense d ? d.biasScale() : null;
      if (source != null) {
        sources.add(source);
      }
    }
    return sources;
  }

  /**
   * {@code ", <name>ScaleGrad"} when a bias quantizer reads the scale {@code node}'s quantizer
   * produces (the backward pass adds that gradient to the scale's own), else nothing.
   */
  private static String scaleGradientArgument(StepPlan plan, Node node) {
    for (Node source : scaleSourcesReadByBiases(plan)) {
      if (source == node) {
        return ", " + quantizerOf(node) + "ScaleGrad";
      }
    }
    return "";
  }

  /**
   * The bias the layer's kernel reads: none, the parameter's values, or its fake-quantized copy
   * with scale = weight scale x the input's QuantTensor scale, computed in forward after the
   * weight's.
   */
  private static String biasOperand(
      TypeSpec.Builder type,
      MethodSpec.Builder allocate,
      MethodSpec.Builder forward,
      String field,
      boolean bias,
      Node scaleSource) {
    if (!bias) {
      return "null";
    }
    if (scaleSource == null) {
      return field + ".bias().data()";
    }
    for (String buffer : List.of("QuantBias", "QuantBiasGrad", "BiasScale", "WeightScaleGrad")) {
      type.addField(float[].class, field + buffer, Modifier.PRIVATE);
    }
    allocate.addStatement("$LQuantBias = new float[$L.bias().data().length]", field, field);
    allocate.addStatement("$LQuantBiasGrad = new float[$L.bias().data().length]", field, field);
    allocate.addStatement("$LBiasScale = new float[$LWeightScale.length]", field, field);
    allocate.addStatement("$LWeightScaleGrad = new float[$LWeightScale.length]", field, field);
    forward.beginControlFlow("if ($L.biasQuantizer().enabled())", field);
    forward.addStatement(
        "$L.biasQuantizer().quantizeInto($L.bias().data(), $LWeightScale, $L.scale(), $LBiasScale, "
            + "$LQuantBias)",
        field,
        field,
        field,
        recordOf(scaleSource),
        field,
        field);
    // Calibration turns bias quantization off with the weight's: the layer adds its float bias.
    forward
        .nextControlFlow("else")
        .addStatement(
            "$T.arraycopy($L.bias().data(), 0, $LQuantBias, 0, $LQuantBias.length)",
            System.class,
            field,
            field,
            field)
        .endControlFlow();
    return field + "QuantBias";
  }

  /** Where the layer's kernel writes its bias gradient: the quantized bias' when quantized. */
  private static String biasGradient(String field, boolean bias, Node scaleSource) {
    if (!bias) {
      return "null";
    }
    return field + (scaleSource == null ? "BiasGrad" : "QuantBiasGrad");
  }

  /**
   * The bias quantizer's backward: the bias gradient, the weight scale's and the input scale's
   * (kept for the backward of the quantizer that produced it, which runs later).
   */
  private static void biasQuantizerBackward(
      CodeBlock.Builder back, String field, Node scaleSource) {
    if (scaleSource == null) {
      return;
    }
    back.addStatement(
        "$LScaleGrad = $L.biasQuantizer().backwardInto($L.bias().data(), $LBiasScale, "
            + "$LWeightScale, $L.scale(), $LQuantBiasGrad, $LBiasGrad, $LWeightScaleGrad)",
        quantizerOf(scaleSource),
        field,
        field,
        field,
        field,
        recordOf(scaleSource),
        field,
        field,
        field);
  }

  private static void accumulate(CodeBlock.Builder back, String field, boolean bias) {
    back.addStatement("$L.weight().accumulateGrad($LWeightGrad)", field, field);
    if (bias) {
      back.addStatement("$L.bias().accumulateGrad($LBiasGrad)", field, field);
    }
  }

  /** The buffer holding a node's values (a flatten's are its input's). */
  private static String value(Node node) {
    if (node.op() instanceof StepPlan.Input) {
      return "input";
    }
    return node.op() instanceof StepPlan.Flatten ? value(node.input()) : node.name() + "Out";
  }

  private static boolean readsInput(Node node) {
    return node.op() instanceof StepPlan.Input
        || (node.op() instanceof StepPlan.Flatten && readsInput(node.input()));
  }

  private static String grad(Node node) {
    return node.op() instanceof StepPlan.Flatten ? grad(node.input()) : node.name() + "Grad";
  }
}
