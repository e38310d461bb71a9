package dev.qnn4j.samples.cli;

import dev.qnn4j.runtime.train.TrainingHistory;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A plain-text table with aligned columns, for the summary at the end of a run: numeric columns are
 * right-aligned, others left-aligned, with a dashed rule under the header.
 *
 * <pre>
 * epoch  train loss  train acc  test loss  test acc  time (s)
 * -----  ----------  ---------  ---------  --------  --------
 *     1      0.6931     52.10%     0.5120    81.25%       3.2
 * </pre>
 */
final class SummaryTable {
  private static final Pattern NUMERIC =
      Pattern.compile("[-+]?[0-9][0-9.,]*(e[-+]?[0-9]+)?%?|-|n/a");

  private final List<String> headers;
  private final List<List<String>> rows = new ArrayList<>();

  public SummaryTable(String... headers) {
    if (headers.length == 0) {
      throw new IllegalArgumentException("a table needs at least one column");
    }
    this.headers = List.of(headers);
  }

  /** Appends a row; each cell is shown with {@link String#valueOf(Object)}. */
  public SummaryTable addRow(Object... cells) {
    if (cells.length != headers.size()) {
      throw new IllegalArgumentException(
          "a row of this table needs " + headers.size() + " cells, got " + cells.length);
    }
    List<String> row = new ArrayList<>();
    for (Object c : cells) {
      row.add(String.valueOf(c));
    }
    rows.add(row);
    return this;
  }

  /** The table, one line per row, each ending with a newline. */
  public String render() {
    int n = headers.size();
    int[] width = new int[n];
    boolean[] right = new boolean[n];
    for (int c = 0; c < n; c++) {
      width[c] = headers.get(c).length();
      right[c] = !rows.isEmpty();
      for (List<String> row : rows) {
        width[c] = Math.max(width[c], row.get(c).length());
        right[c] &= NUMERIC.matcher(row.get(c)).matches();
      }
    }
    StringBuilder sb = new StringBuilder();
    appendRow(sb, headers, width, right);
    List<String> rule = new ArrayList<>();
    for (int c = 0; c < n; c++) {
      rule.add("-".repeat(width[c]));
    }
    appendRow(sb, rule, width, right);
    for (List<String> row : rows) {
      appendRow(sb, row, width, right);
    }
    return sb.toString();
  }

  public void print(PrintStream out) {
    out.print(render());
    out.flush();
  }

  private static void appendRow(
      StringBuilder sb, List<String> cells, int[] width, boolean[] right) {
    StringBuilder line = new StringBuilder();
    for (int c = 0; c < cells.size(); c++) {
      String cell = cells.get(c);
      String pad = " ".repeat(width[c] - cell.length());
      if (c > 0) {
        line.append("  ");
      }
      line.append(right[c] ? pad + cell : cell + pad);
    }
    sb.append(line.toString().stripTrailing()).append('\n');
  }

  /**
   * One row per epoch: epoch, train loss/accuracy, test loss/accuracy ("-" without a test set),
   * time.
   */
  public static SummaryTable ofEpochs(List<TrainingHistory.EpochResult> epochs) {
    SummaryTable t =
        new SummaryTable(
            "epoch", "step", "train loss", "train acc", "test loss", "test acc", "time (s)");
    for (TrainingHistory.EpochResult e : epochs) {
      t.addRow(
          e.epoch(),
          e.step(),
          fixed(e.trainLoss(), 4),
          percent(e.trainAccuracy()),
          fixed(e.testLoss(), 4),
          percent(e.testAccuracy()),
          fixed(e.seconds(), 1));
    }
    return t;
  }

  private static String fixed(double v, int decimals) {
    return Double.isFinite(v) ? String.format(Locale.ROOT, "%." + decimals + "f", v) : "-";
  }

  private static String percent(double v) {
    return Double.isFinite(v) ? String.format(Locale.ROOT, "%.2f%%", 100 * v) : "-";
  }
}
