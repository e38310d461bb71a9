package dev.qnn4j.samples.zoo;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.qnn4j.runtime.GradMode;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.nn.Dropout;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.nn.Module;
import dev.qnn4j.runtime.reference.Matching;
import dev.qnn4j.runtime.reference.Reference;
import dev.qnn4j.runtime.reference.ZooWeights;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The generated TFC models against real Brevitas (reference/brevitas-zoo, cases {@code tfc_1w1a}
 * and {@code tfc_2w2a}): Brevitas' state dict loads strictly under its own keys, the three
 * training-mode statistics steps give Brevitas' logits and running statistics, and eval gives its
 * logits.
 */
class FcZooReferenceTest {

  static Stream<Arguments> models() {
    return Stream.of(
        Arguments.of("tfc_1w1a", (Supplier<Model>) QuantModel_Tfc1W1A::new),
        Arguments.of("tfc_2w2a", (Supplier<Model>) QuantModel_Tfc2W2A::new));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void statisticsStepsAndEvalLogitsMatchBrevitas(String name, Supplier<Model> factory)
      throws IOException {
    JsonObject c = Reference.Zoo.caseNamed(name);
    JsonObject outputs = c.getAsJsonObject("outputs");
    JsonObject inputs = c.getAsJsonObject("inputs");
    Model model = factory.get();
    Map<String, Tensor> initial = ZooWeights.initialState(manifest(name));
    assertThat(model.stateDict().keySet()).containsExactlyElementsIn(initial.keySet()).inOrder();
    model.loadStateDict(initial, true);

    // The reference's statistics steps: training mode with Dropout kept in eval, no gradients.
    model.train();
    for (Module m : model.layers()) {
      if (m instanceof Dropout) {
        m.setTraining(false);
      }
    }
    int steps = c.get("stats_steps").getAsInt();
    try (GradMode.Scope s = GradMode.noGrad()) {
      for (int step = 0; step < steps; step++) {
        Tensor x = Reference.Zoo.tensor(inputs.get("stats" + step).getAsString());
        Tensor logits = model.forward(x);
        float[] ref =
            Reference.Zoo.floats(outputs.get("stats" + step + ".train_logits").getAsString());
        Matching.assertMatches(name + " stats step " + step + " logits", ref, logits.data());
      }
    }
    Map<String, Tensor> afterStats =
        Reference.Zoo.safetensors(outputs.get("stats_state").getAsString());
    Map<String, Tensor> state = model.stateDict();
    assertThat(afterStats).isNotEmpty();
    for (Map.Entry<String, Tensor> e : afterStats.entrySet()) {
      assertWithMessage("%s state key %s", name, e.getKey()).that(state).containsKey(e.getKey());
      Matching.assertMatches(
          name + " " + e.getKey() + " after the statistics steps",
          e.getValue().data(),
          state.get(e.getKey()).data());
    }

    model.eval();
    try (GradMode.Scope s = GradMode.noGrad()) {
      Tensor logits = model.forward(Reference.Zoo.tensor(inputs.get("eval").getAsString()));
      float[] ref = Reference.Zoo.floats(outputs.get("eval_logits").getAsString());
      Matching.assertMatches(name + " eval logits", ref, logits.data());
      assertThat(logits.shape()).isEqualTo(new long[] {ref.length / 10, 10});
    }
  }

  /** The weights manifest of a zoo model case of the reference set. */
  static JsonObject manifest(String name) throws IOException {
    try (InputStream in =
        FcZooReferenceTest.class.getResourceAsStream(
            "/reference/brevitas-zoo/" + name + ".weights.manifest.json")) {
      assertWithMessage("manifest of %s on the class path", name).that(in).isNotNull();
      return JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8))
          .getAsJsonObject();
    }
  }
}
