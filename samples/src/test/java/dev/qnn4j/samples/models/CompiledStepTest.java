package dev.qnn4j.samples.models;

import static com.google.common.truth.Truth.assertThat;
import static dev.qnn4j.samples.models.CompiledStepFixtures.images;
import static dev.qnn4j.samples.models.CompiledStepFixtures.onTheTape;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.qnn4j.runtime.Parameter;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.data.Dataset;
import dev.qnn4j.runtime.nn.CompiledStep;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.nn.Module;
import dev.qnn4j.runtime.nn.QuantActivation;
import dev.qnn4j.runtime.nn.QuantWeightLayer;
import dev.qnn4j.runtime.quant.ActQuantizer;
import dev.qnn4j.runtime.train.Adam;
import dev.qnn4j.runtime.train.CrossEntropyLoss;
import dev.qnn4j.runtime.train.EvalResult;
import dev.qnn4j.runtime.train.Evaluator;
import dev.qnn4j.runtime.train.Optimizer;
import dev.qnn4j.runtime.train.Sgd;
import dev.qnn4j.runtime.train.Trainer;
import dev.qnn4j.runtime.train.TrainerConfig;
import dev.qnn4j.runtime.train.TrainingDivergedException;
import dev.qnn4j.samples.QuantModel_AutoLeNet;
import dev.qnn4j.samples.QuantModel_FloatLeNet;
import dev.qnn4j.samples.QuantModel_QuantWeightActBiasLeNet;
import dev.qnn4j.samples.QuantModel_QuantWeightActLeNet;
import dev.qnn4j.samples.QuantModel_QuantWeightLeNet;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The compiled training step against the autograd tape: the same model trained both ways gives
 * exactly equal ({@code ==}) logits, loss, every parameter gradient and every parameter, step after
 * step.
 */
class CompiledStepTest {
  private static final int BATCH = 16;
  private static final int STEPS = 20;

  @Test
  void floatLeNetTrainsBitIdenticallyWithAdam() {
    trainBothWays(QuantModel_FloatLeNet::new, m -> new Adam(m.parameters(), 1e-3f));
  }

  @Test
  void floatLeNetTrainsBitIdenticallyWithSgdAndMomentum() {
    trainBothWays(QuantModel_FloatLeNet::new, m -> new Sgd(m.parameters(), 0.05f, 0.9f, 1e-4f));
  }

  @Test
  void quantWeightLeNetTrainsBitIdenticallyWithAdam() {
    trainBothWays(QuantModel_QuantWeightLeNet::new, m -> new Adam(m.parameters(), 1e-3f));
  }

  @Test
  void quantWeightLeNetTrainsBitIdenticallyWithSgd() {
    trainBothWays(QuantModel_QuantWeightLeNet::new, m -> new Sgd(m.parameters(), 0.05f, 0.9f, 0f));
  }

  @Test
  void quantWeightActLeNetCollectsStatisticsBitIdentically() {
    trainBothWays(QuantModel_QuantWeightActLeNet::new, m -> new Adam(m.parameters(), 1e-3f));
  }

  /**
   * Steps 291 to 310: the last statistics steps, the switch to learned scales, then learning them.
   */
  @Test
  void quantWeightActLeNetCrossesTheStatisticsBoundaryBitIdenticallyWithAdam() {
    trainBothWays(
        () -> atStep290(new QuantModel_QuantWeightActLeNet()),
        m -> new Adam(m.parameters(), 1e-3f));
  }

  @Test
  void quantWeightActLeNetCrossesTheStatisticsBoundaryBitIdenticallyWithSgd() {
    trainBothWays(
        () -> atStep290(new QuantModel_QuantWeightActLeNet()),
        m -> new Sgd(m.parameters(), 0.05f, 0.9f, 0f));
  }

  @Test
  void quantWeightActLeNetEvaluatesBitIdenticallyInBothPhases() {
    evaluateBothWaysInBothPhases(QuantModel_QuantWeightActLeNet::new);
  }

  /** {@code model} with every activation quantizer 290 steps into its 300 statistics steps. */
  private static Model atStep290(Model model) {
    for (ActQuantizer q : activationQuantizers(model)) {
      q.restoreState(290, q.collectStatsSteps(), 1.5f, 1f);
    }
    return model;
  }

  @Test
  void quantWeightLeNetEvaluatesBitIdentically() {
    Model tape = new QuantModel_QuantWeightLeNet();
    Model compiled = new QuantModel_QuantWeightLeNet();
    tape.eval();
    compiled.eval();
    float[] input = images(8, new Random(8));
    assertEqual(
        "eval logits",
        tape.forward(Tensor.of(input, 8, 3, 32, 32)).data(),
        compiled.compiledStep().orElseThrow().forward(input, 8));
  }

  @Test
  void aSecondBatchSizeReallocatesAndStaysBitIdentical() {
    Model tape = new QuantModel_FloatLeNet();
    Model compiled = new QuantModel_FloatLeNet();
    CompiledStep step = compiled.compiledStep().orElseThrow();
    for (int batch : new int[] {4, 7, 4}) {
      float[] input = images(batch, new Random(batch));
      float[] expected = tape.forward(Tensor.of(input, batch, 3, 32, 32)).data();
      assertEqual("logits at batch " + batch, expected, step.forward(input, batch));
    }
  }

  @Test
  void theCompiledStepRefusesAnInputOfTheWrongSize() {
    CompiledStep step = new QuantModel_FloatLeNet().compiledStep().orElseThrow();
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> step.forward(new float[10], 2));
    assertThat(e).hasMessageThat().isEqualTo("expected 6144 input values, got 10");
  }

  // ------------------------------------------------ QuantTensor outputs and Int32 biases

  /** The models with QuantTensor activations and Int32 biases: the demo model and AutoLeNet. */
  static Stream<Named<Supplier<Model>>> quantTensorModels() {
    return Stream.of(
        Named.of("QuantWeightActBiasLeNet", QuantModel_QuantWeightActBiasLeNet::new),
        Named.of("AutoLeNet (conv1's input quantizer feeds its bias)", QuantModel_AutoLeNet::new));
  }

  @ParameterizedTest
  @MethodSource("quantTensorModels")
  void quantTensorModelCollectsStatisticsBitIdentically(Supplier<Model> create) {
    trainBothWays(create, m -> new Adam(m.parameters(), 1e-3f));
  }

  /**
   * Steps 291 to 310: the bias scales follow the activation scales from their statistics to the
   * learned parameters, and their gradients reach both.
   */
  @ParameterizedTest
  @MethodSource("quantTensorModels")
  void quantTensorModelCrossesTheStatisticsBoundaryBitIdenticallyWithAdam(Supplier<Model> create) {
    trainBothWays(() -> atStep290(create.get()), m -> new Adam(m.parameters(), 1e-3f));
  }

  @ParameterizedTest
  @MethodSource("quantTensorModels")
  void quantTensorModelCrossesTheStatisticsBoundaryBitIdenticallyWithSgd(Supplier<Model> create) {
    trainBothWays(() -> atStep290(create.get()), m -> new Sgd(m.parameters(), 0.05f, 0.9f, 0f));
  }

  @ParameterizedTest
  @MethodSource("quantTensorModels")
  void quantTensorModelEvaluatesBitIdenticallyInBothPhases(Supplier<Model> create) {
    evaluateBothWaysInBothPhases(create);
  }

  /**
   * After calibration, the first training step initialises the learned scales from the calibrated
   * statistics, on both paths alike.
   */
  @Test
  void afterCalibrationOnTheTapeTheCompiledStepTrainsBitIdentically() {
    for (Supplier<Model> create :
        List.<Supplier<Model>>of(
            QuantModel_QuantWeightActBiasLeNet::new, QuantModel_AutoLeNet::new)) {
      trainBothWays(
          () -> {
            Model m = create.get();
            Random rng = new Random(3);
            List<Tensor> batches = new java.util.ArrayList<>();
            for (int b = 0; b < 3; b++) {
              batches.add(Tensor.of(images(8, rng), 8, 3, 32, 32));
            }
            dev.qnn4j.runtime.graph.Calibration.calibrate(m, batches);
            return m;
          },
          m -> new Adam(m.parameters(), 1e-3f),
          3);
    }
  }

  private static void evaluateBothWaysInBothPhases(Supplier<Model> create) {
    for (boolean learned : new boolean[] {false, true}) {
      Model tape = create.get();
      Model compiled = create.get();
      for (Model m : List.of(tape, compiled)) {
        for (ActQuantizer q : activationQuantizers(m)) {
          q.restoreState(learned ? 301 : 120, 300, 1.75f, 2.5f);
        }
        m.eval();
      }
      float[] input = images(8, new Random(8));
      assertEqual(
          "eval logits of " + tape.modelName() + ", learned " + learned,
          tape.forward(Tensor.of(input, 8, 3, 32, 32)).data(),
          compiled.compiledStep().orElseThrow().forward(input, 8));
    }
  }

  /** Every activation quantizer: the activation layers' and the weight layers' input quantizers. */
  private static List<ActQuantizer> activationQuantizers(Model model) {
    List<ActQuantizer> quantizers = new java.util.ArrayList<>();
    for (Module layer : model.layers()) {
      if (layer instanceof QuantActivation a) {
        quantizers.add(a.quantizer());
      } else if (layer instanceof QuantWeightLayer w) {
        if (w.inputQuantizer() != null) {
          quantizers.add(w.inputQuantizer());
        }
        if (w.outputQuantizer() != null) {
          quantizers.add(w.outputQuantizer());
        }
      }
    }
    return quantizers;
  }

  @Test
  void theTrainerAndEvaluatorTakeTheCompiledStepAndMatchTheTape() throws Exception {
    trainAndEvaluateBothWays(QuantModel_FloatLeNet::new, 5);
  }

  @Test
  void theTrainerAndEvaluatorTrainTheDemoModelCompiledAsOnTheTape() throws Exception {
    trainAndEvaluateBothWays(QuantModel_QuantWeightActBiasLeNet::new, 6);
  }

  /** Two epochs through {@code Trainer}, then {@code Evaluator}, on both paths. */
  private static void trainAndEvaluateBothWays(Supplier<Model> create, long seed) throws Exception {
    Random rng = new Random(seed);
    int examples = 40;
    float[] images = images(examples, rng);
    int[] labels = new int[examples];
    for (int i = 0; i < examples; i++) {
      labels[i] = rng.nextInt(10);
    }
    Dataset data = Dataset.of(images, labels, 3, 32, 32, 10);
    Model compiled = create.get();
    Model tape = onTheTape(create.get());
    assertTrue(compiled.compiledStep().isPresent());
    assertTrue(tape.compiledStep().isEmpty());
    // 40 examples in batches of 16: the last batch of 8 reallocates the compiled buffers.
    TrainerConfig config = TrainerConfig.of(2, 16, 3);
    new Trainer(tape, new Adam(tape.parameters(), 1e-3f), config).fit(data, data);
    new Trainer(compiled, new Adam(compiled.parameters(), 1e-3f), config).fit(data, data);
    assertParametersEqual("after two epochs through the Trainer", tape, compiled);
    assertQuantizerStatesEqual("after two epochs through the Trainer", tape, compiled);
    EvalResult tapeResult = Evaluator.evaluate(tape, data, 16);
    EvalResult compiledResult = Evaluator.evaluate(compiled, data, 16);
    assertThat(compiledResult.correct()).isEqualTo(tapeResult.correct());
    if (compiledResult.loss() != tapeResult.loss()) {
      fail("evaluation loss: tape " + tapeResult.loss() + ", compiled " + compiledResult.loss());
    }
  }

  /**
   * Allocation per training step on this thread, the compiled step against the tape (the tape
   * allocates every intermediate tensor anew). {@link CompiledStepAllocationTest} holds the
   * compiled step to (almost) zero on every thread.
   */
  @Test
  void aCompiledStepAllocatesFarLessThanTheTape() {
    long tape = bytesPerStep(onTheTape(new QuantModel_FloatLeNet()));
    long compiled = bytesPerStep(new QuantModel_FloatLeNet());
    System.out.printf(
        "bytes allocated per training step, FloatLeNet batch %d: tape %d, compiled %d%n",
        BATCH, tape, compiled);
    assertThat(compiled).isLessThan(tape / 4);
  }

  private static long bytesPerStep(Model model) {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    Optimizer optimizer = new Adam(model.parameters(), 1e-3f);
    CompiledStep step = model.compiledStep().orElse(null);
    float[] input = images(BATCH, new Random(1));
    Tensor inputTensor = Tensor.of(input, BATCH, 3, 32, 32);
    int[] labels = new int[BATCH];
    Runnable trainStep =
        () -> {
          model.zeroGrad();
          if (step != null) {
            step.forward(input, BATCH);
            step.loss(labels);
            step.backward();
          } else {
            CrossEntropyLoss.mean(model.forward(inputTensor), labels).backward();
          }
          optimizer.step();
        };
    for (int i = 0; i < 5; i++) {
      trainStep.run();
    }
    long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
    int steps = 10;
    for (int i = 0; i < steps; i++) {
      trainStep.run();
    }
    return (threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before) / steps;
  }

  @Test
  void aDivergingCompiledStepNamesTheFirstNonFiniteLayer() {
    float[] images = new float[4 * 3 * 32 * 32];
    java.util.Arrays.fill(images, 3e38f); // finite, but conv1's sums overflow
    Dataset data = Dataset.of(images, new int[] {0, 1, 2, 3}, 3, 32, 32, 10);
    Model model = new QuantModel_FloatLeNet();
    TrainingDivergedException e =
        assertThrows(
            TrainingDivergedException.class,
            () ->
                new Trainer(model, new Adam(model.parameters(), 1e-3f), TrainerConfig.of(1, 4, 0))
                    .fit(data, data));
    assertThat(e)
        .hasMessageThat()
        .contains("the first non-finite output is at layer conv1 (Conv2d)");
  }

  private static void trainBothWays(
      Supplier<Model> create, Function<Model, Optimizer> optimizerOf) {
    trainBothWays(create, optimizerOf, STEPS);
  }

  private static void trainBothWays(
      Supplier<Model> create, Function<Model, Optimizer> optimizerOf, int steps) {
    Model tape = create.get();
    Model compiled = create.get();
    assertParametersEqual("initial", tape, compiled);
    CompiledStep step = compiled.compiledStep().orElseThrow();
    Optimizer tapeOptimizer = optimizerOf.apply(tape);
    Optimizer compiledOptimizer = optimizerOf.apply(compiled);
    tape.train();
    compiled.train();
    Random rng = new Random(13);
    for (int s = 0; s < steps; s++) {
      float[] input = images(BATCH, rng);
      int[] labels = new int[BATCH];
      for (int i = 0; i < BATCH; i++) {
        labels[i] = rng.nextInt(10);
      }
      tape.zeroGrad();
      Tensor logits = tape.forward(Tensor.of(input, BATCH, 3, 32, 32));
      Tensor loss = CrossEntropyLoss.mean(logits, labels);
      loss.backward();
      tapeOptimizer.step();

      compiled.zeroGrad();
      float[] compiledLogits = step.forward(input, BATCH);
      assertEqual("logits at step " + s, logits.data(), compiledLogits);
      float compiledLoss = step.loss(labels);
      if (compiledLoss != loss.item()) {
        fail("loss at step " + s + ": tape " + loss.item() + ", compiled " + compiledLoss);
      }
      step.backward();
      List<Parameter> tapeParameters = tape.parameters();
      List<Parameter> compiledParameters = compiled.parameters();
      for (int p = 0; p < tapeParameters.size(); p++) {
        assertEqual(
            "gradient of " + tapeParameters.get(p).name() + " at step " + s,
            tapeParameters.get(p).gradData(),
            compiledParameters.get(p).gradData());
      }
      compiledOptimizer.step();
      assertParametersEqual("after step " + s, tape, compiled);
      assertQuantizerStatesEqual("after step " + s, tape, compiled);
    }
  }

  private static void assertParametersEqual(String when, Model a, Model b) {
    List<Parameter> pa = a.parameters();
    List<Parameter> pb = b.parameters();
    assertThat(pb.size()).isEqualTo(pa.size());
    for (int p = 0; p < pa.size(); p++) {
      assertEqual(pa.get(p).name() + " " + when, pa.get(p).data(), pb.get(p).data());
    }
  }

  /**
   * Every activation quantizer's running statistic, counter, learned value and current eval scale,
   * and every weight quantizer's scale.
   */
  private static void assertQuantizerStatesEqual(String when, Model a, Model b) {
    List<ActQuantizer> qas = activationQuantizers(a);
    List<ActQuantizer> qbs = activationQuantizers(b);
    assertThat(qbs.size()).isEqualTo(qas.size());
    for (int i = 0; i < qas.size(); i++) {
      ActQuantizer qa = qas.get(i);
      ActQuantizer qb = qbs.get(i);
      String name = qa.value().name() + " " + when;
      assertThat(qb.counter()).isEqualTo(qa.counter());
      if (qa.buffer() != qb.buffer()) {
        fail(name + ": running statistic tape " + qa.buffer() + ", compiled " + qb.buffer());
      }
      assertEqual(name + " learned value", qa.value().data(), qb.value().data());
      assertEqual(name + " eval scale", qa.evalScale().data(), qb.evalScale().data());
    }
    for (int i = 0; i < a.layers().size(); i++) {
      if (a.layers().get(i) instanceof QuantWeightLayer wa
          && b.layers().get(i) instanceof QuantWeightLayer wb) {
        assertEqual(
            wa.name() + " weight scale " + when,
            wa.weightQuantizer().scale(wa.weight()).data(),
            wb.weightQuantizer().scale(wb.weight()).data());
      }
    }
  }

  /** Exact equality value by value ({@code ==}, so 0 equals -0 and a NaN never passes). */
  static void assertEqual(String what, float[] expected, float[] actual) {
    if (expected == null && actual == null) {
      return; // e.g. no gradient reached a quantizer's parameter during its statistics steps, on
      // either path
    }
    if (expected == null || actual == null) {
      fail(what + ": missing (" + (expected == null ? "tape" : "compiled") + ")");
    }
    assertThat(actual.length).isAtLeast(expected.length);
    for (int i = 0; i < expected.length; i++) {
      if (expected[i] != actual[i]) {
        fail(what + " differs at " + i + ": tape " + expected[i] + ", compiled " + actual[i]);
      }
    }
  }
}
