package dev.qnn4j.export;

import static com.google.common.truth.Truth.assertThat;
import static dev.qnn4j.export.ExportFixtures.assertMatchesAndCountExact;
import static dev.qnn4j.export.ExportFixtures.calibrated;
import static dev.qnn4j.export.ExportFixtures.javaForward;
import static dev.qnn4j.export.ExportFixtures.randomInput;
import static dev.qnn4j.export.ExportFixtures.readChecked;
import static dev.qnn4j.export.ExportFixtures.runOrt;

import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import dev.qnn4j.export.onnx.BrevitasReferenceTest;
import dev.qnn4j.export.onnx.OnnxTensors;
import dev.qnn4j.export.onnx.proto.ModelProto;
import dev.qnn4j.export.onnx.proto.NodeProto;
import dev.qnn4j.export.onnx.proto.TensorProto;
import dev.qnn4j.runtime.QuantTensor;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.nn.BatchNorm1d;
import dev.qnn4j.runtime.nn.Conv2dOptions;
import dev.qnn4j.runtime.nn.Dropout;
import dev.qnn4j.runtime.nn.F;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.nn.Module;
import dev.qnn4j.runtime.nn.QuantCat;
import dev.qnn4j.runtime.nn.QuantConv1d;
import dev.qnn4j.runtime.nn.QuantConv2d;
import dev.qnn4j.runtime.nn.QuantConvTranspose2d;
import dev.qnn4j.runtime.nn.QuantIdentity;
import dev.qnn4j.runtime.nn.QuantLinear;
import dev.qnn4j.runtime.nn.QuantReLU;
import dev.qnn4j.runtime.nn.QuantUpsample;
import dev.qnn4j.runtime.nn.TensorNorm;
import dev.qnn4j.runtime.nn.TruncAvgPool2d;
import dev.qnn4j.runtime.quant.ActQuantConfig;
import dev.qnn4j.runtime.quant.BiasQuantConfig;
import dev.qnn4j.runtime.quant.WeightQuantConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Export of the layers of issue 17: ONNX Runtime runs each exported model like the Java forward.
 */
class ZooLayersExportTest {

  @TempDir Path dir;

  /**
   * The bnn_pynq FC shape: QuantIdentity, QuantLinear, BatchNorm1d, Dropout, QuantIdentity,
   * QuantLinear, TensorNorm. Input {@code [N, 16]}.
   */
  static final class FcNet implements Model {
    final QuantIdentity quantInp = new QuantIdentity("quant_inp", ActQuantConfig.signed(8), true);
    final QuantLinear fc0 =
        new QuantLinear(
            "fc0", 16, 8, false, WeightQuantConfig.perTensorFloat(4), null, null, null, false);
    final BatchNorm1d bn0 = new BatchNorm1d("bn0", 8);
    final Dropout drop0 = new Dropout("drop0", 0.2f);
    final QuantIdentity act0 = new QuantIdentity("act0", ActQuantConfig.signed(4), true);
    final QuantLinear fc1 =
        new QuantLinear(
            "fc1", 8, 5, false, WeightQuantConfig.perTensorFloat(4), null, null, null, false);
    final TensorNorm norm = new TensorNorm("norm");

    FcNet() {
      fc0.resetParameters(new Random(31));
      fc1.resetParameters(new Random(32));
      Random r = new Random(33);
      Map<String, Tensor> state = new LinkedHashMap<>();
      float[] gamma = new float[8];
      float[] beta = new float[8];
      float[] mean = new float[8];
      float[] var = new float[8];
      for (int c = 0; c < 8; c++) {
        // A negative gamma: the fold must flip that row's integer weights.
        gamma[c] = (c == 3 ? -1 : 1) * (0.5f + r.nextFloat());
        beta[c] = (float) r.nextGaussian() * 0.2f;
        mean[c] = (float) r.nextGaussian() * 0.3f;
        var[c] = 0.2f + r.nextFloat();
      }
      state.put("bn0.weight", Tensor.of(gamma, 8));
      state.put("bn0.bias", Tensor.of(beta, 8));
      state.put("bn0.running_mean", Tensor.of(mean, 8));
      state.put("bn0.running_var", Tensor.of(var, 8));
      state.put("norm.weight", Tensor.of(new float[] {1.25f}, 1));
      state.put("norm.bias", Tensor.of(new float[] {-0.25f}, 1));
      state.put("norm.running_mean", Tensor.of(new float[] {0.1f}, 1));
      state.put("norm.running_var", Tensor.of(new float[] {0.7f}, 1));
      loadStateDict(state, false);
    }

    @Override
    public String modelName() {
      return "FcNet";
    }

    @Override
    public List<Module> layers() {
      return List.of(quantInp, fc0, bn0, drop0, act0, fc1, norm);
    }

    @Override
    public Tensor forward(Tensor x) {
      Tensor h = drop0.forward(bn0.forward(fc0.forward(quantInp.forwardQuant(F.flatten(x)))));
      return norm.forward(fc1.forward(act0.forwardQuant(h)));
    }
  }

  @Test
  void batchNorm1dAndTensorNormFoldIntoTheLinearLayersInQcdqAndDropoutVanishes() throws Exception {
    FcNet model = calibrated(new FcNet(), 2, 6, 16);
    Tensor input = randomInput(5, 6, 16);
    Path qcdq = dir.resolve("fc.qcdq.onnx");
    QcdqExporter.export(model, new long[] {16}, qcdq);
    ModelProto onnx = readChecked(qcdq);
    List<String> ops = onnx.getGraph().getNodeList().stream().map(NodeProto::getOpType).toList();
    assertThat(ops).doesNotContain("BatchNormalization");
    assertThat(ops).doesNotContain("Dropout");
    assertThat(ops.stream().filter(o -> o.equals("Gemm")).count()).isEqualTo(2);
    assertMatchesAndCountExact(
        "QCDQ FcNet",
        javaForward(model, input),
        runOrt(onnx, OptLevel.NO_OPT, "input", "output", input));

    Path qonnx = dir.resolve("fc.qonnx.onnx");
    QonnxExporter.export(model, new long[] {16}, qonnx);
    ModelProto written = readChecked(qonnx);
    // QONNX keeps the BatchNorm1d as a BatchNormalization node (as Brevitas); the TensorNorm,
    // which Brevitas writes as elementwise operators, is folded.
    List<String> qonnxOps =
        written.getGraph().getNodeList().stream().map(NodeProto::getOpType).toList();
    assertThat(qonnxOps.stream().filter(o -> o.equals("BatchNormalization")).count()).isEqualTo(1);
    ModelProto lowered = QonnxSemantics.lowered(written);
    assertMatchesAndCountExact(
        "QONNX FcNet",
        javaForward(model, input),
        runOrt(lowered, OptLevel.NO_OPT, "input", "output", input));
  }

  /**
   * A UNet/MobileNet-shaped block: QuantIdentity, depthwise QuantConv2d (per-channel), QuantReLU,
   * F.maxPool2d, QuantUpsample x2, QuantCat with the skip, pointwise QuantConv2d. Input {@code [N,
   * 4, 8, 8]}.
   */
  static final class SkipNet implements Model {
    final QuantIdentity quantInp = new QuantIdentity("quant_inp", ActQuantConfig.signed(8), true);
    final QuantConv2d depthwise =
        QuantConv2d.builder("depthwise", Conv2dOptions.of(4, 4, 3).withPadding(1).withGroups(4))
            .withoutBias()
            .weightQuant(WeightQuantConfig.perChannelFloat(4))
            .build();
    final QuantReLU relu = new QuantReLU("relu", 4, true);
    final QuantUpsample up = QuantUpsample.byFactor("up", 2);
    final QuantCat cat = new QuantCat("cat");
    final QuantConv2d pointwise =
        QuantConv2d.builder("pointwise", Conv2dOptions.of(8, 3, 1))
            .weightQuant(WeightQuantConfig.perTensorFloat(4))
            .build();

    SkipNet() {
      depthwise.resetParameters(new Random(41));
      pointwise.resetParameters(new Random(42));
    }

    @Override
    public String modelName() {
      return "SkipNet";
    }

    @Override
    public List<Module> layers() {
      return List.of(quantInp, depthwise, relu, up, cat, pointwise);
    }

    @Override
    public Tensor forward(Tensor x) {
      QuantTensor skip = relu.forwardQuant(depthwise.forward(quantInp.forwardQuant(x)));
      QuantTensor low = F.maxPool2d(skip, 2);
      return pointwise.forward(cat.forward(skip, up.forwardQuant(low)));
    }
  }

  @Test
  void depthwiseConvUpsampleAndCatRunInOnnxRuntime() throws Exception {
    SkipNet model = calibrated(new SkipNet(), 2, 3, 4, 8, 8);
    Tensor input = randomInput(7, 3, 4, 8, 8);
    for (boolean qonnx : new boolean[] {false, true}) {
      Path file = dir.resolve(qonnx ? "skip.qonnx.onnx" : "skip.qcdq.onnx");
      if (qonnx) {
        QonnxExporter.export(model, new long[] {4, 8, 8}, file);
      } else {
        QcdqExporter.export(model, new long[] {4, 8, 8}, file);
      }
      ModelProto onnx = readChecked(file);
      List<String> ops = onnx.getGraph().getNodeList().stream().map(NodeProto::getOpType).toList();
      assertThat(ops).containsAtLeast("Conv", "MaxPool", "Resize", "Concat", "Conv").inOrder();
      NodeProto depthwiseConv =
          onnx.getGraph().getNodeList().stream()
              .filter(n -> n.getOpType().equals("Conv"))
              .findFirst()
              .orElseThrow();
      assertThat(
              depthwiseConv.getAttributeList().stream()
                  .filter(a -> a.getName().equals("group"))
                  .findFirst()
                  .orElseThrow()
                  .getI())
          .isEqualTo(4);
      ModelProto run = qonnx ? QonnxSemantics.lowered(onnx) : onnx;
      assertMatchesAndCountExact(
          (qonnx ? "QONNX" : "QCDQ") + " SkipNet",
          javaForward(model, input),
          runOrt(run, OptLevel.NO_OPT, "input", "output", input));
    }
  }

  /** QuantIdentity then QuantConv1d (stride 2, padding 1, Int32Bias). Input {@code [N, 4, 9]}. */
  static final class Conv1dNet implements Model {
    final QuantIdentity quantInp = new QuantIdentity("quant_inp", ActQuantConfig.signed(4), true);
    final QuantConv1d conv =
        new QuantConv1d(
            "conv",
            4,
            6,
            3,
            2,
            1,
            1,
            1,
            true,
            WeightQuantConfig.perTensorFloat(4),
            BiasQuantConfig.int32(),
            null,
            null,
            false);

    Conv1dNet() {
      conv.resetParameters(new Random(43));
    }

    @Override
    public String modelName() {
      return "Conv1dNet";
    }

    @Override
    public List<Module> layers() {
      return List.of(quantInp, conv);
    }

    @Override
    public Tensor forward(Tensor x) {
      return conv.forward(quantInp.forwardQuant(x));
    }
  }

  @Test
  void quantConv1dRunsInOnnxRuntime() throws Exception {
    Conv1dNet model = calibrated(new Conv1dNet(), 2, 3, 4, 9);
    Tensor input = randomInput(8, 3, 4, 9);
    Path file = dir.resolve("conv1d.qcdq.onnx");
    QcdqExporter.export(model, new long[] {4, 9}, file);
    ModelProto onnx = readChecked(file);
    NodeProto conv =
        onnx.getGraph().getNodeList().stream()
            .filter(n -> n.getOpType().equals("Conv"))
            .findFirst()
            .orElseThrow();
    assertThat(
            conv.getAttributeList().stream()
                .filter(a -> a.getName().equals("kernel_shape"))
                .findFirst()
                .orElseThrow()
                .getIntsList())
        .containsExactly(3L);
    assertMatchesAndCountExact(
        "QCDQ Conv1dNet",
        javaForward(model, input),
        runOrt(onnx, OptLevel.NO_OPT, "input", "output", input));
  }

  /** A 4-bit ReLU and a truncated 2x2 average pool. Input {@code [N, 2, 4, 4]}. */
  private static Model pooled(TruncAvgPool2d.Rounding rounding) {
    return new Model() {
      final QuantReLU relu = new QuantReLU("relu", 4, true);
      final TruncAvgPool2d pool = new TruncAvgPool2d("pool", 2, 0, 8, rounding);

      @Override
      public String modelName() {
        return "Pooled";
      }

      @Override
      public long[] inputShape() {
        return new long[] {2, 4, 4};
      }

      @Override
      public List<Module> layers() {
        return List.of(relu, pool);
      }

      @Override
      public Tensor forward(Tensor x) {
        return pool.forward(relu.forwardQuant(x));
      }
    };
  }

  @Test
  void flooringTruncAvgPoolIsAClearQcdqErrorAndAQonnxTruncNode() throws Exception {
    Model model = pooled(TruncAvgPool2d.Rounding.FLOOR);
    Tensor input = randomInput(4, 3, 2, 4, 4);
    calibrated(model, 3, 4, 2, 4, 4);
    ExportException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            ExportException.class,
            () -> QcdqExporter.export(model, new long[] {2, 4, 4}, dir.resolve("pool.onnx")));
    assertThat(e.getMessage()).contains("pool");
    assertThat(e.getMessage()).contains("FLOOR");
    assertThat(e.getMessage()).contains("QONNX");
    assertThat(java.nio.file.Files.exists(dir.resolve("pool.onnx"))).isFalse();

    Path file = dir.resolve("pool.qonnx.onnx");
    QonnxExporter.export(model, input, file);
    ModelProto onnx = readChecked(file);
    NodeProto trunc =
        onnx.getGraph().getNodeList().stream()
            .filter(n -> n.getOpType().equals("Trunc"))
            .findFirst()
            .orElseThrow();
    assertThat(trunc.getDomain()).isEqualTo(QonnxEmitter.DOMAIN);
    assertThat(trunc.getAttribute(0).getS().toStringUtf8()).isEqualTo("FLOOR");
    // 4-bit inputs, 2x2 window: a 6-bit sum, shifted left by 2 into 8 bits (Brevitas' numbers).
    Map<String, TensorProto> constants = BrevitasReferenceTest.constants(onnx.getGraph());
    assertThat(OnnxTensors.toFloatArray(constants.get(trunc.getInput(3))))
        .usingExactEquality()
        .containsExactly(6f);
    assertThat(OnnxTensors.toFloatArray(constants.get(trunc.getInput(4))))
        .usingExactEquality()
        .containsExactly(8f);
    float[] got = runOrt(QonnxSemantics.lowered(onnx), OptLevel.NO_OPT, "input", "output", input);
    assertThat(got).usingExactEquality().containsExactly(javaForward(model, input)).inOrder();
  }

  @Test
  void roundingTruncAvgPoolRunsFromQcdqInOnnxRuntimeLikeJava() throws Exception {
    Model model = pooled(TruncAvgPool2d.Rounding.ROUND);
    Tensor input = randomInput(4, 3, 2, 4, 4);
    calibrated(model, 3, 4, 2, 4, 4);
    Path file = dir.resolve("pool.onnx");
    QcdqExporter.export(model, input, file);
    float[] got = runOrt(readChecked(file), OptLevel.NO_OPT, "input", "output", input);
    assertThat(got).usingExactEquality().containsExactly(javaForward(model, input)).inOrder();
  }

  @Test
  void quantConvTranspose2dRunsInOnnxRuntime() throws Exception {
    Model model =
        new Model() {
          final QuantIdentity quantInp =
              new QuantIdentity("quant_inp", ActQuantConfig.signed(4), true);
          final QuantConvTranspose2d up =
              new QuantConvTranspose2d(
                  "up",
                  4,
                  3,
                  3,
                  2,
                  1,
                  1,
                  1,
                  1,
                  true,
                  WeightQuantConfig.perTensorFloat(4),
                  BiasQuantConfig.int32(),
                  null,
                  null,
                  false);

          @Override
          public String modelName() {
            return "Decoder";
          }

          @Override
          public List<Module> layers() {
            return List.of(quantInp, up);
          }

          @Override
          public Tensor forward(Tensor x) {
            return up.forward(quantInp.forwardQuant(x));
          }
        };
    calibrated(model, 2, 2, 4, 5, 5);
    Tensor input = randomInput(9, 2, 4, 5, 5);
    for (boolean qonnx : new boolean[] {false, true}) {
      Path file = dir.resolve(qonnx ? "up.qonnx.onnx" : "up.qcdq.onnx");
      if (qonnx) {
        QonnxExporter.export(model, new long[] {4, 5, 5}, file);
      } else {
        QcdqExporter.export(model, new long[] {4, 5, 5}, file);
      }
      ModelProto onnx = readChecked(file);
      assertThat(onnx.getGraph().getNodeList().stream().map(NodeProto::getOpType).toList())
          .contains("ConvTranspose");
      ModelProto run = qonnx ? QonnxSemantics.lowered(onnx) : onnx;
      assertMatchesAndCountExact(
          (qonnx ? "QONNX" : "QCDQ") + " Decoder",
          javaForward(model, input),
          runOrt(run, OptLevel.NO_OPT, "input", "output", input));
    }
  }
}
