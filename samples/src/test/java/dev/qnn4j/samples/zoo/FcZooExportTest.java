package dev.qnn4j.samples.zoo;

import static com.google.common.truth.Truth.assertThat;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.google.gson.JsonObject;
import dev.qnn4j.export.QcdqExporter;
import dev.qnn4j.runtime.GradMode;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.reference.Matching;
import dev.qnn4j.runtime.reference.Reference;
import dev.qnn4j.runtime.reference.ZooWeights;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tfc_2w2a} with Brevitas' state after its statistics steps, exported to QCDQ (the input
 * mapping {@code 2x - 1} as Mul and Add): ONNX Runtime gives the Java forward's logits and
 * Brevitas' eval logits.
 */
class FcZooExportTest {
  @TempDir Path dir;

  @Test
  void tfc2w2aQcdqRunsInOnnxRuntimeWithBrevitasLogits() throws IOException, OrtException {
    JsonObject c = Reference.Zoo.caseNamed("tfc_2w2a");
    Model model = new QuantModel_Tfc2W2A();
    Map<String, Tensor> state = ZooWeights.initialState(FcZooReferenceTest.manifest("tfc_2w2a"));
    state.putAll(
        Reference.Zoo.safetensors(c.getAsJsonObject("outputs").get("stats_state").getAsString()));
    model.loadStateDict(state, true);
    model.eval();
    Tensor input = Reference.Zoo.tensor(c.getAsJsonObject("inputs").get("eval").getAsString());
    float[] java;
    try (GradMode.Scope s = GradMode.noGrad()) {
      java = model.forward(input).data();
    }
    float[] brevitas =
        Reference.Zoo.floats(c.getAsJsonObject("outputs").get("eval_logits").getAsString());
    Matching.assertMatches("tfc_2w2a Java eval logits", brevitas, java);

    Path file = dir.resolve("tfc_2w2a.onnx");
    QcdqExporter.export(model, input, file);
    float[] ort = runOrt(file, input);
    Matching.assertMatches("tfc_2w2a ONNX Runtime vs Java", java, ort);
    Matching.assertMatches("tfc_2w2a ONNX Runtime vs Brevitas", brevitas, ort);
    assertThat(ort.length).isEqualTo(brevitas.length);
  }

  private static float[] runOrt(Path file, Tensor input) throws OrtException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession session = env.createSession(file.toString(), new OrtSession.SessionOptions());
        OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(input.data()), input.shape());
        OrtSession.Result result =
            session.run(Map.of(session.getInputNames().iterator().next(), x))) {
      FloatBuffer out = ((OnnxTensor) result.get(0)).getFloatBuffer();
      float[] values = new float[out.remaining()];
      out.get(values);
      return values;
    }
  }
}
