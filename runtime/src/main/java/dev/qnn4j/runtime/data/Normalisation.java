package dev.qnn4j.runtime.data;

/**
 * How the bytes of an image data set become input values. Both start with {@code x = p / 255}
 * (torchvision's {@code ToTensor()}).
 */
public enum Normalisation {
  /**
   * {@code (x - 0.5) / 0.5}, values in [-1, 1] (the LeNet examples' {@code Normalize(0.5, 0.5)});
   * the default of models that do not map their input themselves.
   */
  SYMMETRIC("symmetric", "[-1, 1]"),
  /**
   * {@code x} itself, values in [0, 1]: what the bnn_pynq zoo models take (their {@code forward}
   * maps it to [-1, 1] with {@code 2x - 1}), as Brevitas' bnn_pynq trainer feeds them.
   */
  UNIT("unit", "[0, 1]");

  private final String id;
  private final String range;

  Normalisation(String id, String range) {
    this.id = id;
    this.range = range;
  }

  /** The command line's name. */
  public String id() {
    return id;
  }

  /** A short description: the name and the value range. */
  public String describe() {
    return id + " " + range;
  }

  /** The value of each byte value {@code p}. */
  float[] palette() {
    if (this == SYMMETRIC) {
      return Pixels.palette();
    }
    float[] out = new float[256];
    for (int p = 0; p < 256; p++) {
      out[p] = p / 255f;
    }
    return out;
  }

  /** The normalisation named {@code id}, or null. */
  public static Normalisation byId(String id) {
    for (Normalisation n : values()) {
      if (n.id.equals(id)) {
        return n;
      }
    }
    return null;
  }
}
