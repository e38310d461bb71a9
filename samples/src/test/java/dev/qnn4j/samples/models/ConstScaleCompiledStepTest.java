package dev.qnn4j.samples.models;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static dev.qnn4j.samples.models.CompiledStepFixtures.gaussian;
import static dev.qnn4j.samples.models.CompiledStepFixtures.onTheTape;
import static dev.qnn4j.samples.models.ResidualCompiledStepTest.assertStatesEqual;
import static dev.qnn4j.samples.models.ResidualCompiledStepTest.evaluateBothWays;
import static dev.qnn4j.samples.models.ResidualCompiledStepTest.trainBothWays;

import dev.qnn4j.runtime.Parameter;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.graph.Calibration;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.nn.Module;
import dev.qnn4j.runtime.nn.QuantActivation;
import dev.qnn4j.runtime.quant.ScalingImpl;
import dev.qnn4j.runtime.train.Adam;
import dev.qnn4j.runtime.train.Sgd;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link ConstScaleNet} (constant, power-of-two constant and narrow-range quantizers, as bnn_pynq's
 * 2-bit models use) and {@link BinaryNet} (their 1-bit quantizers) through their compiled steps and
 * on the tape: exactly equal ({@code ==}) logits, loss, every gradient, every parameter and
 * quantizer state, step after step, then in evaluation and after calibration.
 */
class ConstScaleCompiledStepTest {
  private static final int BATCH = 8;

  @Test
  void compilesWithConstantScales() {
    Model model = create();
    assertThat(model.compiledStep()).isPresent();
    // conv1 is not degenerate: its quantized weights take every level of -1..1.
    float[] w =
        model.parameters().stream()
            .filter(p -> p.name().equals("conv1.weight"))
            .findFirst()
            .orElseThrow()
            .data();
    java.util.Set<Float> levels = new java.util.HashSet<>();
    for (float v : w) {
      levels.add((float) Math.max(-1, Math.min(1, Math.rint(v))) + 0f);
    }
    assertThat(levels).containsExactly(-1f, 0f, 1f);
    int constant = 0;
    for (Module layer : model.layers()) {
      if (layer instanceof QuantActivation a
          && a.quantizer().config().scaling() == ScalingImpl.CONST) {
        constant++;
      }
    }
    assertThat(constant).isEqualTo(2);
  }

  /** bnn_pynq's binary weights and activations, with Adam. */
  @Test
  void binaryNetTrainsBitIdenticallyWithAdamThenEvaluates() {
    Model tape = onTheTape(create(true));
    Model compiled = create(true);
    assertThat(compiled.compiledStep()).isPresent();
    trainBothWays(tape, compiled, m -> new Adam(m.parameters(), 1e-2f), 20);
    evaluateBothWays(tape, compiled);
  }

  /**
   * Steps 291 to 310: relu1 (statistics, narrow range) and act2 (power of two) cross to their
   * learned scales.
   */
  @Test
  void trainsBitIdenticallyWithAdamAcrossTheBoundaryThenEvaluates() {
    Model tape = onTheTape(atStep290(create()));
    Model compiled = atStep290(create());
    trainBothWays(tape, compiled, m -> new Adam(m.parameters(), 1e-2f), 20);
    for (Module layer : compiled.layers()) {
      if (layer instanceof QuantActivation a
          && a.quantizer().config().scaling() == ScalingImpl.STATS) {
        assertWithMessage(a.name()).that(a.quantizer().counter()).isGreaterThan(300L);
      }
    }
    evaluateBothWays(tape, compiled);
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void trainsBitIdenticallyWithSgdFromScratch(boolean binary) {
    trainBothWays(
        onTheTape(create(binary)),
        create(binary),
        m -> new Sgd(m.parameters(), 0.05f, 0.9f, 1e-4f),
        10);
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void evaluatesAnUntrainedModelBitIdentically(boolean binary) {
    evaluateBothWays(onTheTape(create(binary)), create(binary));
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void calibratesBitIdenticallyThenTrains(boolean binary) {
    Model tape = onTheTape(create(binary));
    Model compiled = create(binary);
    Random rng = new Random(3);
    List<Tensor> batches =
        List.of(
            Tensor.of(gaussian(BATCH * 144, rng), BATCH, 1, 12, 12),
            Tensor.of(gaussian(BATCH * 144, rng), BATCH, 1, 12, 12));
    for (Model m : List.of(tape, compiled)) {
      m.eval();
      Calibration.calibrate(m, batches);
    }
    assertStatesEqual("after calibration", tape, compiled);
    evaluateBothWays(tape, compiled);
    trainBothWays(tape, compiled, m -> new Adam(m.parameters(), 1e-2f), 3);
  }

  /**
   * A fresh model whose conv1 weights (constant scale 1, integers -1..1) spread over [-2, 2], so
   * that they quantize to every level and some clamp, rather than all rounding to 0.
   */
  private static Model create() {
    return create(false);
  }

  /** {@link BinaryNet} when {@code binary}, else {@link #create()}. */
  private static Model create(boolean binary) {
    if (binary) {
      return new QuantModel_BinaryNet();
    }
    Model model = new QuantModel_ConstScaleNet();
    for (Parameter p : model.parameters()) {
      if (p.name().equals("conv1.weight")) {
        float[] w = p.data().clone();
        for (int i = 0; i < w.length; i++) {
          w[i] *= 6f;
        }
        p.set(w);
      }
    }
    return model;
  }

  private static Model atStep290(Model model) {
    for (Module layer : model.layers()) {
      if (layer instanceof QuantActivation a
          && a.quantizer().config().scaling() == ScalingImpl.STATS) {
        a.quantizer().restoreState(290, a.quantizer().collectStatsSteps(), 1.5f, 1f);
      }
    }
    return model;
  }
}
