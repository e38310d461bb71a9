package dev.qnn4j.samples.cli;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.qnn4j.runtime.train.EpochMetrics;
import dev.qnn4j.runtime.train.EvalResult;
import dev.qnn4j.runtime.train.Sgd;
import dev.qnn4j.runtime.train.StepMetrics;
import dev.qnn4j.runtime.train.Trainer;
import dev.qnn4j.runtime.train.TrainerConfig;
import dev.qnn4j.runtime.train.TrainingDivergedException;
import dev.qnn4j.runtime.train.TrainingHistory;
import dev.qnn4j.runtime.train.TrainingState;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProgressAndCurveTest {
  @TempDir Path dir;

  private static StepMetrics step(int batch, int total) {
    return new StepMetrics(batch, 1, 2, batch, total, 32, 0.5f, 0.61234, 0.8, 1e-3f, 1234.4, 1.0);
  }

  private static EpochMetrics epoch(int e, double testAcc) {
    return new EpochMetrics(
        e, 2, 100L * e, 0.5 / e, 0.8, new EvalResult(testAcc, 0.3 / e, 0, 100), 12.34);
  }

  @Test
  void plainModePrintsAFewLinesPerEpochWithoutCarriageReturns() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ProgressBar bar =
        new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), false, 4);
    for (int b = 1; b <= 10; b++) {
      bar.onStep(step(b, 10));
    }
    bar.onEpoch(epoch(1, 0.9123));
    String out = bytes.toString(StandardCharsets.UTF_8);
    assertThat(out).doesNotContain("\r");
    List<String> lines = out.lines().toList();
    // Every ceil(10 / 4) = 3 batches, plus the last: 3, 6, 9, 10; then the summary.
    assertThat(lines).hasSize(5);
    assertThat(lines.get(0))
        .isEqualTo("epoch 1/2 [======>             ]  3/10  1234 img/s  loss 0.6123");
    assertThat(lines.get(3))
        .isEqualTo("epoch 1/2 [====================] 10/10  1234 img/s  loss 0.6123");
    assertThat(lines.get(4))
        .isEqualTo(
            "epoch 1/2 done: train loss 0.5000, train acc 80.00%, test acc 91.23%, test loss 0.3000 (12.3 s)");
  }

  @Test
  void interactiveModeRedrawsOneLine() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ProgressBar bar =
        new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), true, 10);
    bar.onStep(step(1, 3));
    bar.onStep(step(3, 3));
    bar.onEnd(TrainingState.start(0, 32));
    String out = bytes.toString(StandardCharsets.UTF_8);
    assertThat(out).startsWith("\repoch 1/2 [======>             ] 1/3");
    assertThat(out).contains("\repoch 1/2 [====================] 3/3");
    assertThat(out).endsWith(System.lineSeparator());
    assertThat(out.chars().filter(c -> c == '\n').count()).isEqualTo(1);
  }

  @Test
  void divergenceEndsTheRedrawnLineSoTheErrorStartsOnItsOwn() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ProgressBar bar =
        new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), true, 10);
    dev.qnn4j.runtime.train.TestModels.TinyQuantNet model =
        new dev.qnn4j.runtime.train.TestModels.TinyQuantNet();
    float[] nan = new float[(int) model.fc1.weight().numel()];
    java.util.Arrays.fill(nan, Float.NaN);
    model.fc1.weight().set(nan);
    assertThrows(
        TrainingDivergedException.class,
        () ->
            new Trainer(model, new Sgd(model.parameters(), 0.1f), TrainerConfig.of(1, 16, 1))
                .addListener(bar)
                .fit(dev.qnn4j.runtime.train.TestModels.quadrants(32, 1, 8, 1), null));
    // Nothing was drawn (the first step failed), so nothing needs ending either.
    assertThat(bytes.toString(StandardCharsets.UTF_8)).isEmpty();

    bar.onStep(step(1, 3));
    bar.onDiverged(null);
    assertThat(bytes.toString(StandardCharsets.UTF_8)).endsWith(System.lineSeparator());
  }

  @Test
  void summaryTableAlignsColumns() {
    TrainingHistory h = new TrainingHistory();
    h.onEpoch(epoch(1, 0.5));
    h.onEpoch(epoch(10, 0.987));
    h.onEpoch(new EpochMetrics(11, 11, 1100, 0.01, 1.0, null, 100.0));
    String table = SummaryTable.ofEpochs(h.epochs()).render();
    List<String> lines = table.lines().toList();
    assertThat(lines.get(0))
        .isEqualTo("epoch  step  train loss  train acc  test loss  test acc  time (s)");
    assertThat(lines.get(1))
        .isEqualTo("-----  ----  ----------  ---------  ---------  --------  --------");
    assertThat(lines.get(2))
        .isEqualTo("    1   100      0.5000     80.00%     0.3000    50.00%      12.3");
    assertThat(lines.get(3))
        .isEqualTo("   10  1000      0.0500     80.00%     0.0300    98.70%      12.3");
    assertThat(lines.get(4))
        .isEqualTo("   11  1100      0.0100    100.00%          -         -     100.0");

    String text = new SummaryTable("layer", "bits").addRow("conv1", 4).addRow("fc", 8).render();
    assertThat(text).isEqualTo("layer  bits\n-----  ----\nconv1     4\nfc        8\n");
  }

  @Test
  void trainingCurveIsAReadablePngWithContent() throws Exception {
    TrainingHistory h = new TrainingHistory();
    for (int s = 1; s <= 200; s++) {
      h.onStep(
          new StepMetrics(
              s,
              1 + (s - 1) / 50,
              4,
              1 + (s - 1) % 50,
              50,
              32,
              (float) (2.3 * Math.exp(-s / 60.0) + 0.1 * Math.sin(s)),
              0,
              0,
              1e-3f,
              0,
              0));
    }
    for (int e = 1; e <= 4; e++) {
      h.onEpoch(epoch(e, 0.6 + 0.08 * e));
    }
    Path png = dir.resolve("curve.png");
    TrainingCurve.write(png, h, 800, 600);
    BufferedImage image = ImageIO.read(png.toFile());
    assertThat(image).isNotNull();
    assertThat(image.getWidth()).isEqualTo(800);
    assertThat(image.getHeight()).isEqualTo(600);
    // The loss chart fills the upper half: its smoothed line (dark blue) is drawn there, and the
    // accuracy line (red) is not; the lower half is the other way round.
    Set<Integer> upper = colors(image, 0, 300);
    Set<Integer> lower = colors(image, 300, 600);
    assertThat(upper).contains(TrainingCurve.SMOOTH.getRGB() & 0xFFFFFF);
    assertThat(upper).doesNotContain(TrainingCurve.ACCURACY.getRGB() & 0xFFFFFF);
    assertThat(lower).contains(TrainingCurve.ACCURACY.getRGB() & 0xFFFFFF);
    assertThat(lower).doesNotContain(TrainingCurve.SMOOTH.getRGB() & 0xFFFFFF);
    // Lines, axes and labels, not a blank canvas.
    assertThat(nonWhite(image, 0, 300)).isGreaterThan(2000);
    assertThat(nonWhite(image, 300, 600)).isGreaterThan(1000);
    // No temporary file left behind by the atomic write.
    try (var files = Files.list(dir)) {
      assertThat(files.toList()).containsExactly(png);
    }
  }

  @Test
  void chartsCarryTheSeriesAndLabelsOfTheRun() {
    TrainingHistory h = new TrainingHistory();
    for (int s = 1; s <= 20; s++) {
      h.onStep(new StepMetrics(s, 1, 1, s, 20, 32, 2f / s, 0, 0, 1e-3f, 0, 0));
    }
    h.onEpoch(epoch(1, 0.75));
    var loss = TrainingCurve.lossChart(h.steps(), 800, 300);
    assertThat(loss.getTitle()).isEqualTo("Training loss");
    assertThat(loss.getXAxisTitle()).isEqualTo("step");
    assertThat(loss.getYAxisTitle()).isEqualTo("loss");
    assertThat(loss.getSeriesMap().keySet()).containsExactly("loss per step", "smoothed").inOrder();
    assertThat(loss.getSeriesMap().get("loss per step").getYData()[19])
        .isEqualTo((double) (2f / 20));
    var accuracy = TrainingCurve.accuracyChart(h.epochs(), 800, 300);
    assertThat(accuracy.getTitle()).isEqualTo("Test accuracy");
    assertThat(accuracy.getXAxisTitle()).isEqualTo("epoch");
    assertThat(accuracy.getYAxisTitle()).isEqualTo("accuracy (%)");
    assertThat(accuracy.getSeriesMap().get("test accuracy").getYData())
        .usingExactEquality()
        .containsExactly(75.0);
  }

  @Test
  void emptyHistoryStillRendersAndSaysSo() throws Exception {
    Path png = dir.resolve("empty.png");
    TrainingCurve.write(png, new TrainingHistory());
    BufferedImage image = ImageIO.read(png.toFile());
    assertThat(image.getWidth()).isEqualTo(TrainingCurve.DEFAULT_WIDTH);
    assertThat(image.getHeight()).isEqualTo(TrainingCurve.DEFAULT_HEIGHT);
    assertThat(TrainingCurve.lossChart(List.of(), 800, 300).getTitle())
        .contains("no steps recorded");
    assertThat(TrainingCurve.accuracyChart(List.of(), 800, 300).getTitle())
        .contains("no test results recorded");
  }

  private static Set<Integer> colors(BufferedImage image, int fromY, int toY) {
    Set<Integer> colors = new HashSet<>();
    for (int y = fromY; y < toY; y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        colors.add(image.getRGB(x, y) & 0xFFFFFF);
      }
    }
    return colors;
  }

  private static int nonWhite(BufferedImage image, int fromY, int toY) {
    int n = 0;
    for (int y = fromY; y < toY; y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        if ((image.getRGB(x, y) & 0xFFFFFF) != 0xFFFFFF) {
          n++;
        }
      }
    }
    return n;
  }
}
