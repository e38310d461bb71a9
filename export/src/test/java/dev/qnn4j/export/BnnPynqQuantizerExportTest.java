package dev.qnn4j.export;

import static com.google.common.truth.Truth.assertThat;
import static dev.qnn4j.export.ExportFixtures.calibrated;
import static dev.qnn4j.export.ExportFixtures.javaForward;
import static dev.qnn4j.export.ExportFixtures.randomInput;
import static dev.qnn4j.export.ExportFixtures.readChecked;
import static dev.qnn4j.export.ExportFixtures.runOrt;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import dev.qnn4j.export.onnx.BrevitasReferenceTest;
import dev.qnn4j.export.onnx.OnnxTensors;
import dev.qnn4j.export.onnx.proto.ModelProto;
import dev.qnn4j.export.onnx.proto.NodeProto;
import dev.qnn4j.export.onnx.proto.TensorProto;
import dev.qnn4j.runtime.QuantTensor;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.nn.Conv2dOptions;
import dev.qnn4j.runtime.nn.F;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.nn.Module;
import dev.qnn4j.runtime.nn.QuantConv2d;
import dev.qnn4j.runtime.nn.QuantHardTanh;
import dev.qnn4j.runtime.nn.QuantIdentity;
import dev.qnn4j.runtime.nn.QuantLinear;
import dev.qnn4j.runtime.nn.QuantSigmoid;
import dev.qnn4j.runtime.nn.QuantTanh;
import dev.qnn4j.runtime.nn.WeightLayer;
import dev.qnn4j.runtime.quant.ActQuantConfig;
import dev.qnn4j.runtime.quant.ScaleRestriction;
import dev.qnn4j.runtime.quant.ScalingImpl;
import dev.qnn4j.runtime.quant.WeightQuantConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The quantizers of Brevitas' bnn_pynq zoo in the export formats: constant, power-of-two and
 * learned scales, narrow and wide ranges, QuantHardTanh/QuantTanh/QuantSigmoid run in ONNX Runtime
 * from QCDQ like the Java forward; binary quantizers are refused by QCDQ with one clear error and
 * written by QONNX as BipolarQuant nodes, which (lowered to standard operators) compute the Java
 * forward exactly.
 */
class BnnPynqQuantizerExportTest {

  @TempDir Path dir;

  /** Every 2+-bit quantizer of the bnn_pynq zoo in one network. Input {@code [N, 3, 8, 8]}. */
  static final class ConstScaleNet implements Model {
    // CNV's input: Q1.7, 8 bits, wide range, power-of-two constant scale 2^-7.
    final QuantIdentity inp =
        QuantIdentity.returningQuantTensor(
            "inp",
            ActQuantConfig.fromRange(
                8, ScalingImpl.CONST, -1f, 1f - 1f / 128, false, ScaleRestriction.POWER_OF_TWO));
    // Per-output-channel flag with a constant scale: the scale stays one per tensor.
    final QuantConv2d conv =
        new QuantConv2d(
            "conv",
            Conv2dOptions.of(3, 4, 3),
            WeightQuantConfig.constant(2, true, 1f).withPerChannel(true),
            null,
            null,
            null,
            false);
    final QuantHardTanh hardTanh = new QuantHardTanh("hard_tanh", 4, -1f, 1f);
    final QuantLinear fc1 =
        new QuantLinear(
            "fc1",
            4 * 6 * 6,
            16,
            false,
            WeightQuantConfig.constant(2, false, 1f),
            null,
            null,
            null,
            false);
    final QuantIdentity act =
        new QuantIdentity(
            "act",
            ActQuantConfig.fromRange(2, ScalingImpl.CONST, -1f, 1f, true, ScaleRestriction.FLOAT));
    final QuantLinear fc2 =
        new QuantLinear(
            "fc2",
            16,
            12,
            false,
            WeightQuantConfig.constant(4, true, 0.3f)
                .withRestriction(ScaleRestriction.POWER_OF_TWO),
            null,
            null,
            null,
            false);
    final QuantTanh tanh = new QuantTanh("tanh", 4);
    final QuantLinear fc3 =
        new QuantLinear(
            "fc3", 12, 10, false, WeightQuantConfig.constant(4, true, 1f), null, null, null, false);
    final QuantSigmoid sigmoid = new QuantSigmoid("sigmoid", 4);

    ConstScaleNet() {
      long seed = 5;
      for (Module m : layers()) {
        if (m instanceof WeightLayer w) {
          w.resetParameters(new Random(seed++));
        }
      }
    }

    @Override
    public String modelName() {
      return "ConstScaleNet";
    }

    @Override
    public long[] inputShape() {
      return new long[] {3, 8, 8};
    }

    @Override
    public List<Module> layers() {
      return List.of(inp, conv, hardTanh, fc1, act, fc2, tanh, fc3, sigmoid);
    }

    @Override
    public Tensor forward(Tensor x) {
      QuantTensor q = inp.forwardQuant(x);
      Tensor h = F.flatten(hardTanh.forward(conv.forward(q)));
      h = tanh.forward(fc2.forward(act.forward(fc1.forward(h))));
      return sigmoid.forward(fc3.forward(h));
    }
  }

  /** bnn_pynq's 1-bit weights and activations (as in tfc_1w1a). Input {@code [N, 16]}. */
  static final class BinaryNet implements Model {
    final QuantIdentity inp =
        new QuantIdentity(
            "inp",
            ActQuantConfig.fromRange(1, ScalingImpl.CONST, -1f, 1f, true, ScaleRestriction.FLOAT));
    final QuantLinear fc1 =
        new QuantLinear(
            "fc1", 16, 12, false, WeightQuantConfig.constant(1, true, 1f), null, null, null, false);
    final QuantIdentity act =
        new QuantIdentity(
            "act",
            ActQuantConfig.fromRange(1, ScalingImpl.CONST, -1f, 1f, true, ScaleRestriction.FLOAT));
    final QuantLinear fc2 =
        new QuantLinear(
            "fc2", 12, 10, false, WeightQuantConfig.constant(1, true, 1f), null, null, null, false);

    BinaryNet() {
      fc1.resetParameters(new Random(1));
      fc2.resetParameters(new Random(2));
    }

    @Override
    public String modelName() {
      return "BinaryNet";
    }

    @Override
    public long[] inputShape() {
      return new long[] {16};
    }

    @Override
    public List<Module> layers() {
      return List.of(inp, fc1, act, fc2);
    }

    @Override
    public Tensor forward(Tensor x) {
      return fc2.forward(act.forward(fc1.forward(inp.forward(x))));
    }
  }

  /** An exporter's entry point: {@code QcdqExporter::export}, {@code QonnxExporter::export}. */
  private interface Exporter {
    void export(Model model, Tensor input, Path file) throws Exception;
  }

  /** A calibrated {@link ConstScaleNet} and its input, exported to {@code name} and read back. */
  private ModelProto exported(Exporter exporter, ConstScaleNet model, Tensor input, String name)
      throws Exception {
    Path file = dir.resolve(name);
    exporter.export(model, input, file);
    return readChecked(file);
  }

  @Test
  void constantScaleQuantizersRunInOnnxRuntimeLikeTheJavaForward() throws Exception {
    ConstScaleNet model = calibrated(new ConstScaleNet(), 3, 8, 3, 8, 8);
    Tensor input = randomInput(7, 4, 3, 8, 8);
    ModelProto onnx = exported(QcdqExporter::export, model, input, "const.onnx");
    float[] want = javaForward(model, input);
    float[] got = runOrt(onnx, OptLevel.NO_OPT, "input", "output", input);
    // Every value is a sigmoid quantized to 4 bits: the same integers give the same floats.
    assertThat(got).usingExactEquality().containsExactly(want).inOrder();

    Map<String, TensorProto> constants = BrevitasReferenceTest.constants(onnx.getGraph());
    // The weights' Clip bounds: 2-bit narrow [-1, 1] (conv), 2-bit wide [-2, 1] (fc1),
    // 4-bit narrow [-7, 7] (fc2, fc3).
    assertThat(clipBounds(onnx, constants, "conv.weight_quant")).isEqualTo(List.of(-1, 1));
    assertThat(clipBounds(onnx, constants, "fc1.weight_quant")).isEqualTo(List.of(-2, 1));
    assertThat(clipBounds(onnx, constants, "fc2.weight_quant")).isEqualTo(List.of(-7, 7));
    // The per-channel flag on a constant scale exports one scale (no axis), as Brevitas keeps it.
    NodeProto convDq = node(onnx, "conv.weight_quant", "DequantizeLinear");
    assertThat(OnnxTensors.toFloatArray(constants.get(convDq.getInput(1))))
        .usingExactEquality()
        .containsExactly(1f);
    // Q1.7 input: scale 2^-7, full int8 range, hence no Clip (as Brevitas).
    NodeProto inpQ = node(onnx, "inp.act_quant", "QuantizeLinear");
    assertThat(OnnxTensors.toFloatArray(constants.get(inpQ.getInput(1))))
        .usingExactEquality()
        .containsExactly(0.0078125f);
    assertThat(
            onnx.getGraph().getNodeList().stream()
                .anyMatch(
                    n -> n.getName().startsWith("inp.act_quant") && n.getOpType().equals("Clip")))
        .isFalse();
    // The power-of-two constant weight scale 2^round(log2 0.3) / 2^round(log2 7) = 1/32.
    NodeProto fc2Dq = node(onnx, "fc2.weight_quant", "DequantizeLinear");
    assertThat(OnnxTensors.toFloatArray(constants.get(fc2Dq.getInput(1))))
        .usingExactEquality()
        .containsExactly(0.03125f);
    assertThat(onnx.getGraph().getNodeList().stream().map(NodeProto::getOpType).toList())
        .containsAtLeast("Tanh", "Sigmoid");
  }

  @Test
  void constantScaleQuantizersAreQuantNodesInQonnx() throws Exception {
    ConstScaleNet model = calibrated(new ConstScaleNet(), 3, 8, 3, 8, 8);
    Tensor input = randomInput(7, 4, 3, 8, 8);
    ModelProto onnx = exported(QonnxExporter::export, model, input, "const.qonnx.onnx");
    List<NodeProto> quants =
        onnx.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("Quant")).toList();
    // inp, conv weight, hard_tanh, fc1 weight, act, fc2 weight, tanh, fc3 weight, sigmoid
    assertThat(quants).hasSize(9);
    assertThat(quants.stream().allMatch(QonnxSemantics::isFinnQuant)).isTrue();
    Map<String, TensorProto> constants = BrevitasReferenceTest.constants(onnx.getGraph());
    QonnxSemantics.Quant conv =
        QonnxSemantics.Quant.of(node(onnx, "conv.weight_quant", "Quant"), constants);
    assertThat(conv.bitWidth()).isEqualTo(2);
    assertThat(conv.narrow()).isTrue();
    assertThat(conv.scale()).usingExactEquality().containsExactly(1f);
    QonnxSemantics.Quant fc1 =
        QonnxSemantics.Quant.of(node(onnx, "fc1.weight_quant", "Quant"), constants);
    assertThat(fc1.narrow()).isFalse();
    // Lowered to standard operators, the file computes the Java forward exactly.
    float[] got = runOrt(QonnxSemantics.lowered(onnx), OptLevel.NO_OPT, "input", "output", input);
    assertThat(got).usingExactEquality().containsExactly(javaForward(model, input)).inOrder();
  }

  @Test
  void binaryQuantizersAreRefusedByQcdqAndQop() {
    BinaryNet model = new BinaryNet();
    model.eval();
    Path file = dir.resolve("binary.onnx");
    ExportException e =
        assertThrows(
            ExportException.class, () -> QcdqExporter.export(model, new long[] {16}, file));
    assertThat(e.getMessage()).contains("binary");
    assertThat(e.getMessage()).contains("QCDQ");
    assertThat(e.getMessage()).contains("BipolarQuant");
    assertThat(Files.exists(file)).isFalse();
    ExportException q =
        assertThrows(ExportException.class, () -> QopExporter.export(model, new long[] {16}, file));
    assertThat(q.getMessage()).contains("binary");
  }

  @Test
  void binaryQuantizersAreBipolarQuantNodesInQonnx() throws Exception {
    BinaryNet model = new BinaryNet();
    model.eval();
    Tensor input = randomInput(3, 5, 16);
    Path file = dir.resolve("binary.qonnx.onnx");
    QonnxExporter.export(model, input, file);
    ModelProto onnx = readChecked(file);
    List<NodeProto> bipolar =
        onnx.getGraph().getNodeList().stream()
            .filter(n -> n.getOpType().equals("BipolarQuant"))
            .toList();
    assertThat(bipolar.stream().map(NodeProto::getName).toList())
        .containsExactly(
            "inp.act_quant.BipolarQuant",
            "fc1.weight_quant.BipolarQuant",
            "act.act_quant.BipolarQuant",
            "fc2.weight_quant.BipolarQuant")
        .inOrder();
    Map<String, TensorProto> constants = BrevitasReferenceTest.constants(onnx.getGraph());
    for (NodeProto n : bipolar) {
      assertThat(n.getDomain()).isEqualTo(QonnxEmitter.DOMAIN);
      assertThat(n.getInputCount()).isEqualTo(2);
      assertThat(n.getAttributeCount()).isEqualTo(0);
      assertThat(OnnxTensors.toFloatArray(constants.get(n.getInput(1))))
          .usingExactEquality()
          .containsExactly(1f);
    }
    assertThat(onnx.getGraph().getNodeList().stream().anyMatch(n -> n.getOpType().equals("Quant")))
        .isFalse();
    // Lowered to standard operators, the file computes the Java forward exactly (+-1 sums).
    float[] got = runOrt(QonnxSemantics.lowered(onnx), OptLevel.NO_OPT, "input", "output", input);
    assertThat(got).usingExactEquality().containsExactly(javaForward(model, input)).inOrder();
  }

  private static NodeProto node(ModelProto onnx, String scope, String opType) {
    return onnx.getGraph().getNodeList().stream()
        .filter(n -> n.getName().startsWith(scope) && n.getOpType().equals(opType))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + opType + " in " + scope));
  }

  private static List<Integer> clipBounds(
      ModelProto onnx, Map<String, TensorProto> constants, String scope) {
    NodeProto clip = node(onnx, scope, "Clip");
    return List.of(
        OnnxTensors.toIntArray(constants.get(clip.getInput(1)))[0],
        OnnxTensors.toIntArray(constants.get(clip.getInput(2)))[0]);
  }
}
