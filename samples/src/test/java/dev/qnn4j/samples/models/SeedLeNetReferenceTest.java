package dev.qnn4j.samples.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qnn4j.runtime.reference.ModelReferenceChecks;
import dev.qnn4j.runtime.reference.Reference;
import dev.qnn4j.runtime.reference.TrainingStepReference;
import dev.qnn4j.samples.QuantModel_AutoLeNet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Brevitas {@code model_ptq} and {@code qat_steps} reference cases on the generated LeNets, and
 * the training steps on the automatically quantized AutoLeNet too; each through the autograd tape
 * and through the model's compiled step (every one of these models has one). Calibration runs on
 * the tape on both paths.
 */
class SeedLeNetReferenceTest {
  @TestFactory
  Stream<DynamicTest> modelPtq() {
    return Reference.cases("model_ptq").stream()
        .flatMap(
            c ->
                Stream.of(false, true)
                    .map(
                        compiled ->
                            DynamicTest.dynamicTest(
                                c.get("name").getAsString()
                                    + (compiled ? " (compiled step)" : " (tape)"),
                                () ->
                                    ModelReferenceChecks.checkPtqCase(
                                        c, GeneratedLeNets::create, compiled))));
  }

  @ParameterizedTest(name = "compiled step: {0}")
  @ValueSource(booleans = {false, true})
  void qatStepsOnTheGeneratedLeNet(boolean compiled) {
    TrainingStepReference reference = TrainingStepReference.load();
    var model = GeneratedLeNets.create(reference.modelName());
    assertTrue(model.compiledStep().isPresent(), reference.modelName() + " compiles");
    TrainingStepReference.Run run = reference.train(model, compiled);
    reference.assertMatches(
        "generated QuantModel_" + reference.modelName() + (compiled ? " (compiled step)" : ""),
        run);
    if (compiled) {
      assertSameRun(run, reference.train(GeneratedLeNets.create(reference.modelName()), false));
    }
  }

  /**
   * AutoLeNet keeps FloatLeNet's layer names, so the reference's float weights load by name as they
   * are; only the input quantizer's state is named differently (quant_inp.act_quant.* of the seed's
   * model is conv1.input_quant.* here), and the reference holds none of it.
   */
  @ParameterizedTest(name = "compiled step: {0}")
  @ValueSource(booleans = {false, true})
  void qatStepsOnAutoLeNet(boolean compiled) {
    TrainingStepReference reference = TrainingStepReference.load();
    TrainingStepReference.Run run = reference.train(new QuantModel_AutoLeNet(), compiled);
    reference.assertMatches("QuantModel_AutoLeNet" + (compiled ? " (compiled step)" : ""), run);
    if (compiled) {
      assertSameRun(run, reference.train(new QuantModel_AutoLeNet(), false));
    }
  }

  /** The compiled run gives exactly ({@code ==}) the tape run's losses and weights. */
  private static void assertSameRun(
      TrainingStepReference.Run compiled, TrainingStepReference.Run tape) {
    CompiledStepTest.assertEqual("losses, compiled against tape", tape.losses(), compiled.losses());
    assertEquals(tape.weights().keySet(), compiled.weights().keySet());
    for (String name : tape.weights().keySet()) {
      CompiledStepTest.assertEqual(
          name + " after the reference steps, compiled against tape",
          tape.weights().get(name),
          compiled.weights().get(name));
    }
  }
}
