package dev.qnn4j.samples.models;

import dev.qnn4j.runtime.reference.ModelReferenceChecks;
import dev.qnn4j.runtime.reference.Reference;
import dev.qnn4j.runtime.reference.TrainingStepReference;
import dev.qnn4j.samples.QuantModel_AutoLeNet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The Brevitas {@code model_ptq} and {@code qat_steps} reference cases on the generated LeNets, and
 * the training steps on the automatically quantized AutoLeNet too.
 */
class SeedLeNetReferenceTest {
  @TestFactory
  Stream<DynamicTest> modelPtq() {
    return Reference.cases("model_ptq").stream()
        .map(
            c ->
                DynamicTest.dynamicTest(
                    c.get("name").getAsString(),
                    () -> ModelReferenceChecks.checkPtqCase(c, GeneratedLeNets::create)));
  }

  @Test
  void qatStepsOnTheGeneratedLeNet() {
    TrainingStepReference reference = TrainingStepReference.load();
    reference.assertMatches(
        "generated QuantModel_" + reference.modelName(),
        reference.train(GeneratedLeNets.create(reference.modelName())));
  }

  /**
   * AutoLeNet keeps FloatLeNet's layer names, so the reference's float weights load by name as they
   * are; only the input quantizer's state is named differently (quant_inp.act_quant.* of the seed's
   * model is conv1.input_quant.* here), and the reference holds none of it.
   */
  @Test
  void qatStepsOnAutoLeNet() {
    TrainingStepReference reference = TrainingStepReference.load();
    reference.assertMatches("QuantModel_AutoLeNet", reference.train(new QuantModel_AutoLeNet()));
  }
}
