package dev.qnn4j.export.onnx;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import dev.qnn4j.export.onnx.OrtRunner.FloatTensor;
import dev.qnn4j.export.onnx.proto.GraphProto;
import dev.qnn4j.export.onnx.proto.ModelProto;
import dev.qnn4j.export.onnx.proto.NodeProto;
import dev.qnn4j.export.onnx.proto.TensorProto;
import dev.qnn4j.export.onnx.proto.TensorProto.DataType;
import dev.qnn4j.export.onnx.proto.TensorShapeProto;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link OnnxGraphBuilder}: model structure, tensor encoding, and QCDQ graphs run in ONNX Runtime
 * against plain Java reference computations.
 */
class OnnxGraphBuilderTest {

  // ---------------------------------------------------------------------------------------------
  // Java references

  /** Brevitas/ONNX fake quantization: clamp(rint(x / s), min, max) * s, ties to even, float32. */
  static float fakeQuant(float x, float scale, long min, long max) {
    float q = (float) Math.rint(x / scale);
    q = Math.max(min, Math.min(max, q));
    return q * scale;
  }

  private static float[] randomGaussian(Random random, int n, double sigma) {
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (float) (random.nextGaussian() * sigma);
    }
    return out;
  }

  private static byte[] randomInts(Random random, int n, int min, int max) {
    byte[] out = new byte[n];
    for (int i = 0; i < n; i++) {
      out[i] = (byte) (min + random.nextInt(max - min + 1));
    }
    return out;
  }

  private static void assertClose(String what, float[] got, float[] want, double relTol) {
    assertWithMessage(what + " length").that(got.length).isEqualTo(want.length);
    for (int i = 0; i < want.length; i++) {
      double tol = relTol * Math.max(1.0, Math.abs(want[i]));
      assertWithMessage("%s[%s]: got %s, want %s", what, i, got[i], want[i])
          .that(Math.abs(got[i] - want[i]) <= tol)
          .isTrue();
    }
  }

  private static List<String> opTypes(ModelProto model) {
    return model.getGraph().getNodeList().stream()
        .map(NodeProto::getOpType)
        .collect(Collectors.toList());
  }

  private static TensorProto initializer(ModelProto model, String name) {
    return model.getGraph().getInitializerList().stream()
        .filter(t -> t.getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no initializer " + name));
  }

  private static NodeProto node(ModelProto model, String name) {
    return model.getGraph().getNodeList().stream()
        .filter(n -> n.getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no node " + name));
  }

  // ---------------------------------------------------------------------------------------------
  // Model structure

  @Test
  void modelHeaderInputsAndOutputs() {
    OnnxGraphBuilder b =
        new OnnxGraphBuilder("tiny")
            .producerVersion("0.1.0")
            .docString("a test model")
            .metadata("qnn4j.model", "Tiny")
            .metadata("qnn4j.seed", "0");
    String x = b.addFloatInput("x", 3, 32, 32);
    String y = b.relu("relu1", x);
    b.addFloatOutput(y, 3, -1, 32);
    ModelProto m = b.build();

    assertThat(m.getIrVersion()).isEqualTo(8);
    assertThat(m.getProducerName()).isEqualTo("qnn4j");
    assertThat(m.getProducerVersion()).isEqualTo("0.1.0");
    assertThat(m.getDocString()).isEqualTo("a test model");
    assertThat(m.getOpsetImportCount()).isEqualTo(1);
    assertThat(m.getOpsetImport(0).getDomain()).isEmpty();
    assertThat(m.getOpsetImport(0).getVersion()).isEqualTo(13);
    assertThat(m.getMetadataPropsList().stream().map(e -> e.getKey() + "=" + e.getValue()).toList())
        .containsExactly("qnn4j.model=Tiny", "qnn4j.seed=0")
        .inOrder();

    GraphProto g = m.getGraph();
    assertThat(g.getName()).isEqualTo("tiny");
    List<TensorShapeProto.Dimension> in =
        g.getInput(0).getType().getTensorType().getShape().getDimList();
    assertThat(g.getInput(0).getType().getTensorType().getElemType())
        .isEqualTo(DataType.FLOAT_VALUE);
    assertThat(in.get(0).getDimParam()).isEqualTo("N");
    assertThat(in.subList(1, 4).stream().map(TensorShapeProto.Dimension::getDimValue).toList())
        .containsExactly(3L, 32L, 32L)
        .inOrder();
    List<TensorShapeProto.Dimension> out =
        g.getOutput(0).getType().getTensorType().getShape().getDimList();
    assertThat(out.get(0).getDimParam()).isEqualTo("N");
    assertThat(out.get(2).hasDimValue()).isFalse();
    assertThat(out.get(2).hasDimParam()).isFalse();
    assertThat(g.getNode(0).getName()).isEqualTo("relu1.Relu");
    assertThat(g.getNode(0).getOutput(0)).isEqualTo("relu1.Relu_output_0");
  }

  @Test
  void opsetVersionIsConfigurable() {
    assertThrows(IllegalArgumentException.class, () -> new OnnxGraphBuilder("g").opsetVersion(11));
    OnnxGraphBuilder b = new OnnxGraphBuilder("g").opsetVersion(17);
    b.addFloatOutput(b.relu("r", b.addFloatInput("x", 4)), 4);
    assertThat(b.build().getOpsetImport(0).getVersion()).isEqualTo(17);
  }

  @Test
  void initializersAreLittleEndianRawData() {
    OnnxGraphBuilder b = new OnnxGraphBuilder("g");
    b.addFloatInitializer("f", new float[] {1.0f, -2.5f}, 2);
    b.addInt8Initializer("i8", new byte[] {-7, 0, 7, 1, 2, 3}, 2, 3);
    b.addUint8Initializer("u8", new byte[] {(byte) 255, 15}, 2);
    b.addInt32Initializer("i32", new int[] {0x01020304}, 1);
    b.addInt64Initializer("i64", new long[] {1, -1}, 2);
    b.addFloatScalar("s", 0.5f);
    b.addIntScalar("zp", DataType.UINT8, 15);

    assertThrows(IllegalArgumentException.class, () -> b.addIntScalar("bad", DataType.INT8, 128));
    assertThrows(
        IllegalArgumentException.class,
        () -> b.addInt8Initializer("wrong_dims", new byte[5], 2, 3));
    assertThrows(IllegalArgumentException.class, () -> b.addFloatScalar("s", 1f));

    // A graph needs an output to build; read the tensors back through a model.
    b.addFloatOutput(b.relu("r", b.addFloatInput("x", 2)), 2);
    ModelProto m = b.build();
    TensorProto f = initializer(m, "f");
    assertThat(f.getDataType()).isEqualTo(DataType.FLOAT_VALUE);
    assertThat(f.getRawData().toByteArray())
        .isEqualTo(new byte[] {0, 0, (byte) 0x80, 0x3f, 0, 0, 0x20, (byte) 0xc0});
    assertThat(initializer(m, "i8").getDimsList()).containsExactly(2L, 3L).inOrder();
    assertThat(OnnxTensors.toIntArray(initializer(m, "i8")))
        .asList()
        .containsExactly(-7, 0, 7, 1, 2, 3)
        .inOrder();
    assertThat(OnnxTensors.toIntArray(initializer(m, "u8")))
        .asList()
        .containsExactly(255, 15)
        .inOrder();
    assertThat(initializer(m, "i32").getRawData().toByteArray()).isEqualTo(new byte[] {4, 3, 2, 1});
    assertThat(OnnxTensors.toLongArray(initializer(m, "i64")))
        .asList()
        .containsExactly(1L, -1L)
        .inOrder();
    assertThat(initializer(m, "s").getDimsCount()).isEqualTo(0);
    assertThat(initializer(m, "zp").getDataType()).isEqualTo(DataType.UINT8_VALUE);
    assertThat(initializer(m, "zp").getDimsCount()).isEqualTo(0);
    for (TensorProto t : m.getGraph().getInitializerList()) {
      assertThat(t.hasRawData()).isTrue();
      assertThat(t.getFloatDataCount() + t.getInt32DataCount() + t.getInt64DataCount())
          .isEqualTo(0);
    }
  }

  @Test
  void uniqueNamesAndEagerNameChecks() {
    OnnxGraphBuilder b = new OnnxGraphBuilder("g");
    assertThat(b.uniqueName("conv1.weight_quant.scale")).isEqualTo("conv1.weight_quant.scale");
    assertThat(b.uniqueName("conv1.weight_quant.scale")).isEqualTo("conv1.weight_quant.scale_1");
    assertThat(b.uniqueName("conv1.weight_quant.scale")).isEqualTo("conv1.weight_quant.scale_2");
    String x = b.addFloatInput("x", 4);
    String r1 = b.relu("act", x);
    String r2 = b.relu("act", r1);
    assertThat(r1).isEqualTo("act.Relu_output_0");
    assertThat(r2).isEqualTo("act.Relu_1_output_0");

    assertThrows(IllegalArgumentException.class, () -> b.relu("bad", "missing"));
    assertThrows(IllegalArgumentException.class, () -> b.addFloatInput("x", 4));
    assertThrows(
        IllegalArgumentException.class,
        () -> b.addNode("Relu", "act.Relu", List.of(x), List.of("fresh")));
    assertThrows(
        IllegalArgumentException.class, () -> b.addNode("Relu", "other", List.of(x), List.of(r1)));
    assertThrows(IllegalArgumentException.class, () -> b.addFloatOutput("missing", 4));
    assertThrows(IllegalStateException.class, b::build); // no output yet

    assertThat(b.rename(r2, "y")).isEqualTo("y");
    b.addFloatOutput("y", 4);
    ModelProto m = b.build();
    assertThat(m.getGraph().getNode(1).getOutput(0)).isEqualTo("y");
    assertThat(m.getGraph().getOutput(0).getName()).isEqualTo("y");
  }

  @Test
  void buildRejectsWhatTheCheckerRejects() {
    OnnxGraphBuilder b = new OnnxGraphBuilder("g");
    TensorProto truncated =
        OnnxTensors.int8Tensor("w", new byte[6], 2, 3).toBuilder()
            .setRawData(com.google.protobuf.ByteString.copyFrom(new byte[5]))
            .build();
    b.addInitializer(truncated);
    b.addFloatOutput(b.relu("r", b.addFloatInput("x", 2)), 2);
    IllegalStateException e = assertThrows(IllegalStateException.class, b::build);
    assertThat(e)
        .hasMessageThat()
        .contains("initializer 'w': raw_data has 5 bytes, expected 6 for INT8 [2, 3]");
  }

  // ---------------------------------------------------------------------------------------------
  // QCDQ patterns: structure

  @Test
  void activationQcdqLayout() {
    OnnxGraphBuilder b = new OnnxGraphBuilder("g");
    String x = b.addFloatInput("x", 8);
    String y = b.activationQcdq("relu1.act_quant", x, 0.25f, 4, false, false);
    b.addFloatOutput(y, 8);
    ModelProto m = b.build();
    assertThat(opTypes(m)).containsExactly("QuantizeLinear", "Clip", "DequantizeLinear").inOrder();
    assertThat(y).isEqualTo("relu1.act_quant.DequantizeLinear_output_0");
    assertThat(node(m, "relu1.act_quant.QuantizeLinear").getInputList())
        .containsExactly("x", "relu1.act_quant.scale", "relu1.act_quant.zero_point")
        .inOrder();
    assertThat(node(m, "relu1.act_quant.Clip").getInputList())
        .containsExactly(
            "relu1.act_quant.QuantizeLinear_output_0",
            "relu1.act_quant.clip_min",
            "relu1.act_quant.clip_max")
        .inOrder();
    assertThat(initializer(m, "relu1.act_quant.zero_point").getDataType())
        .isEqualTo(DataType.UINT8_VALUE);
    assertThat(OnnxTensors.toIntArray(initializer(m, "relu1.act_quant.clip_max"))[0]).isEqualTo(15);
    assertThat(OnnxTensors.toFloatArray(initializer(m, "relu1.act_quant.scale"))[0])
        .isEqualTo(0.25f);
  }

  @Test
  void clipRangesAndWhenTheClipIsLeftOut() {
    assertThat(clipRange(4, true, false)).isEqualTo("INT8 -8..7");
    assertThat(clipRange(4, true, true)).isEqualTo("INT8 -7..7");
    assertThat(clipRange(4, false, false)).isEqualTo("UINT8 0..15");
    assertThat(clipRange(4, false, true)).isEqualTo("UINT8 0..14");
    assertThat(clipRange(2, true, false)).isEqualTo("INT8 -2..1");
    assertThat(clipRange(8, true, true)).isEqualTo("INT8 -127..127");
    // Full-range 8-bit: Brevitas emits no Clip.
    assertThat(clipRange(8, true, false)).isEqualTo("none");
    assertThat(clipRange(8, false, false)).isEqualTo("none");

    assertThat(OnnxIntegers.needsClip(OnnxIntegers.range(32, true, false))).isFalse();
    assertThat(OnnxIntegers.storageType(OnnxIntegers.range(16, true, false)))
        .isEqualTo(DataType.INT32);
    assertThrows(IllegalArgumentException.class, () -> OnnxIntegers.range(1, true, false));
    assertThrows(IllegalArgumentException.class, () -> OnnxIntegers.range(16, false, false));
  }

  /** The Clip an activation QCDQ gets, as "TYPE min..max", or "none". */
  private static String clipRange(int bits, boolean signed, boolean narrow) {
    OnnxGraphBuilder b = new OnnxGraphBuilder("g");
    b.addFloatOutput(b.activationQcdq("q", b.addFloatInput("x", 4), 0.1f, bits, signed, narrow), 4);
    ModelProto m = b.build();
    if (!opTypes(m).contains("Clip")) {
      assertThat(opTypes(m)).containsExactly("QuantizeLinear", "DequantizeLinear").inOrder();
      return "none";
    }
    TensorProto min = initializer(m, "q.clip_min");
    TensorProto max = initializer(m, "q.clip_max");
    assertThat(max.getDataType()).isEqualTo(min.getDataType());
    assertThat(initializer(m, "q.zero_point").getDataType()).isEqualTo(min.getDataType());
    return OnnxTensors.typeName(min.getDataType())
        + " "
        + OnnxTensors.toIntArray(min)[0]
        + ".."
        + OnnxTensors.toIntArray(max)[0];
  }

  @Test
  void weightQcdqValidatesItsIntegers() {
    OnnxGraphBuilder b = new OnnxGraphBuilder("g");
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                b.weightQcdq(
                    "conv1.weight_quant", new byte[] {0, -8}, new long[] {2}, 0.1f, 4, true));
    assertThat(e).hasMessageThat().contains("-8 at flat index 1");
    assertThrows(
        IllegalArgumentException.class,
        () ->
            b.weightQcdqPerChannel("w", new byte[4], new long[] {2, 2}, new float[] {1f}, 4, true));
    assertThrows(
        IllegalArgumentException.class,
        () -> b.weightQcdq("w", new byte[1], new long[] {1}, 0f, 4, true));
    assertThrows(
        IllegalArgumentException.class,
        () -> b.activationQcdq("a", "missing", 0.1f, 4, true, false));
  }

  // ---------------------------------------------------------------------------------------------
  // (a) activation QCDQ, 4-bit unsigned, in ONNX Runtime: exactly fake quantization

  @ParameterizedTest
  @EnumSource(
      value = OptLevel.class,
      names = {"NO_OPT", "ALL_OPT"})
  void activationQcdqMatchesFakeQuantizationExactly(OptLevel optLevel) throws Exception {
    for (float scale : new float[] {0.25f, 0.1234567f, 0.03f}) {
      OnnxGraphBuilder b = new OnnxGraphBuilder("act");
      String x = b.addFloatInput("x", 64);
      b.addFloatOutput(b.rename(b.activationQcdq("act_quant", x, scale, 4, false, false), "y"), 64);
      ModelProto model = b.build();

      int batch = 3;
      float[] input = randomGaussian(new Random(1), batch * 64, 1.0);
      // Exact ties k + 0.5 (round half to even), the clamp edges, and out-of-range values.
      for (int k = 0; k < 20; k++) {
        input[k] = (k - 2 + 0.5f) * scale;
      }
      input[20] = -3f;
      input[21] = 100f;
      input[22] = 15 * scale;
      input[23] = 15.5f * scale;
      input[24] = -0f;
      float[] want = new float[input.length];
      for (int i = 0; i < input.length; i++) {
        want[i] = fakeQuant(input[i], scale, 0, 15);
      }
      FloatTensor got =
          OrtRunner.run(
                  model, optLevel, Map.of("x", new FloatTensor(input, new long[] {batch, 64})))
              .get("y");
      assertThat(got.shape()).isEqualTo(new long[] {batch, 64});
      assertWithMessage("scale %s", scale)
          .that(got.data())
          .usingExactEquality()
          .containsExactly(want)
          .inOrder();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // (b) QuantConv (4-bit narrow weights, int32 bias) + Relu + MaxPool + Flatten + Gemm

  @Test
  void quantConvNetMatchesJavaReference() throws Exception {
    Random random = new Random(42);
    final int c = 3,
        h = 12,
        w = 12,
        oc = 6,
        k = 5,
        oh = h - k + 1,
        ph = oh / 2,
        feat = oc * ph * ph;
    final int classes = 10;
    float inScale = 0.37f;
    float wScale = 0.05f;
    float fcScale = 0.01f;
    byte[] convW = randomInts(random, oc * c * k * k, -7, 7);
    int[] convB = new int[oc];
    for (int i = 0; i < oc; i++) {
      convB[i] = random.nextInt(1001) - 500;
    }
    byte[] fcW = randomInts(random, classes * feat, -127, 127);
    float[] fcB = randomGaussian(random, classes, 0.1);

    OnnxGraphBuilder b = new OnnxGraphBuilder("qconv");
    String x = b.addFloatInput("input", c, h, w);
    String xq = b.activationQcdq("quant_inp.act_quant", x, inScale, 4, true, false);
    String wq =
        b.weightQcdq("conv1.weight_quant", convW, new long[] {oc, c, k, k}, wScale, 4, true);
    String bq = b.int32Bias("conv1.bias_quant", convB, inScale, new float[] {wScale});
    String y =
        b.conv(
            "conv1",
            xq,
            wq,
            bq,
            new long[] {k, k},
            new long[] {1, 1},
            new long[] {0, 0, 0, 0},
            new long[] {1, 1},
            1);
    y = b.relu("relu1", y);
    y = b.maxPool("pool1", y, new long[] {2, 2}, new long[] {2, 2}, new long[] {0, 0, 0, 0});
    y = b.flatten("flatten", y);
    String fw = b.weightQcdq("fc1.weight_quant", fcW, new long[] {classes, feat}, fcScale, 8, true);
    y = b.gemm("fc1", y, fw, b.floatBias("fc1", fcB));
    b.addFloatOutput(b.rename(y, "logits"), classes);
    ModelProto model = b.build();

    assertThat(opTypes(model))
        .containsExactly(
            "QuantizeLinear",
            "Clip",
            "DequantizeLinear", // input, 4-bit signed
            "Clip",
            "DequantizeLinear", // conv1 weight, 4-bit narrow
            "DequantizeLinear", // conv1 int32 bias
            "Conv",
            "Relu",
            "MaxPool",
            "Flatten",
            "Clip",
            "DequantizeLinear", // fc1 weight, 8-bit narrow: still clipped
            "Gemm")
        .inOrder();
    TensorProto biasScale = initializer(model, "conv1.bias_quant.scale");
    assertThat(OnnxTensors.toFloatArray(biasScale)[0]).isEqualTo(inScale * wScale);
    assertThat(initializer(model, "conv1.bias_quant.zero_point").getDataType())
        .isEqualTo(DataType.INT32_VALUE);
    assertThat(initializer(model, "conv1.bias_quant.int_bias").getDataType())
        .isEqualTo(DataType.INT32_VALUE);
    assertThat(node(model, "conv1.Conv").getInputList())
        .containsExactly(
            "quant_inp.act_quant.DequantizeLinear_output_0",
            "conv1.weight_quant.DequantizeLinear_output_0",
            "conv1.bias_quant.DequantizeLinear_output_0")
        .inOrder();
    assertThat(BrevitasReferenceTest.attributes(node(model, "conv1.Conv")))
        .isEqualTo("dilations=[1, 1] group=1 kernel_shape=[5, 5] pads=[0, 0, 0, 0] strides=[1, 1]");

    for (int batch : new int[] {2, 1}) {
      float[] input = randomGaussian(random, batch * c * h * w, 1.5);
      float[] got = OrtRunner.run(model, "input", input, batch, c, h, w).get("logits").data();

      // Java reference, straight from the definitions.
      float[] xs = new float[input.length];
      for (int i = 0; i < input.length; i++) {
        xs[i] = fakeQuant(input[i], inScale, -8, 7);
      }
      float biasScale0 = inScale * wScale;
      float[] want = new float[batch * classes];
      for (int n = 0; n < batch; n++) {
        float[] pooled = new float[feat];
        for (int o = 0; o < oc; o++) {
          float[][] act = new float[oh][oh];
          for (int i = 0; i < oh; i++) {
            for (int j = 0; j < oh; j++) {
              double acc = convB[o] * biasScale0;
              for (int ci = 0; ci < c; ci++) {
                for (int ki = 0; ki < k; ki++) {
                  for (int kj = 0; kj < k; kj++) {
                    float wv = convW[((o * c + ci) * k + ki) * k + kj] * wScale;
                    acc += wv * xs[((n * c + ci) * h + i + ki) * w + j + kj];
                  }
                }
              }
              act[i][j] = (float) Math.max(0.0, acc);
            }
          }
          for (int i = 0; i < ph; i++) {
            for (int j = 0; j < ph; j++) {
              pooled[(o * ph + i) * ph + j] =
                  Math.max(
                      Math.max(act[2 * i][2 * j], act[2 * i][2 * j + 1]),
                      Math.max(act[2 * i + 1][2 * j], act[2 * i + 1][2 * j + 1]));
            }
          }
        }
        for (int o = 0; o < classes; o++) {
          double acc = fcB[o];
          for (int i = 0; i < feat; i++) {
            acc += fcW[o * feat + i] * fcScale * pooled[i];
          }
          want[n * classes + o] = (float) acc;
        }
      }
      assertClose("logits (batch " + batch + ")", got, want, 1e-4);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // (c) per-channel weights and bias: DequantizeLinear with axis=0

  @Test
  void perChannelDequantizeLinearUsesAxisZero() throws Exception {
    Random random = new Random(3);
    float[] scales = {0.1f, 0.2f, 0.05f, 0.4f};
    byte[] wInt = randomInts(random, 4 * 3, -3, 3);
    int[] bInt = {100, -40, 7, 0};
    float inScale = 0.05f;

    OnnxGraphBuilder b = new OnnxGraphBuilder("per_channel");
    String x = b.addFloatInput("x", 3);
    String xq = b.activationQcdq("quant_inp.act_quant", x, inScale, 8, true, false);
    String wq = b.weightQcdqPerChannel("fc.weight_quant", wInt, new long[] {4, 3}, scales, 3, true);
    String bq = b.int32Bias("fc.bias_quant", bInt, inScale, scales);
    String y = b.gemm("fc", xq, wq, bq);
    b.addFloatOutput(b.rename(y, "y"), 4);
    b.addOutput(
        b.rename(wq, "w"),
        DataType.FLOAT,
        List.of(OnnxGraphBuilder.dim(4), OnnxGraphBuilder.dim(3)));
    b.addOutput(b.rename(bq, "b"), DataType.FLOAT, List.of(OnnxGraphBuilder.dim(4)));
    ModelProto model = b.build();

    NodeProto wDq = node(model, "fc.weight_quant.DequantizeLinear");
    assertThat(BrevitasReferenceTest.attributes(wDq)).isEqualTo("axis=0");
    assertThat(initializer(model, "fc.weight_quant.scale").getDimsList()).containsExactly(4L);
    TensorProto wZp = initializer(model, "fc.weight_quant.zero_point");
    assertThat(wZp.getDataType()).isEqualTo(DataType.INT8_VALUE);
    assertThat(wZp.getDimsList()).containsExactly(4L);
    assertThat(OnnxTensors.toIntArray(initializer(model, "fc.weight_quant.clip_min"))[0])
        .isEqualTo(-3);
    assertThat(BrevitasReferenceTest.attributes(node(model, "fc.bias_quant.DequantizeLinear")))
        .isEqualTo("axis=0");
    assertThat(initializer(model, "fc.bias_quant.zero_point").getDataType())
        .isEqualTo(DataType.INT32_VALUE);
    assertThat(initializer(model, "fc.bias_quant.zero_point").getDimsList()).containsExactly(4L);
    // 8-bit full-range input quantizer: no Clip before the weight's.
    assertThat(opTypes(model).subList(0, 3))
        .containsExactly("QuantizeLinear", "DequantizeLinear", "Clip")
        .inOrder();

    int batch = 5;
    float[] input = randomGaussian(random, batch * 3, 2.0);
    Map<String, FloatTensor> out = OrtRunner.run(model, "x", input, batch, 3);

    float[] wantW = new float[12];
    for (int i = 0; i < 12; i++) {
      wantW[i] = wInt[i] * scales[i / 3];
    }
    float[] wantB = new float[4];
    for (int o = 0; o < 4; o++) {
      wantB[o] = bInt[o] * (inScale * scales[o]);
    }
    assertThat(out.get("w").data()).usingExactEquality().containsExactly(wantW).inOrder();
    assertThat(out.get("b").data()).usingExactEquality().containsExactly(wantB).inOrder();
    float[] wantY = new float[batch * 4];
    for (int n = 0; n < batch; n++) {
      for (int o = 0; o < 4; o++) {
        double acc = wantB[o];
        for (int i = 0; i < 3; i++) {
          acc += wantW[o * 3 + i] * fakeQuant(input[n * 3 + i], inScale, -128, 127);
        }
        wantY[n * 4 + o] = (float) acc;
      }
    }
    assertClose("y", out.get("y").data(), wantY, 1e-5);
  }

  // ---------------------------------------------------------------------------------------------
  // (d) Add of two QCDQ branches, then AveragePool

  @Test
  void addOfTwoQcdqBranchesThenAveragePool() throws Exception {
    float scaleA = 0.125f;
    float scaleB = 0.0371f;
    OnnxGraphBuilder b = new OnnxGraphBuilder("residual");
    String x = b.addFloatInput("x", 2, 4, 4);
    String a = b.activationQcdq("branch_a.act_quant", x, scaleA, 4, true, false);
    String r = b.relu("branch_b", x);
    String q = b.activationQcdq("branch_b.act_quant", r, scaleB, 8, false, false);
    String sum = b.add("add", a, q);
    String y =
        b.averagePool(
            "pool", sum, new long[] {2, 2}, new long[] {2, 2}, new long[] {0, 0, 0, 0}, false);
    b.addFloatOutput(b.rename(y, "y"), 2, 2, 2);
    ModelProto model = b.build();
    assertThat(opTypes(model))
        .containsExactly(
            "QuantizeLinear",
            "Clip",
            "DequantizeLinear",
            "Relu",
            "QuantizeLinear",
            "DequantizeLinear", // 8-bit unsigned: no Clip
            "Add",
            "AveragePool")
        .inOrder();
    assertThat(initializer(model, "branch_b.act_quant.zero_point").getDataType())
        .isEqualTo(DataType.UINT8_VALUE);

    int batch = 2;
    float[] input = randomGaussian(new Random(9), batch * 2 * 4 * 4, 1.0);
    input[0] = 40f; // saturates both branches
    float[] got = OrtRunner.run(model, "x", input, batch, 2, 4, 4).get("y").data();

    float[] s = new float[input.length];
    for (int i = 0; i < input.length; i++) {
      s[i] = fakeQuant(input[i], scaleA, -8, 7) + fakeQuant(Math.max(0f, input[i]), scaleB, 0, 255);
    }
    List<Float> want = new ArrayList<>();
    for (int nc = 0; nc < batch * 2; nc++) {
      for (int i = 0; i < 2; i++) {
        for (int j = 0; j < 2; j++) {
          int base = nc * 16 + (2 * i) * 4 + 2 * j;
          want.add((s[base] + s[base + 1] + s[base + 4] + s[base + 5]) / 4f);
        }
      }
    }
    float[] wantArr = new float[want.size()];
    for (int i = 0; i < wantArr.length; i++) {
      wantArr[i] = want.get(i);
    }
    assertClose("y", got, wantArr, 1e-6);
  }

  @Test
  void customDomainNodesNeedTheirOpsetImported() {
    OnnxGraphBuilder b = new OnnxGraphBuilder("g");
    String x = b.addFloatInput("x", 4);
    assertThrows(
        IllegalArgumentException.class,
        () -> b.op("q", "qonnx.custom_op.general", "Quant", List.of(x)));
    b.importOpset("qonnx.custom_op.general", 1);
    String y = b.op("q", "qonnx.custom_op.general", "Quant", List.of(x));
    b.addFloatOutput(y, 4);
    ModelProto m = b.build();
    assertThat(m.getGraph().getNode(0).getDomain()).isEqualTo("qonnx.custom_op.general");
    assertThat(m.getOpsetImport(1).getDomain()).isEqualTo("qonnx.custom_op.general");
    assertThat(m.getOpsetImport(1).getVersion()).isEqualTo(1);
  }

  @Test
  void quantizationBuildingBlocksWithAZeroPointOffset() throws Exception {
    // An unsigned 8-bit range held in int8 with zero point -128, as the QOp export stores it.
    OnnxGraphBuilder b = new OnnxGraphBuilder("g");
    String x = b.addFloatInput("x", 4);
    OnnxGraphBuilder.QuantParams p = b.quantParams("q", 0.5f, DataType.INT8, -128);
    String q = b.clip("q", b.quantizeLinear("q", x, p), DataType.INT8, -128, 100);
    b.addFloatOutput(b.rename(b.dequantizeLinear("q", q, p), "y"), 4);
    ModelProto m = b.build();
    float[] got = OrtRunner.run(m, "x", new float[] {-1f, 3.2f, 64f, 200f}, 1, 4).get("y").data();
    assertThat(got).usingExactEquality().containsExactly(0f, 3f, 64f, 114f).inOrder();
  }
}
