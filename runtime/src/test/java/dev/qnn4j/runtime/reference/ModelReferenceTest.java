package dev.qnn4j.runtime.reference;

import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** The {@code model_ptq} and {@code qat_steps} cases on the hand-wired LeNets. */
class ModelReferenceTest {

  @TestFactory
  Stream<DynamicTest> modelPtq() {
    return Reference.cases("model_ptq").stream()
        .map(
            c ->
                DynamicTest.dynamicTest(
                    c.get("name").getAsString(),
                    () -> ModelReferenceChecks.checkPtqCase(c, HandWiredLeNets::create)));
  }

  @Test
  void qatStepsOnHandWiredLeNet() {
    TrainingStepReference reference = TrainingStepReference.load();
    reference.assertMatches(
        "hand-wired " + reference.modelName(),
        reference.train(HandWiredLeNets.create(reference.modelName())));
  }
}
