package dev.qnn4j.runtime.train;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.qnn4j.runtime.Parameter;
import dev.qnn4j.runtime.data.BatchLoader;
import dev.qnn4j.runtime.data.Dataset;
import dev.qnn4j.runtime.train.TestModels.TinyQuantNet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class GradientAccumulationTest {
  private static final Dataset TRAIN = TestModels.quadrants(64, 1, 8, 11);

  @Test
  void boundsCutABatchIntoNearlyEqualContiguousShards() {
    assertThat(GradientShards.bounds(16, 3)).asList().containsExactly(0, 5, 10, 16).inOrder();
    assertThat(GradientShards.bounds(64, 2)).asList().containsExactly(0, 32, 64).inOrder();
    assertThat(GradientShards.bounds(2, 3)).asList().containsExactly(0, 0, 1, 2).inOrder();
    assertThrows(IllegalArgumentException.class, () -> GradientShards.bounds(16, 0));
  }

  /**
   * The shards' summed gradient is the whole batch's gradient up to float rounding; the mean of
   * shard means is not.
   */
  @Test
  void summedShardGradientsAreTheBatchGradient() {
    TinyQuantNet model = new TinyQuantNet();
    Trainer.initialize(model, 3);
    model.train();
    BatchLoader.Batch batch = new BatchLoader(TRAIN, 16, false, 0).epoch(0).iterator().next();
    // Past the 3 statistics steps, so the scales are parameters and a shard does not change them.
    for (int i = 0; i < 4; i++) {
      GradientShards.compute(model, batch.images(), batch.labels(), batch.shape(), 16);
    }
    GradientShards.Result whole =
        GradientShards.compute(model, batch.images(), batch.labels(), batch.shape(), 16);
    int[] b = GradientShards.bounds(16, 3);
    List<GradientShards.Result> shards = new ArrayList<>();
    List<GradientShards.Result> means = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      float[] x = Arrays.copyOfRange(batch.images(), b[i] * 64, b[i + 1] * 64);
      int[] y = Arrays.copyOfRange(batch.labels(), b[i], b[i + 1]);
      long[] shape = {b[i + 1] - b[i], 1, 8, 8};
      shards.add(GradientShards.compute(model, x, y, shape, 16));
      means.add(GradientShards.compute(model, x, y, shape, y.length));
    }
    GradientShards.apply(model, shards);
    float[][] summed = grads(model);
    GradientShards.apply(model, List.of(whole));
    float[][] reference = grads(model);
    GradientShards.apply(model, means);
    float[][] meanOfMeans = grads(model);
    double worst = 0;
    double wrong = 0;
    for (int p = 0; p < reference.length; p++) {
      for (int i = 0; i < reference[p].length; i++) {
        double scale = Math.max(1e-3, Math.abs(reference[p][i]));
        worst = Math.max(worst, Math.abs(summed[p][i] - reference[p][i]) / scale);
        wrong = Math.max(wrong, Math.abs(meanOfMeans[p][i] / 3 - reference[p][i]) / scale);
      }
    }
    // Only the summation order differs (per shard, then across shards): float rounding.
    assertThat(worst).isLessThan(1e-4);
    assertThat(wrong).isGreaterThan(1e-2);
    float lossSum = 0;
    for (GradientShards.Result r : shards) {
      lossSum += r.loss();
    }
    assertThat((double) lossSum).isWithin(1e-5).of(whole.loss());
  }

  @Test
  void accumulatingTrainerIsDeterministicAndCloseToWholeBatches() throws Exception {
    float[] accumulated = train(3);
    assertThat(train(3)).isEqualTo(accumulated);
    float[] whole = train(1);
    double diff = 0;
    for (int i = 0; i < whole.length; i++) {
      diff = Math.max(diff, Math.abs(whole[i] - accumulated[i]));
    }
    assertThat(diff).isLessThan(0.05);
    assertThrows(
        IllegalArgumentException.class, () -> TrainerConfig.of(1, 16, 1).withAccumulationShards(0));
  }

  private static float[] train(int shards) throws Exception {
    TinyQuantNet model = new TinyQuantNet();
    Trainer.initialize(model, 5);
    new Trainer(
            model,
            new Adam(model.parameters(), 1e-3f),
            TrainerConfig.of(1, 16, 5).withAccumulationShards(shards))
        .fit(TRAIN, null);
    return model.conv1.parameters().get(0).toFloatArray();
  }

  private static float[][] grads(TinyQuantNet model) {
    List<Parameter> ps = model.parameters();
    float[][] g = new float[ps.size()][];
    for (int i = 0; i < g.length; i++) {
      g[i] =
          ps.get(i).gradData() == null
              ? new float[(int) ps.get(i).numel()]
              : ps.get(i).gradData().clone();
    }
    return g;
  }
}
