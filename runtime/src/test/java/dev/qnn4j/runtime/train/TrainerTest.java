package dev.qnn4j.runtime.train;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.data.Dataset;
import dev.qnn4j.runtime.io.Safetensors;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.reference.HandWiredLeNets;
import dev.qnn4j.runtime.train.TestModels.TinyQuantNet;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerTest {
  @TempDir Path dir;

  private static final Dataset TRAIN = TestModels.quadrants(64, 1, 8, 11);

  /** Every state-dict value, as raw float bits, for bit-exact comparison. */
  private static Map<String, List<Integer>> bits(Model model) {
    Map<String, List<Integer>> out = new LinkedHashMap<>();
    for (Map.Entry<String, Tensor> e : model.stateDict().entrySet()) {
      List<Integer> b = new ArrayList<>();
      for (float f : e.getValue().toFloatArray()) {
        b.add(Float.floatToRawIntBits(f));
      }
      out.put(e.getKey(), b);
    }
    return out;
  }

  private static TrainingState run(TinyQuantNet model, Optimizer opt, long maxSteps)
      throws Exception {
    TrainerConfig config = TrainerConfig.of(5, 16, 42).withMaxSteps(maxSteps);
    return new Trainer(model, opt, config).fit(TRAIN, null);
  }

  @Test
  void resumedRunIsBitIdenticalToStraightRun() throws Exception {
    // 5 + 6 steps with 4 batches per epoch: the save falls mid-epoch 2 and the run crosses the
    // quantizers' switch from statistics to learned scales (after 3 steps) and an epoch boundary.
    TinyQuantNet straight = new TinyQuantNet();
    Trainer.initialize(straight, 42);
    Adam straightAdam = new Adam(straight.parameters(), 5e-3f);
    TrainingState end = run(straight, straightAdam, 11);
    assertThat(end.step()).isEqualTo(11);

    TinyQuantNet first = new TinyQuantNet();
    Trainer.initialize(first, 42);
    Adam firstAdam = new Adam(first.parameters(), 5e-3f);
    TrainingState mid = run(first, firstAdam, 5);
    assertThat(mid.step()).isEqualTo(5);
    assertThat(mid.epoch()).isEqualTo(1);
    assertThat(mid.batchInEpoch()).isEqualTo(1);
    Path ckpt = dir.resolve("mid.safetensors");
    Checkpoint.save(ckpt, first, firstAdam, mid);

    TinyQuantNet resumed =
        new TinyQuantNet(); // different (default) initialisation: all comes from the file
    Adam resumedAdam = new Adam(resumed.parameters(), 5e-3f);
    TrainingState from = Checkpoint.load(ckpt, resumed, resumedAdam);
    TrainingState resumedEnd =
        new Trainer(resumed, resumedAdam, TrainerConfig.of(5, 16, 42).withMaxSteps(11))
            .fit(TRAIN, null, from);

    assertThat(resumedEnd.step()).isEqualTo(end.step());
    assertThat(resumedEnd.epoch()).isEqualTo(end.epoch());
    assertThat(resumedEnd.batchInEpoch()).isEqualTo(end.batchInEpoch());
    assertThat(bits(resumed)).isEqualTo(bits(straight));
    assertThat(resumedAdam.stateDict()).isEqualTo(straightAdam.stateDict());
    assertThat(ModelQuantizers.byPrefix(resumed).values().iterator().next().parameterInitialized())
        .isTrue();
  }

  @Test
  void checkpointEveryNStepsSavesMidEpochAndResumesWithTheSameEpochResults() throws Exception {
    // 4 batches per epoch, a checkpoint every 3 steps: steps 3 (mid-epoch 1), 4 (epoch end), 6, 8,
    // 9, 12.
    TinyQuantNet straight = new TinyQuantNet();
    Trainer.initialize(straight, 42);
    Adam straightAdam = new Adam(straight.parameters(), 5e-3f);
    List<EpochMetrics> straightEpochs = new ArrayList<>();
    Trainer plain = new Trainer(straight, straightAdam, TrainerConfig.of(3, 16, 42));
    plain
        .addListener(
            new TrainingListener() {
              @Override
              public void onEpoch(EpochMetrics m) {
                straightEpochs.add(m);
              }
            })
        .fit(TRAIN, null);

    Path ckpt = dir.resolve("every3.safetensors");
    TinyQuantNet first = new TinyQuantNet();
    Trainer.initialize(first, 42);
    TrainerConfig every3 = TrainerConfig.of(3, 16, 42).withCheckpoint(ckpt).withCheckpointEvery(3);
    List<Long> saved = new ArrayList<>();
    new Trainer(first, new Adam(first.parameters(), 5e-3f), every3.withMaxSteps(7))
        .addListener(
            new TrainingListener() {
              @Override
              public void onStep(StepMetrics m) {
                try {
                  if (Files.exists(ckpt)) {
                    saved.add(Long.parseLong(Safetensors.read(ckpt).metadata().get("qnn4j.step")));
                  }
                } catch (java.io.IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              }
            })
        .fit(TRAIN, null);
    // On disk when steps 4..7 end: the mid-epoch save of step 3, the epoch end (4) twice, step 6.
    assertThat(saved).containsExactly(3L, 4L, 4L, 6L).inOrder();
    Map<String, String> meta =
        Safetensors.read(ckpt).metadata(); // stopped at max-steps 7, mid-epoch 2
    assertThat(meta).containsEntry("qnn4j.step", "7");
    assertThat(meta).containsEntry("qnn4j.batch_in_epoch", "3");
    assertThat(meta).containsKey(Trainer.EPOCH_LOSS_SUM_KEY);

    TinyQuantNet resumed = new TinyQuantNet();
    Adam resumedAdam = new Adam(resumed.parameters(), 5e-3f);
    TrainingState from = Checkpoint.load(ckpt, resumed, resumedAdam);
    List<EpochMetrics> resumedEpochs = new ArrayList<>();
    TrainingState end =
        new Trainer(resumed, resumedAdam, every3)
            .addListener(
                new TrainingListener() {
                  @Override
                  public void onEpoch(EpochMetrics m) {
                    resumedEpochs.add(m);
                  }
                })
            .fit(TRAIN, null, from);
    assertThat(end.step()).isEqualTo(12);
    assertThat(bits(resumed)).isEqualTo(bits(straight));
    assertThat(resumedAdam.stateDict()).isEqualTo(straightAdam.stateDict());
    // Epoch 2 was cut at step 7; its loss and accuracy still cover all 4 of its batches.
    assertThat(resumedEpochs.get(0).epoch()).isEqualTo(2);
    assertThat(resumedEpochs.get(0).trainLoss()).isEqualTo(straightEpochs.get(1).trainLoss());
    assertThat(resumedEpochs.get(0).trainAccuracy())
        .isEqualTo(straightEpochs.get(1).trainAccuracy());
    assertThat(Safetensors.read(ckpt).metadata()).doesNotContainKey(Trainer.EPOCH_LOSS_SUM_KEY);
  }

  @Test
  void sameSeedGivesBitIdenticalRunsWithSgdMomentum() throws Exception {
    List<Map<String, List<Integer>>> results = new ArrayList<>();
    for (int run = 0; run < 2; run++) {
      TinyQuantNet model = new TinyQuantNet();
      Trainer.initialize(model, 9);
      Sgd sgd = new Sgd(model.parameters(), 0.05f, 0.9f, 5e-4f);
      new Trainer(model, sgd, TrainerConfig.of(2, 16, 9)).fit(TRAIN, null);
      results.add(bits(model));
    }
    assertThat(results.get(1)).isEqualTo(results.get(0));

    TinyQuantNet otherSeed = new TinyQuantNet();
    Trainer.initialize(otherSeed, 10);
    new Trainer(
            otherSeed,
            new Sgd(otherSeed.parameters(), 0.05f, 0.9f, 5e-4f),
            TrainerConfig.of(2, 16, 10))
        .fit(TRAIN, null);
    assertThat(bits(otherSeed)).isNotEqualTo(results.get(0));
  }

  @Test
  void oneEpochOfQatOnLeNetLearnsTheQuadrantTask() throws Exception {
    Model lenet = HandWiredLeNets.create("QuantWeightActBiasLeNet");
    Trainer.initialize(lenet, 1);
    Dataset train = TestModels.quadrants(512, 3, 32, 100);
    Dataset test = TestModels.quadrants(256, 3, 32, 200);
    EvalResult before = Evaluator.evaluate(lenet, test, 128);
    List<EpochMetrics> epochs = new ArrayList<>();
    new Trainer(lenet, new Adam(lenet.parameters(), 2e-3f), TrainerConfig.of(1, 16, 1))
        .addListener(
            new TrainingListener() {
              @Override
              public void onEpoch(EpochMetrics m) {
                epochs.add(m);
              }
            })
        .fit(train, test);
    assertThat(epochs).hasSize(1);
    EvalResult after = epochs.get(0).test();
    // Four classes: chance is 25%.
    assertThat(after.accuracy()).isGreaterThan(0.6);
    assertThat(after.accuracy()).isGreaterThan(before.accuracy());
    assertThat(after.loss()).isLessThan(before.loss());
    assertThat(after.count()).isEqualTo(256);
  }

  @Test
  void nanInputStopsBeforeTheStepAndNamesIt() throws Exception {
    // Example 40 holds a NaN; unshuffled with batches of 16 it is in batch 3: step 3.
    float[] images = TRAIN.images();
    images[40 * 64 + 5] = Float.NaN;
    Dataset poisoned = Dataset.of(images, TRAIN.labels(), 1, 8, 8, 4);
    TinyQuantNet model = new TinyQuantNet();
    Path ckpt = dir.resolve("last.safetensors");
    TrainerConfig config = TrainerConfig.of(3, 16, 5).withShuffle(false).withCheckpoint(ckpt);
    List<Long> steps = new ArrayList<>();
    AtomicReference<Map<String, List<Integer>>> afterStep2 = new AtomicReference<>();
    TrainingDivergedException e =
        assertThrows(
            TrainingDivergedException.class,
            () ->
                new Trainer(model, new Adam(model.parameters(), 1e-3f), config)
                    .addListener(
                        new TrainingListener() {
                          @Override
                          public void onStep(StepMetrics m) {
                            steps.add(m.step());
                            afterStep2.set(bits(model));
                          }
                        })
                    .fit(poisoned, null));
    assertThat(e.step()).isEqualTo(3);
    assertThat(e)
        .hasMessageThat()
        .isEqualTo(
            "training stopped at step 3 (epoch 1, batch 3 of 4): "
                + "the input contains NaN (image 8 of the batch, data set example 40); "
                + "no checkpoint was written in this run");
    assertThat(steps).containsExactly(1L, 2L);
    // Checked before the forward pass: the model is exactly as after step 2.
    assertThat(bits(model)).isEqualTo(afterStep2.get());
    assertThat(Files.exists(ckpt)).isFalse();
  }

  @Test
  void nonFiniteUpdateAfterAnEpochNamesTheStepAndKeepsTheEpochCheckpoint() throws Exception {
    TinyQuantNet model = new TinyQuantNet();
    Path ckpt = dir.resolve("epoch.safetensors");
    TrainerConfig config = TrainerConfig.of(3, 16, 5).withCheckpoint(ckpt);
    // An optimizer that blows the weights up in the first step after the first epoch (4 steps).
    Adam adam = new Adam(model.parameters(), 1e-3f);
    Optimizer exploding =
        new Optimizer() {
          int calls;

          @Override
          public List<dev.qnn4j.runtime.Parameter> parameters() {
            return adam.parameters();
          }

          @Override
          public void step() {
            adam.step();
            if (++calls == 5) {
              model.fc1.weight().set(filled(model.fc1.weight(), Float.POSITIVE_INFINITY));
            }
          }
        };
    TrainingDivergedException e =
        assertThrows(
            TrainingDivergedException.class,
            () -> new Trainer(model, exploding, config).fit(TRAIN, null));
    assertThat(e.step()).isEqualTo(5);
    assertThat(e.epoch()).isEqualTo(2);
    assertThat(e)
        .hasMessageThat()
        .startsWith(
            "training stopped at step 5 (epoch 2, batch 1 of 4): the update left"
                + " Infinity in fc1.weight");
    assertThat(e).hasMessageThat().contains("last good checkpoint is " + ckpt + " (step 4)");
    assertThat(e.lastCheckpoint()).isEqualTo(ckpt);
    assertThat(Safetensors.read(ckpt).metadata()).containsEntry("qnn4j.step", "4");
  }

  @Test
  void metricsLinesParseAndHoldStepsAndEpochResults() throws Exception {
    TinyQuantNet model = new TinyQuantNet();
    Trainer.initialize(model, 3);
    Path metrics = dir.resolve("metrics.jsonl");
    try (MetricsWriter writer = new MetricsWriter(metrics, false)) {
      new Trainer(model, new Adam(model.parameters(), 1e-2f), TrainerConfig.of(2, 16, 3))
          .addListener(writer)
          .fit(TRAIN, TestModels.quadrants(40, 1, 8, 12));
    }
    List<String> lines = Files.readAllLines(metrics, StandardCharsets.UTF_8);
    assertThat(lines).hasSize(2 * 4 + 2);
    List<JsonObject> steps = new ArrayList<>();
    List<JsonObject> epochs = new ArrayList<>();
    for (String line : lines) {
      JsonObject o = JsonParser.parseString(line).getAsJsonObject();
      (o.get("event").getAsString().equals("step") ? steps : epochs).add(o);
    }
    assertThat(steps).hasSize(8);
    for (int i = 0; i < steps.size(); i++) {
      JsonObject s = steps.get(i);
      assertThat(s.get("step").getAsLong()).isEqualTo(i + 1);
      assertThat(s.get("epoch").getAsInt()).isEqualTo(i / 4 + 1);
      assertThat(s.get("loss").getAsDouble()).isGreaterThan(0.0);
      assertThat(s.get("lr").getAsDouble()).isWithin(1e-9).of(0.01);
      assertThat(s.has("images_per_s")).isTrue();
    }
    assertThat(epochs).hasSize(2);
    JsonObject last = epochs.get(1);
    assertThat(last.get("epoch").getAsInt()).isEqualTo(2);
    assertThat(last.get("step").getAsLong()).isEqualTo(8);
    assertThat(last.get("test_accuracy").getAsDouble()).isAtLeast(0.0);
    assertThat(last.get("test_accuracy").getAsDouble()).isAtMost(1.0);
    assertThat(last.get("test_loss").getAsDouble()).isGreaterThan(0.0);
    // Written line by line: the history reads back from the file.
    TrainingHistory history = TrainingHistory.fromMetrics(metrics);
    assertThat(history.steps()).hasSize(8);
    assertThat(history.epochs().get(1).testAccuracy())
        .isEqualTo(last.get("test_accuracy").getAsDouble());
  }

  @Test
  void resumingWithAnotherSeedIsRefused() throws Exception {
    TinyQuantNet model = new TinyQuantNet();
    Trainer trainer =
        new Trainer(model, new Adam(model.parameters(), 1e-3f), TrainerConfig.of(1, 16, 1));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> trainer.fit(TRAIN, null, TrainingState.start(2, 16)));
    assertThat(e).hasMessageThat().contains("seed 2");
  }

  @Test
  void dataOfTheWrongShapeIsRefusedUpFront() {
    TinyQuantNet model = new TinyQuantNet();
    Trainer trainer =
        new Trainer(model, new Adam(model.parameters(), 1e-3f), TrainerConfig.of(1, 16, 1));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> trainer.fit(TestModels.quadrants(8, 3, 8, 1), null));
    assertThat(e).hasMessageThat().contains("TinyQuantNet expects inputs of shape [1, 8, 8]");
  }

  private static float[] filled(dev.qnn4j.runtime.Parameter p, float value) {
    float[] values = new float[(int) p.numel()];
    java.util.Arrays.fill(values, value);
    return values;
  }
}
