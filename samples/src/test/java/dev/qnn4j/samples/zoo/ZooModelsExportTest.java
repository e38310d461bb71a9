package dev.qnn4j.samples.zoo;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.qnn4j.export.ExportException;
import dev.qnn4j.export.ExportOptions;
import dev.qnn4j.export.QcdqExporter;
import dev.qnn4j.export.QonnxExporter;
import dev.qnn4j.export.QonnxSemantics;
import dev.qnn4j.export.onnx.proto.ModelProto;
import dev.qnn4j.export.onnx.proto.NodeProto;
import dev.qnn4j.runtime.GradMode;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.reference.Matching;
import dev.qnn4j.runtime.reference.Reference;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The zoo models' ONNX files against what Brevitas exports (the op counts of its {@code
 * *.qcdq.summary.json}/{@code *.qonnx.summary.json}, where the graphs are comparable: qnn4j's QCDQ
 * folds BatchNorm into the preceding layer, Brevitas and qnn4j's QONNX keep it), and ONNX Runtime
 * on our files against the Java forward.
 */
class ZooModelsExportTest {

  @Test
  void cnv2w2aQcdqHasBrevitasQuantizersAndRunsInOnnxRuntimeLikeJava() throws Exception {
    Model model = new QuantModel_Cnv2W2A();
    model.loadStateDict(Reference.Zoo.initialState("cnv_2w2a"), true);
    model.eval();
    Tensor x = Reference.Zoo.tensor("cnv_2w2a.eval.input.npy");
    ModelProto onnx = QcdqExporter.toOnnx(model, x, ExportOptions.defaults());
    Map<String, Integer> ours = opCounts(onnx);
    // Brevitas' cnv_2w2a.qcdq.summary.json: QuantizeLinear 9 (the Q1.7 input and 8 activations),
    // DequantizeLinear 18 (those and 9 weights), Clip 17 (all but the full-range 8-bit input),
    // Conv 6, MaxPool 2, three fully connected layers (Brevitas: Transpose + MatMul).
    assertThat(ours.get("QuantizeLinear")).isEqualTo(9);
    assertThat(ours.get("DequantizeLinear")).isEqualTo(18);
    assertThat(ours.get("Clip")).isEqualTo(17);
    assertThat(ours.get("Conv")).isEqualTo(6);
    assertThat(ours.get("MaxPool")).isEqualTo(2);
    assertThat(ours.getOrDefault("Gemm", 0) + ours.getOrDefault("MatMul", 0)).isEqualTo(3);

    float[] java;
    try (GradMode.Scope ignored = GradMode.noGrad()) {
      java = model.forward(x).toFloatArray();
    }
    Matching.assertMatches("cnv_2w2a ONNX Runtime vs Java", java, OrtRun.run(onnx, x));
  }

  @Test
  void resnet18w4a4QonnxHasBrevitasNodesIncludingTruncAndQcdqRefusesTheFlooringPool()
      throws Exception {
    Model model = new QuantModel_Resnet18W4A4();
    model.loadStateDict(Reference.Zoo.initialState("resnet18_4w4a"), false);
    model.eval();
    Tensor x = Reference.Zoo.tensor("resnet18_4w4a.eval.input.npy");
    ModelProto onnx = QonnxExporter.toOnnx(model, x, ExportOptions.defaults());
    Map<String, Integer> ours = opCounts(onnx);
    // Brevitas' resnet18_4w4a.qonnx.summary.json: Quant 50 (28 ReLU calls, 21 weights, the
    // Int32 bias), Relu 28, Conv 20, Add 8, one AveragePool and one Trunc (rounding_mode FLOOR).
    assertThat(ours.get("Quant")).isEqualTo(50);
    assertThat(ours.get("Relu")).isEqualTo(28);
    assertThat(ours.get("Conv")).isEqualTo(20);
    assertThat(ours.get("Add")).isEqualTo(8);
    assertThat(ours.get("AveragePool")).isEqualTo(1);
    assertThat(ours.get("Trunc")).isEqualTo(1);
    assertThat(ours.get("BatchNormalization")).isEqualTo(20);
    NodeProto trunc =
        onnx.getGraph().getNodeList().stream()
            .filter(n -> n.getOpType().equals("Trunc"))
            .findFirst()
            .orElseThrow();
    assertThat(trunc.getInputCount()).isEqualTo(5);
    assertThat(trunc.getAttribute(0).getName()).isEqualTo("rounding_mode");
    assertThat(trunc.getAttribute(0).getS().toStringUtf8()).isEqualTo("FLOOR");

    float[] java;
    try (GradMode.Scope ignored = GradMode.noGrad()) {
      java = model.forward(x).toFloatArray();
    }

    // QONNX keeps BatchNorm as BatchNormalization nodes, as Brevitas (docs/export.md). Not
    // bit-exact all the same: ONNX Runtime's Conv (MLAS) and BatchNormalization round in another
    // order than the Java kernels (ulps on most elements), and the 28 4-bit quantizers turn a few
    // of those into whole steps that spread (measured: max |ORT - Java| 0.0755 on these 20
    // logits, the same with BatchNorm folded). So the README rule's per-element bound: every
    // logit within 5% of the largest.
    float[] ort = OrtRun.run(QonnxSemantics.lowered(onnx), x);
    Matching.assertWithinFractionOfMax("resnet18_4w4a QONNX (lowered) vs Java", java, ort, 0.05);

    ExportException e =
        assertThrows(
            ExportException.class, () -> QcdqExporter.toOnnx(model, x, ExportOptions.defaults()));
    assertThat(e).hasMessageThat().contains("final_pool");
    assertThat(e).hasMessageThat().contains("FLOOR");
  }

  /**
   * Brevitas 0.11 cannot export its binary models ("Binary quant not supported"); qnn4j writes
   * {@code cnv_1w1a} as QONNX with BipolarQuant nodes. ONNX Runtime has no BipolarQuant, so the
   * file read back runs lowered to standard operators (sign with sign(0) = +1, times the scale),
   * and computes the Java forward.
   */
  @Test
  void cnv1w1aQonnxHasBipolarQuantNodesAndComputesTheJavaForward() throws Exception {
    Model model = new QuantModel_Cnv1W1A();
    // Same layers and keys as cnv_2w2a: the recipe's weights in [-1, 1) binarise to their signs.
    model.loadStateDict(Reference.Zoo.initialState("cnv_2w2a"), true);
    model.eval();
    Tensor x = Reference.Zoo.tensor("cnv_2w2a.eval.input.npy");
    ModelProto written = QonnxExporter.toOnnx(model, x, ExportOptions.defaults());
    ModelProto onnx = ModelProto.parseFrom(written.toByteArray());
    Map<String, Integer> ours = opCounts(onnx);
    // 9 binary weights and 8 binary activations; the Q1.7 input is an 8-bit Quant.
    assertThat(ours.get("BipolarQuant")).isEqualTo(17);
    assertThat(ours.get("Quant")).isEqualTo(1);
    assertThrows(
        ExportException.class, () -> QcdqExporter.toOnnx(model, x, ExportOptions.defaults()));

    float[] java;
    try (GradMode.Scope ignored = GradMode.noGrad()) {
      java = model.forward(x).toFloatArray();
    }
    Matching.assertMatches(
        "cnv_1w1a QONNX (lowered) vs Java", java, OrtRun.run(QonnxSemantics.lowered(onnx), x));
  }

  private static Map<String, Integer> opCounts(ModelProto model) {
    Map<String, Integer> counts = new TreeMap<>();
    for (NodeProto n : model.getGraph().getNodeList()) {
      counts.merge(n.getOpType(), 1, Integer::sum);
    }
    return counts;
  }
}
