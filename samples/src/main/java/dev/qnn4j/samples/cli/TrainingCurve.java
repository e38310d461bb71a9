package dev.qnn4j.samples.cli;

import dev.qnn4j.runtime.train.TrainingHistory;
import dev.qnn4j.runtime.io.AtomicFiles;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * Renders a run's training curves to a PNG: the training loss per step (raw, faint, and smoothed)
 * above the test accuracy per epoch, each with labelled axes and ticks. Works without a display
 * (headless AWT) and writes the file atomically.
 */
final class TrainingCurve {
  static {
    // Must be set before the first AWT class loads; a server or CI machine has no display.
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
  }

  public static final int DEFAULT_WIDTH = 900;
  public static final int DEFAULT_HEIGHT = 640;

  private static final Color RAW = new Color(0x1f77b4);
  private static final Color SMOOTH = new Color(0x1f4e8c);
  private static final Color ACCURACY = new Color(0xd62728);
  private static final Color GRID = new Color(0xe6e6e6);
  private static final Color AXIS = new Color(0x444444);
  private static final int LEFT = 78;
  private static final int RIGHT = 24;
  private static final int TOP = 34;
  private static final int BOTTOM = 48;

  private TrainingCurve() {}

  /** Writes the curves of {@code history} to {@code png} at the default size. */
  public static void write(Path png, TrainingHistory history) throws IOException {
    write(png, history, DEFAULT_WIDTH, DEFAULT_HEIGHT);
  }

  public static void write(Path png, TrainingHistory history, int width, int height) throws IOException {
    BufferedImage image = render(history, width, height);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    if (!ImageIO.write(image, "png", bytes)) {
      throw new IOException("cannot write " + png + ": this Java runtime has no PNG encoder");
    }
    AtomicFiles.write(png, out -> bytes.writeTo(out));
  }

  /** The curves as an RGB image of {@code width x height}. */
  public static BufferedImage render(TrainingHistory history, int width, int height) {
    if (width < 200 || height < 200) {
      throw new IllegalArgumentException("a training curve needs at least 200x200 pixels, got " + width + "x" + height);
    }
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, width, height);
      int half = height / 2;
      drawLoss(g, history.steps(), 0, 0, width, half);
      drawAccuracy(g, history.epochs(), 0, half, width, height - half);
    } finally {
      g.dispose();
    }
    return image;
  }

  // ------------------------------------------------------------------------------------------

  private static void drawLoss(Graphics2D g, List<TrainingHistory.StepLoss> steps, int x, int y, int w, int h) {
    int n = 0;
    for (TrainingHistory.StepLoss s : steps) {
      if (Float.isFinite(s.loss())) {
        n++;
      }
    }
    double[] xs = new double[n];
    double[] ys = new double[n];
    int i = 0;
    for (TrainingHistory.StepLoss s : steps) {
      if (Float.isFinite(s.loss())) {
        xs[i] = s.step();
        ys[i] = s.loss();
        i++;
      }
    }
    Panel p = new Panel(g, x, y, w, h, "Training loss", "step", "loss");
    if (n == 0) {
      p.empty("no steps recorded");
      return;
    }
    double yMin = Math.min(0, min(ys));
    p.axes(xs[0], Math.max(xs[n - 1], xs[0] + 1), yMin, Math.max(max(ys), yMin + 1e-6), false);
    p.line(xs, ys, new Color(RAW.getRed(), RAW.getGreen(), RAW.getBlue(), 70), 1f);
    p.line(xs, smooth(ys), SMOOTH, 2f);
    p.legend(new String[] {"loss per step", "smoothed"}, new Color[] {new Color(0xa9c8e2), SMOOTH});
  }

  private static void drawAccuracy(Graphics2D g, List<TrainingHistory.EpochResult> epochs, int x, int y, int w, int h) {
    int n = 0;
    for (TrainingHistory.EpochResult e : epochs) {
      if (Double.isFinite(e.testAccuracy())) {
        n++;
      }
    }
    double[] xs = new double[n];
    double[] ys = new double[n];
    int i = 0;
    for (TrainingHistory.EpochResult e : epochs) {
      if (Double.isFinite(e.testAccuracy())) {
        xs[i] = e.epoch();
        ys[i] = 100 * e.testAccuracy();
        i++;
      }
    }
    Panel p = new Panel(g, x, y, w, h, "Test accuracy", "epoch", "accuracy (%)");
    if (n == 0) {
      p.empty("no test results recorded");
      return;
    }
    double lo = Math.max(0, min(ys) - 5);
    double hi = Math.min(100, max(ys) + 5);
    p.axes(Math.min(xs[0], 1), Math.max(xs[n - 1], xs[0] + 1), lo, Math.max(hi, lo + 1), true);
    p.line(xs, ys, ACCURACY, 2f);
    p.points(xs, ys, ACCURACY);
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

  /**
   * Tick positions for {@code [lo, hi]}: multiples of 1, 2 or 5 times a power of ten, about {@code
   * target} of them (Heckbert's "nice numbers").
   */
  static double[] ticks(double lo, double hi, int target, boolean integers) {
    double step = niceStep((hi - lo) / Math.max(1, target));
    if (integers) {
      step = Math.max(1, Math.round(step));
    }
    double first = Math.ceil(lo / step - 1e-9) * step;
    int count = (int) Math.floor((hi - first) / step + 1e-9) + 1;
    double[] t = new double[Math.max(0, count)];
    for (int i = 0; i < t.length; i++) {
      t[i] = first + i * step;
    }
    return t;
  }

  private static double niceStep(double raw) {
    if (!(raw > 0)) {
      return 1;
    }
    double exp = Math.pow(10, Math.floor(Math.log10(raw)));
    double f = raw / exp;
    double nice = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
    return nice * exp;
  }

  private static String label(double v, double step) {
    if (Math.abs(v) < step * 1e-6) {
      v = 0;
    }
    int decimals = step >= 1 ? 0 : (int) Math.ceil(-Math.log10(step) - 1e-9);
    return String.format(Locale.ROOT, "%." + Math.min(decimals, 6) + "f", v);
  }

  private static double min(double[] v) {
    double m = Double.POSITIVE_INFINITY;
    for (double d : v) {
      m = Math.min(m, d);
    }
    return m;
  }

  private static double max(double[] v) {
    double m = Double.NEGATIVE_INFINITY;
    for (double d : v) {
      m = Math.max(m, d);
    }
    return m;
  }

  /** One chart: a titled frame with axes, mapping data coordinates to pixels. */
  private static final class Panel {
    final Graphics2D g;
    final int px;
    final int py;
    final int pw;
    final int ph;
    double x0;
    double x1;
    double y0;
    double y1;

    Panel(Graphics2D g, int x, int y, int w, int h, String title, String xLabel, String yLabel) {
      this.g = g;
      this.px = x + LEFT;
      this.py = y + TOP;
      this.pw = w - LEFT - RIGHT;
      this.ph = h - TOP - BOTTOM;
      g.setColor(AXIS);
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
      FontMetrics fm = g.getFontMetrics();
      g.drawString(title, px + (pw - fm.stringWidth(title)) / 2, y + 22);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
      fm = g.getFontMetrics();
      g.drawString(xLabel, px + (pw - fm.stringWidth(xLabel)) / 2, py + ph + 40);
      AffineTransform saved = g.getTransform();
      g.rotate(-Math.PI / 2);
      g.drawString(yLabel, -(py + (ph + fm.stringWidth(yLabel)) / 2), x + 18);
      g.setTransform(saved);
    }

    void empty(String message) {
      frame();
      g.setColor(Color.GRAY);
      FontMetrics fm = g.getFontMetrics();
      g.drawString(message, px + (pw - fm.stringWidth(message)) / 2, py + ph / 2);
    }

    void axes(double xMin, double xMax, double yMin, double yMax, boolean integerX) {
      double[] xt = ticks(xMin, xMax, 8, true);
      double[] yt = ticks(yMin, yMax, 5, false);
      // Widen the range to the outer ticks so the data sits inside labelled gridlines.
      x0 = Math.min(xMin, xt.length > 0 ? xt[0] : xMin);
      x1 = Math.max(xMax, xt.length > 0 ? xt[xt.length - 1] : xMax);
      double yStep = yt.length > 1 ? yt[1] - yt[0] : niceStep((yMax - yMin) / 5);
      y0 = Math.floor(yMin / yStep + 1e-9) * yStep;
      y1 = Math.ceil(yMax / yStep - 1e-9) * yStep;
      if (y1 <= y0) {
        y1 = y0 + yStep;
      }
      yt = ticks(y0, y1, 5, false);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
      FontMetrics fm = g.getFontMetrics();
      double xStep = xt.length > 1 ? xt[1] - xt[0] : 1;
      for (double t : xt) {
        int sx = sx(t);
        g.setColor(GRID);
        g.drawLine(sx, py, sx, py + ph);
        g.setColor(AXIS);
        g.drawLine(sx, py + ph, sx, py + ph + 5);
        String s = label(t, integerX ? Math.max(1, xStep) : xStep);
        g.drawString(s, sx - fm.stringWidth(s) / 2, py + ph + 18);
      }
      for (double t : yt) {
        int sy = sy(t);
        g.setColor(GRID);
        g.drawLine(px, sy, px + pw, sy);
        g.setColor(AXIS);
        g.drawLine(px - 5, sy, px, sy);
        String s = label(t, yStep);
        g.drawString(s, px - 8 - fm.stringWidth(s), sy + fm.getAscent() / 2 - 1);
      }
      frame();
    }

    void frame() {
      g.setColor(AXIS);
      g.setStroke(new BasicStroke(1f));
      g.drawRect(px, py, pw, ph);
    }

    void line(double[] xs, double[] ys, Color color, float width) {
      Path2D.Double path = new Path2D.Double();
      for (int i = 0; i < xs.length; i++) {
        if (i == 0) {
          path.moveTo(sxd(xs[i]), syd(ys[i]));
        } else {
          path.lineTo(sxd(xs[i]), syd(ys[i]));
        }
      }
      g.setColor(color);
      g.setStroke(new BasicStroke(width, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
      g.draw(path);
      g.setStroke(new BasicStroke(1f));
    }

    void points(double[] xs, double[] ys, Color color) {
      g.setColor(color);
      for (int i = 0; i < xs.length; i++) {
        g.fill(new Ellipse2D.Double(sxd(xs[i]) - 3.5, syd(ys[i]) - 3.5, 7, 7));
      }
    }

    void legend(String[] labels, Color[] colors) {
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
      FontMetrics fm = g.getFontMetrics();
      int lx = px + pw - 130;
      int ly = py + 16;
      for (int i = 0; i < labels.length; i++) {
        g.setColor(colors[i]);
        g.setStroke(new BasicStroke(2f));
        g.drawLine(lx, ly + i * 16 - 4, lx + 20, ly + i * 16 - 4);
        g.setColor(AXIS);
        g.drawString(labels[i], lx + 26, ly + i * 16 - 4 + fm.getAscent() / 2 - 1);
      }
      g.setStroke(new BasicStroke(1f));
    }

    double sxd(double v) {
      return px + (v - x0) / (x1 - x0) * pw;
    }

    double syd(double v) {
      return py + ph - (v - y0) / (y1 - y0) * ph;
    }

    int sx(double v) {
      return (int) Math.round(sxd(v));
    }

    int sy(double v) {
      return (int) Math.round(syd(v));
    }
  }
}
