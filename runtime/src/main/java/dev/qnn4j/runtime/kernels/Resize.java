package dev.qnn4j.runtime.kernels;

/**
 * Nearest-neighbour resizing of NCHW arrays as PyTorch's {@code interpolate(mode='nearest')}:
 * output row {@code i} reads input row {@code min(floor(i * scale), in - 1)} with the float32
 * {@code scale = in / out}. The backward step sums each output gradient into the input element it
 * read.
 */
public final class Resize {
  private Resize() {}

  /** For each output index along one dimension, the input index it reads. */
  public static int[] nearestSource(int in, int out) {
    float scale = (float) in / out;
    int[] src = new int[out];
    for (int i = 0; i < out; i++) {
      src[i] = Math.min((int) Math.floor(i * scale), in - 1);
    }
    return src;
  }

  public static float[] nearestForward(float[] x, int planes, int h, int w, int oh, int ow) {
    int[] sy = nearestSource(h, oh);
    int[] sx = nearestSource(w, ow);
    float[] out = new float[planes * oh * ow];
    for (int p = 0; p < planes; p++) {
      for (int y = 0; y < oh; y++) {
        int src = p * h * w + sy[y] * w;
        int dst = (p * oh + y) * ow;
        for (int x0 = 0; x0 < ow; x0++) {
          out[dst + x0] = x[src + sx[x0]];
        }
      }
    }
    return out;
  }

  public static float[] nearestBackward(float[] g, int planes, int h, int w, int oh, int ow) {
    int[] sy = nearestSource(h, oh);
    int[] sx = nearestSource(w, ow);
    float[] gx = new float[planes * h * w];
    for (int p = 0; p < planes; p++) {
      for (int y = 0; y < oh; y++) {
        int src = p * h * w + sy[y] * w;
        int dst = (p * oh + y) * ow;
        for (int x0 = 0; x0 < ow; x0++) {
          gx[src + sx[x0]] += g[dst + x0];
        }
      }
    }
    return gx;
  }
}
