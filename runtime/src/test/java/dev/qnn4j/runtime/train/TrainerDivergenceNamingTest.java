package dev.qnn4j.runtime.train;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.qnn4j.runtime.data.Dataset;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.nn.WeightLayer;
import dev.qnn4j.runtime.reference.HandWiredLeNets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TrainerDivergenceNamingTest {

  @Test
  void aNonFiniteLossNamesTheFirstLayerWhoseOutputIsNotFinite() {
    Model model = HandWiredLeNets.create("QuantWeightActBiasLeNet");
    Trainer.initialize(model, 1);
    // Finite weights whose products overflow float: conv1's output is the first to hold infinities.
    WeightLayer conv1 = (WeightLayer) model.layer("conv1");
    float[] huge = new float[(int) conv1.weight().numel()];
    Arrays.fill(huge, 3e38f);
    conv1.weight().set(huge);
    Random rng = new Random(2);
    float[] images = new float[8 * 3 * 32 * 32];
    for (int i = 0; i < images.length; i++) {
      images[i] = (float) rng.nextGaussian();
    }
    Dataset data = Dataset.of(images, new int[] {0, 1, 2, 3, 4, 5, 6, 7}, 3, 32, 32, 10);
    Trainer trainer =
        new Trainer(model, new Sgd(model.parameters(), 0.01f), TrainerConfig.of(1, 8, 3));
    TrainingDivergedException e =
        assertThrows(TrainingDivergedException.class, () -> trainer.fit(data, null));
    assertThat(e).hasMessageThat().contains("training stopped at step 1");
    assertThat(e)
        .hasMessageThat()
        .contains("the first non-finite output is at layer conv1 (QuantConv2d)");
  }
}
