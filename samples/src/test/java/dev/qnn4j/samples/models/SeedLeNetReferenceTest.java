package dev.qnn4j.samples.models;

import dev.qnn4j.runtime.reference.ModelReferenceChecks;
import dev.qnn4j.runtime.reference.Reference;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** The Brevitas {@code model_ptq} and {@code qat_steps} reference cases on the generated LeNets. */
class SeedLeNetReferenceTest {
  @TestFactory
  Stream<DynamicTest> modelPtq() {
    return Reference.cases("model_ptq").stream().map(c -> DynamicTest.dynamicTest(c.get("name").getAsString(),
        () -> ModelReferenceChecks.checkPtqCase(c, GeneratedLeNets::create)));
  }

  @TestFactory
  Stream<DynamicTest> regeneratedQatSteps() {
    return Stream.of(DynamicTest.dynamicTest("qat_lenet_weight_act_bias_regenerated",
        () -> ModelReferenceChecks.checkRegeneratedQatCase(GeneratedLeNets::create)));
  }

  @TestFactory
  Stream<DynamicTest> qatSteps() {
    return Reference.cases("qat_steps").stream().map(c -> DynamicTest.dynamicTest(c.get("name").getAsString(),
        () -> ModelReferenceChecks.checkQatCase(c, GeneratedLeNets::create)));
  }
}
