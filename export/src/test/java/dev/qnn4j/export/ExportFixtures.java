package dev.qnn4j.export;

import static com.google.common.truth.Truth.assertWithMessage;

import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import com.google.gson.JsonObject;
import dev.qnn4j.export.onnx.OnnxFiles;
import dev.qnn4j.export.onnx.OnnxGraphBuilder;
import dev.qnn4j.export.onnx.OnnxModelChecker;
import dev.qnn4j.export.onnx.OrtRunner;
import dev.qnn4j.export.onnx.OrtRunner.FloatTensor;
import dev.qnn4j.export.onnx.proto.ModelProto;
import dev.qnn4j.export.onnx.proto.NodeProto;
import dev.qnn4j.export.onnx.proto.TensorProto.DataType;
import dev.qnn4j.runtime.GradMode;
import dev.qnn4j.runtime.QuantTensor;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.graph.Calibration;
import dev.qnn4j.runtime.nn.BatchNorm2d;
import dev.qnn4j.runtime.nn.Conv2d;
import dev.qnn4j.runtime.nn.Conv2dOptions;
import dev.qnn4j.runtime.nn.F;
import dev.qnn4j.runtime.nn.Linear;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.nn.Module;
import dev.qnn4j.runtime.nn.QuantConv2d;
import dev.qnn4j.runtime.nn.QuantEltwiseAdd;
import dev.qnn4j.runtime.nn.QuantIdentity;
import dev.qnn4j.runtime.nn.QuantLinear;
import dev.qnn4j.runtime.nn.QuantMaxPool2d;
import dev.qnn4j.runtime.nn.QuantReLU;
import dev.qnn4j.runtime.nn.ReLU;
import dev.qnn4j.runtime.nn.TraceEvent;
import dev.qnn4j.runtime.nn.Tracer;
import dev.qnn4j.runtime.nn.WeightLayer;
import dev.qnn4j.runtime.quant.ActQuantConfig;
import dev.qnn4j.runtime.quant.BiasQuantConfig;
import dev.qnn4j.runtime.quant.WeightQuantConfig;
import dev.qnn4j.runtime.reference.HandWiredLeNets;
import dev.qnn4j.runtime.reference.Matching;
import dev.qnn4j.runtime.reference.Reference;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Models, inputs and comparisons shared by the exporter tests. */
final class ExportFixtures {
  private ExportFixtures() {}

  /** The three {@code model_ptq} reference cases. */
  static final String[] LENET_CASES = {"lenet_weight", "lenet_weight_act", "lenet_weight_act_bias"};

  // ---------------------------------------------------------------------------------------------
  // Models

  /**
   * A seed LeNet with the case's reference weights, calibrated on its reference batches as in
   * {@code ModelReferenceChecks.checkPtqCase}.
   */
  static Model calibratedLeNet(String caseName) {
    JsonObject c = Reference.caseNamed(caseName);
    JsonObject in = c.getAsJsonObject("inputs");
    Model model = HandWiredLeNets.create(c.get("model").getAsString());
    model.loadStateDict(Reference.safetensors(in.get("float_weights").getAsString()), false);
    model.eval();
    Calibration.calibrate(model, Reference.unstack(in.get("calibration_batches").getAsString()));
    model.eval();
    return model;
  }

  static Tensor referenceInput(String caseName) {
    JsonObject in = Reference.caseNamed(caseName).getAsJsonObject("inputs");
    return Reference.tensor(in.get("input").getAsString());
  }

  /**
   * Per-channel weights, a residual Add and average pooling: QuantIdentity -> QuantConv2d
   * (per-channel, padding 1, Int32 bias) -> QuantReLU -> QuantConv2d -> QuantReLU, the two ReLU
   * outputs added (by a QuantEltwiseAdd with an output quantizer, or by F.add of two tensors of one
   * shared QuantReLU's scale), F.avgPool2d, F.flatten, a bias-free QuantLinear with input and
   * output quantizers, a per-channel QuantLinear with Int32 bias. Input {@code [N, 3, 16, 16]}.
   */
  static final class ResidualNet implements Model {
    final boolean eltwiseAdd;
    final QuantIdentity quantInp = new QuantIdentity("quant_inp", ActQuantConfig.signed(8), true);
    final QuantConv2d conv1 =
        new QuantConv2d(
            "conv1",
            Conv2dOptions.of(3, 8, 3).withPadding(1),
            WeightQuantConfig.perChannelFloat(4),
            BiasQuantConfig.int32(),
            null,
            null,
            false);
    final QuantReLU relu1 = new QuantReLU("relu1", ActQuantConfig.unsigned(4), true);
    final QuantConv2d conv2 =
        new QuantConv2d(
            "conv2",
            Conv2dOptions.of(8, 8, 3).withPadding(1),
            WeightQuantConfig.perChannelFloat(8),
            BiasQuantConfig.int32(),
            null,
            null,
            false);
    final QuantReLU relu2 = new QuantReLU("relu2", ActQuantConfig.unsigned(4), true);
    final QuantEltwiseAdd add = new QuantEltwiseAdd("add", ActQuantConfig.unsigned(8), true);
    final QuantLinear fc1 =
        new QuantLinear(
            "fc1",
            8 * 8 * 8,
            32,
            false,
            WeightQuantConfig.perTensorFloat(8),
            null,
            ActQuantConfig.signed(8),
            ActQuantConfig.signed(8),
            true);
    final QuantLinear fc2 =
        new QuantLinear(
            "fc2",
            32,
            10,
            true,
            WeightQuantConfig.perChannelFloat(4),
            BiasQuantConfig.int32(),
            null,
            null,
            false);

    ResidualNet(boolean eltwiseAdd) {
      this.eltwiseAdd = eltwiseAdd;
      long seed = 11;
      for (Module m : layers()) {
        if (m instanceof WeightLayer w) {
          w.resetParameters(new Random(seed++));
        }
      }
    }

    @Override
    public String modelName() {
      return eltwiseAdd ? "ResidualNet" : "ResidualNetFAdd";
    }

    @Override
    public long[] inputShape() {
      return new long[] {3, 16, 16};
    }

    @Override
    public List<Module> layers() {
      return eltwiseAdd
          ? List.of(quantInp, conv1, relu1, conv2, relu2, add, fc1, fc2)
          : List.of(quantInp, conv1, relu1, conv2, fc1, fc2);
    }

    @Override
    public Tensor forward(Tensor x) {
      QuantTensor q = quantInp.forwardQuant(x);
      QuantTensor h1 = relu1.forwardQuant(conv1.forward(q));
      Tensor sum;
      if (eltwiseAdd) {
        QuantTensor h2 = relu2.forwardQuant(conv2.forward(h1));
        sum = add.forward(h1, h2);
      } else {
        // One QuantReLU on both branches: the tensors added share its scale.
        QuantTensor h2 = relu1.forwardQuant(conv2.forward(h1));
        sum = F.add(h1, h2);
      }
      Tensor pooled = F.flatten(F.avgPool2d(sum, 2));
      return fc2.forward(fc1.forward(pooled));
    }
  }

  /**
   * BatchNorm2d after a quantized and after a float convolution, with float ReLU, QuantMaxPool2d,
   * F.relu, F.maxPool2d and a float Linear. Input {@code [N, 3, 12, 12]}.
   */
  static final class BatchNormNet implements Model {
    final QuantIdentity quantInp = new QuantIdentity("quant_inp", ActQuantConfig.signed(8), false);
    final QuantConv2d conv1 =
        new QuantConv2d(
            "conv1",
            Conv2dOptions.of(3, 6, 3),
            WeightQuantConfig.perTensorFloat(4),
            null,
            null,
            null,
            false);
    final BatchNorm2d bn1 = new BatchNorm2d("bn1", 6);
    final ReLU relu1 = new ReLU("relu1");
    final QuantMaxPool2d pool1 = new QuantMaxPool2d("pool1", 2, 2, 0);
    final Conv2d conv2 =
        new Conv2d("conv2", Conv2dOptions.of(6, 6, 3).withPadding(1).withBias(false));
    final BatchNorm2d bn2 = new BatchNorm2d("bn2", 6);
    final Linear fc = new Linear("fc", 6 * 2 * 2, 10, true);

    BatchNormNet() {
      conv1.resetParameters(new Random(21));
      conv2.resetParameters(new Random(22));
      fc.resetParameters(new Random(23));
      Random r = new Random(24);
      Map<String, Tensor> state = new LinkedHashMap<>();
      for (BatchNorm2d bn : List.of(bn1, bn2)) {
        float[] gamma = new float[6];
        float[] beta = new float[6];
        float[] mean = new float[6];
        float[] var = new float[6];
        for (int c = 0; c < 6; c++) {
          // Channel 1 has a negative gamma: the fold must flip its integer weights.
          gamma[c] = (c == 1 ? -1 : 1) * (0.5f + r.nextFloat());
          beta[c] = (float) r.nextGaussian() * 0.2f;
          mean[c] = (float) r.nextGaussian() * 0.3f;
          var[c] = 0.2f + r.nextFloat();
        }
        state.put(bn.name() + ".weight", Tensor.of(gamma, 6));
        state.put(bn.name() + ".bias", Tensor.of(beta, 6));
        state.put(bn.name() + ".running_mean", Tensor.of(mean, 6));
        state.put(bn.name() + ".running_var", Tensor.of(var, 6));
      }
      loadStateDict(state, false);
    }

    @Override
    public String modelName() {
      return "BatchNormNet";
    }

    @Override
    public List<Module> layers() {
      return List.of(quantInp, conv1, bn1, relu1, pool1, conv2, bn2, fc);
    }

    @Override
    public Tensor forward(Tensor x) {
      Tensor h = pool1.forward(relu1.forward(bn1.forward(conv1.forward(quantInp.forward(x)))));
      h = F.maxPool2d(F.relu(bn2.forward(conv2.forward(h))), 2);
      return fc.forward(F.flatten(h));
    }
  }

  /** Calibrates {@code model} on {@code batches} random normal batches of shape {@code shape}. */
  static <M extends Model> M calibrated(M model, int batches, long... shape) {
    List<Tensor> data = new ArrayList<>();
    for (int i = 0; i < batches; i++) {
      data.add(randomInput(100 + i, shape));
    }
    model.eval();
    Calibration.calibrate(model, data);
    model.eval();
    return model;
  }

  static Tensor randomInput(long seed, long... shape) {
    Random r = new Random(seed);
    int n = 1;
    for (long d : shape) {
      n *= (int) d;
    }
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return Tensor.of(v, shape);
  }

  // ---------------------------------------------------------------------------------------------
  // Running and comparing

  /** The model's evaluation-mode output. */
  @SuppressWarnings("try") // the scope is only opened and closed
  static float[] javaForward(Model model, Tensor x) {
    model.eval();
    try (GradMode.Scope ignored = GradMode.noGrad()) {
      return model.forward(x).toFloatArray();
    }
  }

  /** Reads an exported file back with the generated classes and checks it. */
  static ModelProto readChecked(Path file) throws Exception {
    ModelProto model = OnnxFiles.read(file);
    assertWithMessage("checker problems of " + file).that(OnnxModelChecker.check(model)).isEmpty();
    return model;
  }

  /** Runs {@code model} in ONNX Runtime on {@code x}; returns the named output. */
  static float[] runOrt(ModelProto model, OptLevel level, String input, String output, Tensor x)
      throws Exception {
    Map<String, FloatTensor> out =
        OrtRunner.run(model, level, Map.of(input, new FloatTensor(x.toFloatArray(), x.shape())));
    return out.get(output).data();
  }

  /**
   * Asserts the reference README's matching rule (at least 99% of elements within {@code 1e-4 +
   * 1e-4 |ref|}, all within 5% of {@code max |ref|}) and returns how many elements are bit-exact.
   */
  static int assertMatchesAndCountExact(String what, float[] want, float[] got) {
    Matching.assertMatches(what, want, got);
    int exact = Matching.exactCount(want, got);
    double maxDiff = 0;
    for (int i = 0; i < want.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs((double) got[i] - want[i]));
    }
    System.out.printf(
        "%s: %d of %d elements bit-exact, max |diff| %.3g%n", what, exact, want.length, maxDiff);
    return exact;
  }

  /** The tensor the model's last traced layer receives in an evaluation forward. */
  @SuppressWarnings("try") // the scope is only opened and closed
  static Tensor lastLayerInput(Model model, Tensor input) {
    model.eval();
    List<TraceEvent> events;
    try (GradMode.Scope ignored = GradMode.noGrad()) {
      events = Tracer.trace(() -> model.forward(input));
    }
    return events.get(events.size() - 1).inputs().get(0);
  }

  /** The value the graph's (last) Gemm multiplies: the input of the final linear layer. */
  static String finalGemmInput(ModelProto model) {
    List<NodeProto> gemms =
        model.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("Gemm")).toList();
    return gemms.get(gemms.size() - 1).getInput(0);
  }

  /** Runs {@code model} as written (NO_OPT) with {@code probe} as an extra graph output. */
  static Map<String, FloatTensor> runOrtProbing(ModelProto model, String probe, Tensor x)
      throws Exception {
    ModelProto probed =
        model.toBuilder()
            .setGraph(
                model.getGraph().toBuilder()
                    .addOutput(
                        OnnxGraphBuilder.tensorValueInfo(
                            probe,
                            DataType.FLOAT,
                            List.of(
                                OnnxGraphBuilder.dimParam("N"), OnnxGraphBuilder.unknownDim()))))
            .build();
    return OrtRunner.run(
        probed, OptLevel.NO_OPT, Map.of("input", new FloatTensor(x.toFloatArray(), x.shape())));
  }
}
