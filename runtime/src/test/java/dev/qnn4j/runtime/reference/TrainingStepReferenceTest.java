package dev.qnn4j.runtime.reference;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.reference.TrainingStepReference.Kind;
import dev.qnn4j.runtime.reference.TrainingStepReference.Run;
import dev.qnn4j.runtime.reference.TrainingStepReference.Verdict;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The training-step rule itself: it accepts Brevitas' own runs and rejects runs that trained
 * differently, for the reason they differ.
 */
class TrainingStepReferenceTest {
  private static final TrainingStepReference REFERENCE = TrainingStepReference.load();

  @Test
  void theCaseIsThreeStepsOfSgdFromWeightsOtherThanTheResult() {
    assertThat(REFERENCE.modelName()).isEqualTo("QuantWeightActBiasLeNet");
    assertThat(REFERENCE.learningRate()).isEqualTo(0.05f);
    assertThat(REFERENCE.steps()).isEqualTo(3);
    // The defect the shared case once had: weights_before saved after training.
    Map<String, Tensor> before = Reference.safetensors(REFERENCE.weightsBeforeFile());
    for (Map.Entry<String, float[]> e : REFERENCE.weightsAfter().entrySet()) {
      assertWithMessage(e.getKey())
          .that(before.get(e.getKey()).toFloatArray())
          .isNotEqualTo(e.getValue());
    }
  }

  @Test
  void acceptsTheReferenceRunWithNoDistanceAndBrevitasOnIm2col() {
    Verdict self = REFERENCE.check(REFERENCE.losses(), REFERENCE.weightsAfter()::get);
    assertWithMessage(self.toString()).that(self.matches()).isTrue();
    assertThat(self.margins())
        .startsWith(
            "loss off by 0.00 (step 0) of 0.00568 allowed; weights worst conv1.weight 0.00 of");
    assertThat(self.margins()).endsWith("update size ratio 1.0000");

    Map<String, float[]> im2col = REFERENCE.im2colWeightsAfter();
    Verdict other = REFERENCE.check(REFERENCE.im2colLosses(), im2col::get);
    System.out.println("Brevitas on im2col: " + other);
    assertWithMessage(other.toString()).that(other.matches()).isTrue();
  }

  @Test
  void rejectsALossOrOneWeightJustBeyondTheSpreadNamingIt() {
    float[] losses = REFERENCE.losses();
    losses[2] += 0.0060f; // the bound is 2 * 0.00283 + 1e-5 = 0.00568
    Verdict loss = REFERENCE.check(losses, REFERENCE.weightsAfter()::get);
    assertThat(loss.violations()).hasSize(1);
    assertThat(loss.breaks(Kind.LOSS)).isTrue();
    assertThat(loss.violations().get(0).message()).startsWith("step 2: ");

    Map<String, float[]> weights = REFERENCE.weightsAfter();
    float[] fc3Bias = weights.get("fc3.bias").clone();
    fc3Bias[7] += 7e-5f; // the bound is 2 * 3.02e-5 + 1e-6 = 6.15e-5
    weights.put("fc3.bias", fc3Bias);
    Verdict weight = REFERENCE.check(REFERENCE.losses(), weights::get);
    assertThat(weight.violations()).hasSize(1);
    assertThat(weight.breaks(Kind.WEIGHT)).isTrue();
    assertThat(weight.violations().get(0).message()).startsWith("fc3.bias: element 7 ");

    fc3Bias[7] -= 2e-5f; // now 5e-5 away: inside
    assertThat(REFERENCE.check(REFERENCE.losses(), weights::get).matches()).isTrue();

    weights.remove("conv2.bias");
    Verdict missing = REFERENCE.check(REFERENCE.losses(), weights::get);
    assertThat(missing.violations().get(0).message()).isEqualTo("conv2.bias: missing");
  }

  /** The reference procedure with a learning rate 1.5 times too large: the update is too large. */
  @Test
  void rejectsTrainingWithOneAndAHalfTimesTheLearningRate() {
    Run run =
        REFERENCE.train(
            HandWiredLeNets.create(REFERENCE.modelName()),
            1.5f * REFERENCE.learningRate(),
            REFERENCE.steps());
    Verdict verdict = REFERENCE.check(run);
    System.out.println("learning rate 1.5 times too large: " + verdict);

    assertWithMessage(verdict.toString()).that(verdict.matches()).isFalse();
    assertWithMessage(verdict.toString()).that(verdict.breaks(Kind.UPDATE_SIZE)).isTrue();
    assertWithMessage(verdict.toString()).that(verdict.breaks(Kind.WEIGHT)).isTrue();
    assertWithMessage(verdict.toString()).that(verdict.breaks(Kind.STEP_COUNT)).isFalse();
    assertThat(verdict.margins()).containsMatch("update size ratio 1\\.[3-7]");
  }

  /**
   * One step fewer: the count of losses gives it away, and so do the weights alone (as when only a
   * checkpoint is at hand): the last step's update is missing, so the final layers are far from
   * Brevitas' and several tensors' updates point elsewhere (the whole update is still 0.82 times
   * Brevitas', inside its bounds: the size alone would not catch it).
   */
  @Test
  void rejectsTrainingWithOneStepFewer() {
    Run run =
        REFERENCE.train(
            HandWiredLeNets.create(REFERENCE.modelName()),
            REFERENCE.learningRate(),
            REFERENCE.steps() - 1);
    Verdict verdict = REFERENCE.check(run);
    assertWithMessage(verdict.toString()).that(verdict.breaks(Kind.STEP_COUNT)).isTrue();

    Verdict weightsOnly = REFERENCE.check(REFERENCE.losses(), run.weights()::get);
    System.out.println("one step fewer, weights only: " + weightsOnly);
    assertWithMessage(weightsOnly.toString()).that(weightsOnly.matches()).isFalse();
    assertWithMessage(weightsOnly.toString()).that(weightsOnly.breaks(Kind.WEIGHT)).isTrue();
    assertWithMessage(weightsOnly.toString())
        .that(weightsOnly.breaks(Kind.UPDATE_DIRECTION))
        .isTrue();
    assertWithMessage(weightsOnly.toString()).that(weightsOnly.breaks(Kind.LOSS)).isFalse();
    assertWithMessage(weightsOnly.toString()).that(weightsOnly.breaks(Kind.STEP_COUNT)).isFalse();
  }
}
