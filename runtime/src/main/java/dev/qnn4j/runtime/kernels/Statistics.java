package dev.qnn4j.runtime.kernels;

/** The statistics Brevitas derives scales from: absolute maximum and absolute percentile. */
public final class Statistics {
  private Statistics() {}

  /** max |x| over {@code x}. */
  public static float absMax(float[] x) {
    float m = 0f;
    for (float v : x) {
      float a = Math.abs(v);
      if (a > m || Float.isNaN(a)) {
        m = a;
      }
    }
    return m;
  }

  /**
   * Gradient of {@code max |x|}: PyTorch's full reduction splits the upstream gradient evenly among
   * all elements attaining the maximum, times the sign of each (the derivative of abs, 0 at 0).
   */
  public static void absMaxBackward(float[] x, float max, float grad, float[] gradX) {
    int ties = 0;
    for (float v : x) {
      if (Math.abs(v) == max) {
        ties++;
      }
    }
    float share = grad / ties;
    for (int i = 0; i < x.length; i++) {
      if (Math.abs(x[i]) == max) {
        gradX[i] += share * Math.signum(x[i]);
      }
    }
  }

  /** max |x| over each of {@code rows} contiguous rows (per output channel). */
  public static float[] absMaxPerRow(float[] x, int rows) {
    float[] m = new float[rows];
    absMaxPerRow(x, rows, m);
    return m;
  }

  /** {@link #absMaxPerRow(float[], int)} into the first {@code rows} values of {@code m}. */
  public static void absMaxPerRow(float[] x, int rows, float[] m) {
    int cols = x.length / rows;
    for (int r = 0; r < rows; r++) {
      float best = 0f;
      for (int j = r * cols; j < (r + 1) * cols; j++) {
        float a = Math.abs(x[j]);
        if (a > best || Float.isNaN(a)) {
          best = a;
        }
      }
      m[r] = best;
    }
  }

  /** Gradient of the per-row max: to the first maximal element of each row, as torch.max(dim). */
  public static void absMaxPerRowBackward(float[] x, float[] max, float[] grad, float[] gradX) {
    int rows = max.length;
    int cols = x.length / rows;
    for (int r = 0; r < rows; r++) {
      for (int j = r * cols; j < (r + 1) * cols; j++) {
        if (Math.abs(x[j]) == max[r]) {
          gradX[j] += grad[r] * Math.signum(x[j]);
          break;
        }
      }
    }
  }

  /**
   * Brevitas' {@code AbsPercentile}: the k-th smallest |x| with {@code k = floor(0.01 * q * n +
   * 0.5)} (1-based, at least 1), computed as Brevitas computes it in double precision.
   */
  public static int percentileRank(double q, long n) {
    int k = (int) Math.floor(.01 * q * n + 0.5);
    return Math.max(1, Math.min((int) n, k));
  }

  /**
   * Index of the k-th smallest |x| (1-based k); ties resolve to the lowest index. If {@code x}
   * contains NaN, the index of the first NaN: like the maximum, the percentile of data with NaN is
   * NaN (so a diverging training run ends with a NaN loss, not a failed selection).
   */
  public static int kthSmallestAbsIndex(float[] x, int k) {
    int n = x.length;
    int fromTop = n - k + 1;
    if (fromTop <= 64) {
      // High percentiles (Brevitas' 99.999) need one of the few largest: one pass per core keeps
      // each core's largest and finds its first NaN; the cores' results then merge in order.
      int chunks = Parallel.chunks(n, 1);
      float[][] tops = new float[chunks][];
      int[] firstNaN = new int[chunks];
      Parallel.forRange(
          n,
          1,
          (chunk, from, to) -> {
            float[] top = new float[fromTop];
            firstNaN[chunk] = largestAbs(x, from, to, top);
            tops[chunk] = top;
          });
      for (int c = 0; c < chunks; c++) {
        if (firstNaN[c] >= 0) {
          return firstNaN[c];
        }
      }
      float[] merged = tops[0];
      for (int c = 1; c < chunks; c++) {
        merged = mergeLargest(merged, tops[c]);
      }
      return indexOfValue(x, merged[fromTop - 1]);
    }
    for (int i = 0; i < n; i++) {
      if (x[i] != x[i]) {
        return i;
      }
    }
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = Math.abs(x[i]);
    }
    return indexOfValue(x, select(a, k - 1));
  }

  /** The lowest index whose |x| equals {@code absValue}, each core searching its own part. */
  private static int indexOfValue(float[] x, float absValue) {
    int chunks = Parallel.chunks(x.length, 1);
    int[] found = new int[chunks];
    Parallel.forRange(
        x.length,
        1,
        (chunk, from, to) -> {
          found[chunk] = -1;
          for (int i = from; i < to; i++) {
            if (Math.abs(x[i]) == absValue) {
              found[chunk] = i;
              return;
            }
          }
        });
    for (int f : found) {
      if (f >= 0) {
        return f;
      }
    }
    throw new IllegalStateException("percentile of data containing NaN");
  }

  /**
   * Fills {@code top} (descending) with the {@code top.length} largest |x| of {@code x[from, to)},
   * -1 where there are fewer; returns the index of the first NaN met, or -1.
   */
  private static int largestAbs(float[] x, int from, int to, float[] top) {
    int m = top.length;
    java.util.Arrays.fill(top, -1f); // below any |x|
    for (int i = from; i < to; i++) {
      float a = Math.abs(x[i]);
      if (a > top[m - 1]) {
        int j = m - 1;
        while (j > 0 && top[j - 1] < a) {
          top[j] = top[j - 1];
          j--;
        }
        top[j] = a;
      } else if (a != a) {
        return i;
      }
    }
    return -1;
  }

  /** The {@code a.length} largest of two descending arrays of that length, descending. */
  private static float[] mergeLargest(float[] a, float[] b) {
    float[] out = new float[a.length];
    int i = 0;
    int j = 0;
    for (int o = 0; o < out.length; o++) {
      out[o] = a[i] >= b[j] ? a[i++] : b[j++];
    }
    return out;
  }

  /** Quickselect: the element of rank {@code k} (0-based) of {@code a}; reorders {@code a}. */
  static float select(float[] a, int k) {
    int lo = 0;
    int hi = a.length - 1;
    while (lo < hi) {
      // Median of three keeps sorted and reversed inputs linear.
      int mid = (lo + hi) >>> 1;
      float pivot = median(a[lo], a[mid], a[hi]);
      int i = lo;
      int j = hi;
      while (i <= j) {
        while (a[i] < pivot) {
          i++;
        }
        while (a[j] > pivot) {
          j--;
        }
        if (i <= j) {
          float t = a[i];
          a[i] = a[j];
          a[j] = t;
          i++;
          j--;
        }
      }
      if (k <= j) {
        hi = j;
      } else if (k >= i) {
        lo = i;
      } else {
        return a[k];
      }
    }
    return a[k];
  }

  private static float median(float a, float b, float c) {
    return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
  }
}
