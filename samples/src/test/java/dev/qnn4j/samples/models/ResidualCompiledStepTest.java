package dev.qnn4j.samples.models;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static dev.qnn4j.samples.models.CompiledStepFixtures.gaussian;
import static dev.qnn4j.samples.models.CompiledStepFixtures.images;
import static dev.qnn4j.samples.models.CompiledStepFixtures.onTheTape;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.qnn4j.runtime.Parameter;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.data.Dataset;
import dev.qnn4j.runtime.graph.Calibration;
import dev.qnn4j.runtime.nn.BatchNorm;
import dev.qnn4j.runtime.nn.CompiledStep;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.nn.Module;
import dev.qnn4j.runtime.nn.QuantActivation;
import dev.qnn4j.runtime.train.Adam;
import dev.qnn4j.runtime.train.CrossEntropyLoss;
import dev.qnn4j.runtime.train.EvalResult;
import dev.qnn4j.runtime.train.Evaluator;
import dev.qnn4j.runtime.train.Optimizer;
import dev.qnn4j.runtime.train.Sgd;
import dev.qnn4j.runtime.train.Trainer;
import dev.qnn4j.runtime.train.TrainerConfig;
import dev.qnn4j.samples.QuantModel_AutoLeNet;
import dev.qnn4j.samples.QuantModel_QuantResidualNet;
import dev.qnn4j.samples.QuantModel_QuantWeightActBiasLeNet;
import dev.qnn4j.samples.QuantModel_QuantWeightActLeNet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code QuantResidualNet} (4-bit conv, BatchNorm2d/1d, a residual {@code F.add}, average pools)
 * trained through its compiled step and on the tape: exactly equal ({@code ==}) logits, loss,
 * parameter gradients, parameters, activation quantizer statistics and scales and BatchNorm running
 * statistics, step after step, in training and in evaluation.
 */
class ResidualCompiledStepTest {
  private static final int BATCH = 8;
  private static final int STEPS = 20;

  @Test
  void theResidualNetHasACompiledStep() {
    Model model = new QuantModel_QuantResidualNet();
    assertTrue(model.compiledStep().isPresent());
    // The state compared below holds the BatchNorm running statistics and batch counters.
    assertThat(model.stateDict().keySet())
        .containsAtLeast("bn1.running_mean", "bn1.running_var", "bn4.num_batches_tracked");
  }

  /** Steps 291 to 310: the last statistics steps, the switch to learned scales, then learning. */
  @Test
  void crossesTheStatisticsBoundaryBitIdenticallyWithAdamThenEvaluates() {
    Model[] models = trainBothWays(m -> new Adam(m.parameters(), 1e-3f));
    evaluateBothWays(models[0], models[1]);
  }

  @Test
  void trainsBitIdenticallyWithSgdAndMomentum() {
    trainBothWays(m -> new Sgd(m.parameters(), 0.05f, 0.9f, 1e-4f));
  }

  /** Evaluation from the start: BatchNorm normalises with its initial running statistics. */
  @Test
  void evaluatesAnUntrainedModelBitIdentically() {
    evaluateBothWays(new QuantModel_QuantResidualNet(), new QuantModel_QuantResidualNet());
  }

  /**
   * Calibration ({@code calibration_mode}: float weights, activations passed through while their
   * statistics average) through the compiled step and on the tape, with BatchNorm in training and
   * in evaluation mode; then evaluation and training from what it left (PTQ followed by QAT,
   * through the switch to the learned scales), all bit-identical.
   */
  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void calibratesBitIdenticallyThenEvaluatesAndTrains(boolean training) {
    Model tape = onTheTape(new QuantModel_QuantResidualNet());
    Model compiled = new QuantModel_QuantResidualNet();
    calibrateBothWays(tape, compiled, training);
    evaluateBothWays(tape, compiled);
    trainBothWays(tape, compiled, m -> new Adam(m.parameters(), 1e-3f), 3);
  }

  @Test
  void quantWeightActLeNetCalibratesBitIdentically() {
    Model tape = onTheTape(new QuantModel_QuantWeightActLeNet());
    Model compiled = new QuantModel_QuantWeightActLeNet();
    calibrateBothWays(tape, compiled, false);
    evaluateBothWays(tape, compiled);
  }

  /**
   * The demo model and AutoLeNet: QuantTensor inputs and bias quantizers, which calibration turns
   * off with the weight quantizers (float weights and biases), and AutoLeNet's input quantizers.
   */
  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void quantTensorModelsCalibrateBitIdentically(boolean training) {
    for (java.util.function.Supplier<Model> create :
        List.<java.util.function.Supplier<Model>>of(
            QuantModel_QuantWeightActBiasLeNet::new, QuantModel_AutoLeNet::new)) {
      Model tape = onTheTape(create.get());
      Model compiled = create.get();
      calibrateBothWays(tape, compiled, training);
      evaluateBothWays(tape, compiled);
    }
  }

  private static void calibrateBothWays(Model tape, Model compiled, boolean training) {
    Random rng = new Random(3);
    List<Tensor> batches = List.of(batch(rng), batch(rng), batch(rng));
    CompiledStep step = compiled.compiledStep().orElseThrow();
    int[] compiledForwards = {0};
    Model counting =
        new CompiledStepFixtures.Delegate(compiled) {
          @Override
          public Optional<CompiledStep> compiledStep() {
            return Optional.of(
                new CompiledStep() {
                  @Override
                  public float[] forward(float[] input, int batch) {
                    compiledForwards[0]++;
                    return step.forward(input, batch);
                  }

                  @Override
                  public float loss(int[] labels) {
                    return step.loss(labels);
                  }

                  @Override
                  public void backward() {
                    step.backward();
                  }

                  @Override
                  public int classes() {
                    return step.classes();
                  }
                });
          }
        };
    for (Model m : List.of(tape, counting)) {
      if (training) {
        m.train();
      } else {
        m.eval();
      }
      Calibration.calibrate(m, batches);
    }
    assertThat(compiledForwards[0]).isEqualTo(batches.size());
    assertStatesEqual("after calibration", tape, compiled);
  }

  private static Tensor batch(Random rng) {
    return Tensor.of(images(BATCH, rng), BATCH, 3, 32, 32);
  }

  /** Through {@code Trainer} and {@code Evaluator}, with a last batch of another size. */
  @Test
  void theTrainerAndEvaluatorMatchTheTape() throws Exception {
    Random rng = new Random(5);
    int examples = 20;
    float[] images = images(examples, rng);
    int[] labels = new int[examples];
    for (int i = 0; i < examples; i++) {
      labels[i] = rng.nextInt(10);
    }
    Dataset data = Dataset.of(images, labels, 3, 32, 32, 10);
    Model tape = onTheTape(new QuantModel_QuantResidualNet());
    Model compiled = new QuantModel_QuantResidualNet();
    TrainerConfig config = TrainerConfig.of(2, 8, 3);
    new Trainer(tape, new Adam(tape.parameters(), 1e-3f), config).fit(data, data);
    new Trainer(compiled, new Adam(compiled.parameters(), 1e-3f), config).fit(data, data);
    assertStatesEqual("after two epochs through the Trainer", tape, compiled);
    EvalResult tapeResult = Evaluator.evaluate(tape, data, 8);
    EvalResult compiledResult = Evaluator.evaluate(compiled, data, 8);
    assertThat(compiledResult.correct()).isEqualTo(tapeResult.correct());
    if (compiledResult.loss() != tapeResult.loss()) {
      fail("evaluation loss: tape " + tapeResult.loss() + ", compiled " + compiledResult.loss());
    }
  }

  private static Model[] trainBothWays(Function<Model, Optimizer> optimizerOf) {
    Model[] models =
        trainBothWays(
            atStep290(new QuantModel_QuantResidualNet()),
            atStep290(new QuantModel_QuantResidualNet()),
            optimizerOf,
            STEPS);
    // The run crossed the boundary: every activation quantizer now learns its scale.
    for (Module layer : models[1].layers()) {
      if (layer instanceof QuantActivation a) {
        assertWithMessage(a.name()).that(a.quantizer().counter()).isGreaterThan(300L);
      }
    }
    return models;
  }

  static Model[] trainBothWays(
      Model tape, Model compiled, Function<Model, Optimizer> optimizerOf, int steps) {
    assertStatesEqual("initial", tape, compiled);
    CompiledStep step = compiled.compiledStep().orElseThrow();
    Optimizer tapeOptimizer = optimizerOf.apply(tape);
    Optimizer compiledOptimizer = optimizerOf.apply(compiled);
    tape.train();
    compiled.train();
    Random rng = new Random(29);
    for (int s = 0; s < steps; s++) {
      float[] input = inputs(tape, BATCH, rng);
      int[] labels = new int[BATCH];
      for (int i = 0; i < BATCH; i++) {
        labels[i] = rng.nextInt(10);
      }
      tape.zeroGrad();
      Tensor logits = tape.forward(Tensor.of(input, shape(tape, BATCH)));
      Tensor loss = CrossEntropyLoss.mean(logits, labels);
      loss.backward();
      tapeOptimizer.step();

      compiled.zeroGrad();
      CompiledStepTest.assertEqual(
          "logits at step " + s, logits.data(), step.forward(input, BATCH));
      float compiledLoss = step.loss(labels);
      if (compiledLoss != loss.item()) {
        fail("loss at step " + s + ": tape " + loss.item() + ", compiled " + compiledLoss);
      }
      step.backward();
      List<Parameter> tapeParameters = tape.parameters();
      List<Parameter> compiledParameters = compiled.parameters();
      assertThat(compiledParameters.size()).isEqualTo(tapeParameters.size());
      for (int p = 0; p < tapeParameters.size(); p++) {
        CompiledStepTest.assertEqual(
            "gradient of " + tapeParameters.get(p).name() + " at step " + s,
            tapeParameters.get(p).gradData(),
            compiledParameters.get(p).gradData());
      }
      compiledOptimizer.step();
      assertStatesEqual("after step " + s, tape, compiled);
    }
    return new Model[] {tape, compiled};
  }

  static void evaluateBothWays(Model tape, Model compiled) {
    tape.eval();
    compiled.eval();
    for (int batch : new int[] {5, BATCH}) {
      float[] input = inputs(tape, batch, new Random(batch));
      CompiledStepTest.assertEqual(
          "eval logits at batch " + batch,
          tape.forward(Tensor.of(input, shape(tape, batch))).data(),
          compiled.compiledStep().orElseThrow().forward(input, batch));
    }
    assertStatesEqual("after evaluation", tape, compiled);
  }

  /** {@code model} with every activation quantizer 290 steps into its 300 statistics steps. */
  private static Model atStep290(Model model) {
    for (Module layer : model.layers()) {
      if (layer instanceof QuantActivation a) {
        a.quantizer().restoreState(290, a.quantizer().collectStatsSteps(), 1.5f, 1f);
      }
    }
    return model;
  }

  /**
   * The whole state dict (parameters, BatchNorm running statistics and batch counters, quantizer
   * state), each activation quantizer's running statistic, counter and eval scale, and BatchNorm's
   * running statistics read from the layers.
   */
  static void assertStatesEqual(String when, Model a, Model b) {
    Map<String, Tensor> sa = a.stateDict();
    Map<String, Tensor> sb = b.stateDict();
    assertThat(sb.keySet()).containsExactlyElementsIn(sa.keySet());
    for (String key : sa.keySet()) {
      CompiledStepTest.assertEqual(
          key + " " + when, sa.get(key).toFloatArray(), sb.get(key).toFloatArray());
    }
    for (int i = 0; i < a.layers().size(); i++) {
      Module la = a.layers().get(i);
      Module lb = b.layers().get(i);
      if (la instanceof QuantActivation qa && lb instanceof QuantActivation qb) {
        String name = qa.name() + " " + when;
        assertWithMessage(name).that(qb.quantizer().counter()).isEqualTo(qa.quantizer().counter());
        if (qa.quantizer().buffer() != qb.quantizer().buffer()) {
          fail(
              name
                  + ": statistic tape "
                  + qa.quantizer().buffer()
                  + ", compiled "
                  + qb.quantizer().buffer());
        }
        CompiledStepTest.assertEqual(
            name + " eval scale",
            qa.quantizer().evalScale().data(),
            qb.quantizer().evalScale().data());
      }
      if (la instanceof BatchNorm na && lb instanceof BatchNorm nb) {
        CompiledStepTest.assertEqual(
            na.name() + " running mean " + when, na.runningMean(), nb.runningMean());
        CompiledStepTest.assertEqual(
            na.name() + " running var " + when, na.runningVar(), nb.runningVar());
      }
    }
  }

  /** {@code [batch, model's input shape...]}. */
  private static long[] shape(Model model, int batch) {
    long[] in = model.inputShape();
    long[] dims = new long[in.length + 1];
    dims[0] = batch;
    System.arraycopy(in, 0, dims, 1, in.length);
    return dims;
  }

  /** Gaussian inputs for {@code batch} samples of {@code model}'s input shape. */
  private static float[] inputs(Model model, int batch, Random rng) {
    long n = 1;
    for (long d : shape(model, batch)) {
      n *= d;
    }
    return gaussian((int) n, rng);
  }
}
