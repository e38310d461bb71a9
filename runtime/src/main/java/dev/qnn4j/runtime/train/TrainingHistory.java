package dev.qnn4j.runtime.train;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.qnn4j.runtime.io.Qnn4jFormatException;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The losses and epoch results of a run, collected as a listener or read back from a {@link
 * MetricsWriter} file (so a resumed run can plot its whole history), for the command line's
 * training curve and summary table.
 */
public final class TrainingHistory implements TrainingListener {
  /** One optimizer step's loss. */
  public record StepLoss(long step, float loss) {}

  /** One epoch's results; test values are NaN without a test set. */
  public record EpochResult(
      int epoch,
      long step,
      double trainLoss,
      double trainAccuracy,
      double testAccuracy,
      double testLoss,
      double seconds) {}

  private final List<StepLoss> steps = new ArrayList<>();
  private final List<EpochResult> epochs = new ArrayList<>();

  @Override
  public void onStep(StepMetrics m) {
    steps.add(new StepLoss(m.step(), m.loss()));
  }

  @Override
  public void onEpoch(EpochMetrics m) {
    epochs.add(
        new EpochResult(
            m.epoch(),
            m.step(),
            m.trainLoss(),
            m.trainAccuracy(),
            m.test() == null ? Double.NaN : m.test().accuracy(),
            m.test() == null ? Double.NaN : m.test().loss(),
            m.seconds()));
  }

  public List<StepLoss> steps() {
    return Collections.unmodifiableList(steps);
  }

  public List<EpochResult> epochs() {
    return Collections.unmodifiableList(epochs);
  }

  /**
   * Reads a metrics file written by {@link MetricsWriter}. Lines of other events are skipped; a
   * step or epoch logged twice (a run resumed from an earlier checkpoint) keeps its last value.
   *
   * @throws Qnn4jFormatException naming the file and line if a line is not a JSON object
   */
  public static TrainingHistory fromMetrics(Path file) throws IOException {
    TrainingHistory h = new TrainingHistory();
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      int lineNumber = 0;
      while ((line = in.readLine()) != null) {
        lineNumber++;
        if (line.isBlank()) {
          continue;
        }
        JsonObject o;
        try {
          o = JsonParser.parseString(line).getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
          throw new Qnn4jFormatException(
              file.toString(), "line " + lineNumber + " is not a JSON object");
        }
        String event = o.has("event") ? o.get("event").getAsString() : "";
        if (event.equals("step")) {
          long step = o.get("step").getAsLong();
          h.steps.removeIf(s -> s.step() >= step);
          h.steps.add(new StepLoss(step, (float) number(o, "loss")));
        } else if (event.equals("epoch")) {
          int epoch = o.get("epoch").getAsInt();
          h.epochs.removeIf(e -> e.epoch() >= epoch);
          h.epochs.add(
              new EpochResult(
                  epoch,
                  o.get("step").getAsLong(),
                  number(o, "train_loss"),
                  number(o, "train_accuracy"),
                  number(o, "test_accuracy"),
                  number(o, "test_loss"),
                  number(o, "seconds")));
        }
      }
    }
    return h;
  }

  private static double number(JsonObject o, String key) {
    JsonElement e = o.get(key);
    return e == null || e.isJsonNull() ? Double.NaN : e.getAsDouble();
  }
}
