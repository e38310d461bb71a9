package dev.qnn4j.runtime.data;

/**
 * The pixel normalisation shared by the image data sets: {@code x = p / 255} maps a byte to [0, 1],
 * then {@code (x - 0.5) / 0.5} maps it to [-1, 1] (torchvision's {@code ToTensor()} followed by
 * {@code Normalize(0.5, 0.5)}, the usual preprocessing of the Brevitas LeNet examples).
 */
final class Pixels {

  /** {@code NORMALISED[p]} is the normalised value of byte value {@code p}. */
  private static final float[] NORMALISED = new float[256];

  static {
    for (int p = 0; p < 256; p++) {
      NORMALISED[p] = normalise(p / 255f);
    }
  }

  private Pixels() {}

  /** Normalises a value already scaled to [0, 1]. */
  static float normalise(float unit) {
    return (unit - 0.5f) / 0.5f;
  }

  /** The normalised value of each byte value: the palette of a byte-coded {@link Dataset}. */
  static float[] palette() {
    return NORMALISED.clone();
  }
}
