package dev.qnn4j.samples.cli;

import dev.qnn4j.runtime.io.AtomicFiles;
import dev.qnn4j.runtime.train.TrainingHistory;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Renders a run's training curves to a PNG with XChart: the training loss per step (raw, faint, and
 * smoothed) above the test accuracy per epoch. Writes the file atomically.
 */
final class TrainingCurve {
  static final int DEFAULT_WIDTH = 900;
  static final int DEFAULT_HEIGHT = 640;

  static final Color RAW = new Color(0x1f, 0x77, 0xb4, 70);
  static final Color SMOOTH = new Color(0x1f4e8c);
  static final Color ACCURACY = new Color(0xd62728);

  private TrainingCurve() {}

  /** Writes the curves of {@code history} to {@code png} at the default size. */
  static void write(Path png, TrainingHistory history) throws IOException {
    write(png, history, DEFAULT_WIDTH, DEFAULT_HEIGHT);
  }

  static void write(Path png, TrainingHistory history, int width, int height) throws IOException {
    BufferedImage image = render(history, width, height);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    if (!ImageIO.write(image, "png", bytes)) {
      throw new IOException("cannot write " + png + ": this Java runtime has no PNG encoder");
    }
    AtomicFiles.write(png, bytes::writeTo);
  }

  /** The two charts stacked in one RGB image of {@code width x height}. */
  static BufferedImage render(TrainingHistory history, int width, int height) {
    if (width < 200 || height < 200) {
      throw new IllegalArgumentException(
          "a training curve needs at least 200x200 pixels, got " + width + "x" + height);
    }
    int half = height / 2;
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.drawImage(
          BitmapEncoder.getBufferedImage(lossChart(history.steps(), width, half)), 0, 0, null);
      g.drawImage(
          BitmapEncoder.getBufferedImage(accuracyChart(history.epochs(), width, height - half)),
          0,
          half,
          null);
    } finally {
      g.dispose();
    }
    return image;
  }

  static XYChart lossChart(List<TrainingHistory.StepLoss> steps, int width, int height) {
    List<TrainingHistory.StepLoss> finite =
        steps.stream().filter(s -> Float.isFinite(s.loss())).toList();
    double[] xs = new double[finite.size()];
    double[] ys = new double[finite.size()];
    for (int i = 0; i < xs.length; i++) {
      xs[i] = finite.get(i).step();
      ys[i] = finite.get(i).loss();
    }
    XYChart chart =
        chart(
            width,
            height,
            xs.length == 0 ? "Training loss (no steps recorded)" : "Training loss",
            "step",
            "loss");
    if (xs.length > 0) {
      line(chart, "loss per step", xs, ys, RAW, 1f);
      line(chart, "smoothed", xs, smooth(ys), SMOOTH, 2f);
      chart.getStyler().setYAxisMin(Math.min(0, min(ys)));
    }
    return chart;
  }

  static XYChart accuracyChart(List<TrainingHistory.EpochResult> epochs, int width, int height) {
    List<TrainingHistory.EpochResult> finite =
        epochs.stream().filter(e -> Double.isFinite(e.testAccuracy())).toList();
    double[] xs = new double[finite.size()];
    double[] ys = new double[finite.size()];
    for (int i = 0; i < xs.length; i++) {
      xs[i] = finite.get(i).epoch();
      ys[i] = 100 * finite.get(i).testAccuracy();
    }
    XYChart chart =
        chart(
            width,
            height,
            xs.length == 0 ? "Test accuracy (no test results recorded)" : "Test accuracy",
            "epoch",
            "accuracy (%)");
    if (xs.length > 0) {
      XYSeries s = line(chart, "test accuracy", xs, ys, ACCURACY, 2f);
      s.setMarker(SeriesMarkers.CIRCLE);
      s.setMarkerColor(ACCURACY);
      chart
          .getStyler()
          .setYAxisMin(Math.max(0, min(ys) - 5))
          .setYAxisMax(Math.min(100, max(ys) + 5))
          .setXAxisMin(Math.min(xs[0], 1))
          .setXAxisDecimalPattern("#");
    }
    return chart;
  }

  private static XYChart chart(int width, int height, String title, String xLabel, String yLabel) {
    XYChart chart =
        new XYChartBuilder()
            .width(width)
            .height(height)
            .title(title)
            .xAxisTitle(xLabel)
            .yAxisTitle(yLabel)
            .build();
    chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
    chart
        .getStyler()
        .setChartBackgroundColor(Color.WHITE)
        .setPlotBackgroundColor(Color.WHITE)
        .setLegendPosition(Styler.LegendPosition.InsideNE)
        .setMarkerSize(6)
        .setAntiAlias(true);
    return chart;
  }

  private static XYSeries line(
      XYChart chart, String name, double[] xs, double[] ys, Color color, float width) {
    XYSeries s = chart.addSeries(name, xs, ys);
    s.setLineColor(color);
    s.setLineWidth(width);
    s.setMarker(SeriesMarkers.NONE);
    return s;
  }

  /**
   * An exponential moving average with the start-up bias removed (as TensorBoard smooths), with a
   * weight that grows with the number of points so long runs are smoothed more.
   */
  static double[] smooth(double[] v) {
    double weight = Math.min(0.98, Math.max(0, 1 - 10.0 / v.length));
    double[] out = new double[v.length];
    double avg = 0;
    double norm = 0;
    for (int i = 0; i < v.length; i++) {
      avg = weight * avg + (1 - weight) * v[i];
      norm = weight * norm + (1 - weight);
      out[i] = avg / norm;
    }
    return out;
  }

  private static double min(double[] v) {
    double m = Double.POSITIVE_INFINITY;
    for (double x : v) {
      m = Math.min(m, x);
    }
    return m;
  }

  private static double max(double[] v) {
    double m = Double.NEGATIVE_INFINITY;
    for (double x : v) {
      m = Math.max(m, x);
    }
    return m;
  }
}
