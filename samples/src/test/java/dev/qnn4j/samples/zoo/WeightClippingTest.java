package dev.qnn4j.samples.zoo;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.qnn4j.runtime.Parameter;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.train.WeightClipping;
import dev.qnn4j.samples.QuantModel_QuantWeightLeNet;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** bnn_pynq's weight clipping: the constant-scale quantized weights, and only those. */
class WeightClippingTest {

  @Test
  void clipsEveryConstantScaleWeightOfTheZooModelsAndNoStatisticsScaledOne() {
    Model tfc = new QuantModel_Tfc1W2A();
    WeightClipping clipping = WeightClipping.of(tfc, 1f);
    assertThat(clipping.weights().stream().map(Parameter::name))
        .containsExactly(
            "features.2.weight", "features.6.weight", "features.10.weight", "features.14.weight")
        .inOrder();
    // LeNets scale weights by their AbsMax statistics: nothing to clip.
    assertThat(WeightClipping.of(new QuantModel_QuantWeightLeNet(), 1f).weights()).isEmpty();

    Parameter w = clipping.weights().get(0);
    float[] values = new float[(int) w.numel()];
    for (int i = 0; i < values.length; i++) {
      values[i] = (i % 5 - 2) * 0.75f; // -1.5, -0.75, 0, 0.75, 1.5
    }
    w.set(values.clone());
    Parameter bnWeight =
        tfc.parameters().stream()
            .filter(p -> p.name().equals("features.3.weight"))
            .findFirst()
            .get();
    float[] bnBefore = bnWeight.toFloatArray();
    clipping.apply();
    float[] clipped = w.toFloatArray();
    assertThat(Arrays.copyOfRange(clipped, 0, 5))
        .isEqualTo(new float[] {-1f, -0.75f, 0f, 0.75f, 1f});
    assertThat(bnWeight.toFloatArray()).isEqualTo(bnBefore);
  }

  @Test
  void refusesABoundThatIsNotPositive() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> WeightClipping.of(new QuantModel_Tfc1W1A(), 0f));
    assertThat(e).hasMessageThat().contains("positive and finite, got 0.0");
  }
}
