package dev.qnn4j.runtime.train;

import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
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
 *
 * <p>The file only ever ends with a complete line: a line that cannot be written in full (e.g. the
 * disk is full) is cut off again, and appending to a file whose last line is incomplete (a process
 * killed by the OS mid-write) drops that fragment first.
 */
public final class MetricsWriter implements TrainingListener, Closeable {
  private final Path file;
  private final FileChannel out;

  /** The file's length up to the end of the last complete line. */
  private long complete;

  /**
   * Opens {@code file}, appending to it (a resumed run continues its log) or replacing it.
   *
   * @throws IOException naming the file if it cannot be opened
   */
  public MetricsWriter(Path file, boolean append) throws IOException {
    this.file = file;
    this.out =
        append
            ? FileChannel.open(
                file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ)
            : FileChannel.open(
                file,
                StandardOpenOption.CREATE,
                StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
    try {
      complete = append ? endOfLastLine(out) : 0;
      out.truncate(complete);
      out.position(complete);
    } catch (IOException e) {
      out.close();
      throw new IOException("cannot append metrics to " + file + ": " + e.getMessage(), e);
    }
  }

  /** The length of {@code channel}'s content up to and including its last newline (0 if none). */
  private static long endOfLastLine(FileChannel channel) throws IOException {
    long end = channel.size();
    ByteBuffer buf = ByteBuffer.allocate(4096);
    while (end > 0) {
      long start = Math.max(0, end - buf.capacity());
      buf.clear().limit((int) (end - start));
      while (buf.hasRemaining() && channel.read(buf, start + buf.position()) >= 0) {
        // read the whole chunk
      }
      for (int i = buf.position() - 1; i >= 0; i--) {
        if (buf.get(i) == '\n') {
          return start + i + 1;
        }
      }
      end = start;
    }
    return 0;
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
    ByteBuffer line = ByteBuffer.wrap((o + "\n").getBytes(StandardCharsets.UTF_8));
    try {
      while (line.hasRemaining()) {
        out.write(line);
      }
      complete += line.capacity();
    } catch (IOException e) {
      try {
        out.truncate(complete); // no partial line
      } catch (IOException truncateFailure) {
        e.addSuppressed(truncateFailure);
      }
      // The cause's message names the file (the command line reports the cause of an
      // UncheckedIOException).
      throw new UncheckedIOException(
          new IOException("cannot write metrics to " + file + ": " + e.getMessage(), e));
    }
  }

  private static com.google.gson.JsonElement number(double v) {
    return Double.isFinite(v) ? new JsonPrimitive(v) : JsonNull.INSTANCE;
  }

  private static com.google.gson.JsonElement number(float v) {
    // Through Float so the line shows the float's shortest form (2.3025851), not its double
    // expansion.
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
