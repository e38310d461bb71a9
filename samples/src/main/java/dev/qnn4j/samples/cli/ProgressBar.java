package dev.qnn4j.samples.cli;

import dev.qnn4j.runtime.train.EpochMetrics;
import dev.qnn4j.runtime.train.StepMetrics;
import dev.qnn4j.runtime.train.TrainingDivergedException;
import dev.qnn4j.runtime.train.TrainingListener;
import dev.qnn4j.runtime.train.TrainingState;
import java.io.PrintStream;
import java.util.Locale;

/**
 * Console progress for {@link Trainer}. On a terminal, one line per epoch is redrawn in place
 * ({@code \r}):
 *
 * <pre>
 * epoch 2/10 [==========>         ] 250/469  1843 img/s  loss 0.4321
 * </pre>
 *
 * showing the epoch, the batch, a bar, the throughput and the epoch's running mean loss. Without a
 * terminal ({@link System#console()} is null, e.g. CI logs) the same text is printed as plain lines
 * a few times per epoch instead, so logs stay short and readable. After each epoch a summary line
 * with the test results follows.
 */
final class ProgressBar implements TrainingListener {
  private static final int BAR_WIDTH = 20;

  /** Redrawing more often than this only costs time; the eye cannot follow it. */
  private static final long REDRAW_NANOS = 100_000_000L;

  private final PrintStream out;
  private final boolean interactive;
  private final int linesPerEpoch;
  private int drawnLength;
  private long lastDraw;

  /**
   * @param interactive redraw one line with {@code \r}; otherwise print plain lines
   * @param linesPerEpoch how many plain lines an epoch prints when not interactive
   */
  public ProgressBar(PrintStream out, boolean interactive, int linesPerEpoch) {
    if (linesPerEpoch < 1) {
      throw new IllegalArgumentException("linesPerEpoch must be positive, got " + linesPerEpoch);
    }
    this.out = out;
    this.interactive = interactive;
    this.linesPerEpoch = linesPerEpoch;
  }

  /** On {@code System.out}: interactive if there is a console, else 10 plain lines per epoch. */
  public static ProgressBar forConsole() {
    return new ProgressBar(System.out, System.console() != null, 10);
  }

  @Override
  public void onStep(StepMetrics m) {
    boolean last = m.batch() == m.batchesPerEpoch();
    if (interactive) {
      long now = System.nanoTime();
      if (m.batch() == 1 || last || now - lastDraw >= REDRAW_NANOS) {
        String line = line(m);
        // Pad with spaces so a shorter line fully covers the previous one.
        out.print("\r" + line + " ".repeat(Math.max(0, drawnLength - line.length())));
        out.flush();
        drawnLength = line.length();
        lastDraw = now;
      }
    } else {
      int every = Math.max(1, (m.batchesPerEpoch() + linesPerEpoch - 1) / linesPerEpoch);
      if (m.batch() % every == 0 || last) {
        out.println(line(m));
      }
    }
  }

  @Override
  public void onEpoch(EpochMetrics m) {
    endLine();
    out.println(summary(m));
    out.flush();
  }

  @Override
  public void onEnd(TrainingState state) {
    endLine();
    out.flush();
  }

  @Override
  public void onDiverged(TrainingDivergedException e) {
    // The error message printed next starts on a line of its own.
    endLine();
    out.flush();
  }

  private void endLine() {
    if (drawnLength > 0) {
      out.println();
      drawnLength = 0;
    }
  }

  /** The progress text for one step, without control characters. */
  static String line(StepMetrics m) {
    int total = m.batchesPerEpoch();
    int filled = total == 0 ? BAR_WIDTH : (int) ((long) BAR_WIDTH * m.batch() / total);
    StringBuilder bar = new StringBuilder(BAR_WIDTH + 2).append('[');
    for (int i = 0; i < BAR_WIDTH; i++) {
      bar.append(i < filled ? '=' : i == filled ? '>' : ' ');
    }
    bar.append(']');
    int digits = Integer.toString(total).length();
    return String.format(
        Locale.ROOT,
        "epoch %d/%d %s %" + digits + "d/%d  %.0f img/s  loss %.4f",
        m.epoch(),
        m.epochs(),
        bar,
        m.batch(),
        total,
        m.imagesPerSecond(),
        m.runningLoss());
  }

  /** The end-of-epoch line. */
  static String summary(EpochMetrics m) {
    StringBuilder sb =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "epoch %d/%d done: train loss %.4f, train acc %.2f%%",
                m.epoch(),
                m.epochs(),
                m.trainLoss(),
                100 * m.trainAccuracy()));
    if (m.test() != null) {
      sb.append(
          String.format(
              Locale.ROOT,
              ", test acc %.2f%%, test loss %.4f",
              100 * m.test().accuracy(),
              m.test().loss()));
    }
    return sb.append(String.format(Locale.ROOT, " (%.1f s)", m.seconds())).toString();
  }
}
