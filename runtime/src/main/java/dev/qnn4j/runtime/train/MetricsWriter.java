package dev.qnn4j.runtime.train;

import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Writes training metrics as JSON lines, one object per line, flushed as soon as it is written so
 * that a crashed or running job's file is readable up to the last step:
 *
 * <pre>
 * {"event":"step","step":1,"epoch":1,"batch":1,"loss":2.31,"lr":0.001,"images_per_s":850.2,"elapsed_s":0.08}
 * {"event":"epoch","epoch":1,"step":469,"train_loss":0.61,"train_accuracy":0.78,"test_accuracy":0.85,"test_loss":0.42,"seconds":31.5}
 * </pre>
 *
 * Epochs are 1-based. Values that are not finite are written as {@code null} (JSON has no NaN);
 * {@code test_accuracy} and {@code test_loss} are null when the run has no test set.
 */
public final class MetricsWriter implements TrainingListener, Closeable {
  private final Path file;
  private final BufferedWriter out;

  /**
   * Opens {@code file}, appending to it (a resumed run continues its log) or replacing it.
   *
   * @throws IOException naming the file if it cannot be opened
   */
  public MetricsWriter(Path file, boolean append) throws IOException {
    this.file = file;
    this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
        StandardOpenOption.WRITE, append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING);
  }

  @Override
  public void onStep(StepMetrics m) {
    JsonObject o = new JsonObject();
    o.addProperty("event", "step");
    o.addProperty("step", m.step());
    o.addProperty("epoch", m.epoch());
    o.addProperty("batch", m.batch());
    o.add("loss", number(m.loss()));
    o.add("lr", number(m.lr()));
    o.add("images_per_s", number(round(m.imagesPerSecond(), 1)));
    o.add("elapsed_s", number(round(m.elapsedSeconds(), 3)));
    write(o);
  }

  @Override
  public void onEpoch(EpochMetrics m) {
    JsonObject o = new JsonObject();
    o.addProperty("event", "epoch");
    o.addProperty("epoch", m.epoch());
    o.addProperty("step", m.step());
    o.add("train_loss", number(m.trainLoss()));
    o.add("train_accuracy", number(m.trainAccuracy()));
    o.add("test_accuracy", m.test() == null ? JsonNull.INSTANCE : number(m.test().accuracy()));
    o.add("test_loss", m.test() == null ? JsonNull.INSTANCE : number(m.test().loss()));
    o.add("seconds", number(round(m.seconds(), 3)));
    write(o);
  }

  private void write(JsonObject o) {
    try {
      out.write(o.toString());
      out.newLine();
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write metrics to " + file + ": " + e.getMessage(), e);
    }
  }

  private static com.google.gson.JsonElement number(double v) {
    return Double.isFinite(v) ? new JsonPrimitive(v) : JsonNull.INSTANCE;
  }

  private static com.google.gson.JsonElement number(float v) {
    // Through Float so the line shows the float's shortest form (2.3025851), not its double expansion.
    return Float.isFinite(v) ? new JsonPrimitive(v) : JsonNull.INSTANCE;
  }

  private static double round(double v, int decimals) {
    double f = Math.pow(10, decimals);
    return Math.round(v * f) / f;
  }

  @Override
  public void close() throws IOException {
    out.close();
  }
}
