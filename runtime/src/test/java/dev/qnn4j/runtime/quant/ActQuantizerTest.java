package dev.qnn4j.runtime.quant;

import static com.google.common.truth.Truth.assertThat;

import dev.qnn4j.runtime.Tensor;
import org.junit.jupiter.api.Test;

class ActQuantizerTest {
  private static Tensor batch(float scale) {
    return Tensor.of(new float[] {0.1f * scale, 0.5f * scale, 1f * scale, 2f * scale}, 1, 4);
  }

  @Test
  void calibrationThenTrainingSwitchesToTheLearnedScale() {
    ActQuantizer q = new ActQuantizer("relu.value", ActQuantConfig.unsigned(4));
    q.beginCalibration();
    q.forward(batch(1f), true);
    q.forward(batch(3f), true);
    q.endCalibration();
    float calibrated = q.evalScale().item();
    assertThat(calibrated).isWithin(1e-7f).of((2f + 6f) / 2 / 15f);
    // PTQ then QAT: the first training step initialises the parameter from the average.
    q.forward(batch(10f), true);
    assertThat(q.parameterInitialized()).isTrue();
    assertThat(q.value().item()).isEqualTo(4f);
    q.forward(batch(10f), true);
    assertThat(q.parameterInitialized()).isTrue();
    assertThat(q.counter()).isGreaterThan(q.collectStatsSteps());
    assertThat(q.evalScale().item()).isEqualTo(calibrated);
  }

  @Test
  void trainingUsesAnExponentialAverageThenTheParameter() {
    ActQuantizer q =
        new ActQuantizer(
            "relu.value",
            new ActQuantConfig(
                4,
                false,
                false,
                ScaleRestriction.FLOAT,
                2,
                ActQuantConfig.DEFAULT_PERCENTILE,
                ActQuantConfig.DEFAULT_STATS_MOMENTUM));
    assertThat(q.forward(batch(1f), true).scale().item()).isEqualTo(2f / 15f);
    assertThat(q.forward(batch(2f), true).scale().item()).isEqualTo(4f / 15f);
    assertThat(q.buffer()).isEqualTo(2f * 0.9f + 0.1f * 4f);
    assertThat(q.parameterInitialized()).isFalse();
    assertThat(q.forward(batch(5f), true).scale().item()).isEqualTo(q.buffer() / 15f);
    assertThat(q.parameterInitialized()).isTrue();
  }
}
