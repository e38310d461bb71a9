package dev.qnn4j.runtime.nn;

import dev.qnn4j.runtime.QuantTensor;
import dev.qnn4j.runtime.Tensor;

/**
 * Brevitas' {@code QuantUpsample(mode='nearest')} / {@code QuantUpsamplingNearest2d}: nearest
 * upsampling by an integer factor or to a fixed size; a QuantTensor keeps its scale, zero point,
 * bit width and sign (the values are repeated, so they stay on the grid). Only nearest mode.
 */
public class QuantUpsample extends Module {
  private final int scaleFactor;
  private final int height;
  private final int width;

  private QuantUpsample(String name, int scaleFactor, int height, int width) {
    super(name);
    this.scaleFactor = scaleFactor;
    this.height = height;
    this.width = width;
  }

  public static QuantUpsample byFactor(String name, int scaleFactor) {
    if (scaleFactor < 1) {
      throw new IllegalArgumentException(
          name + ": scale factor must be at least 1, got " + scaleFactor);
    }
    return new QuantUpsample(name, scaleFactor, 0, 0);
  }

  public static QuantUpsample toSize(String name, int height, int width) {
    if (height < 1 || width < 1) {
      throw new IllegalArgumentException(
          name + ": size must be at least 1x1, got " + height + "x" + width);
    }
    return new QuantUpsample(name, 0, height, width);
  }

  public int scaleFactor() {
    return scaleFactor;
  }

  public Tensor forward(Tensor x) {
    if (x instanceof QuantTensor q) {
      return forwardQuant(q);
    }
    return Tracer.layer(
        this,
        scaleFactor > 0 ? F.upsampleNearest(x, scaleFactor) : F.upsampleNearest(x, height, width),
        x);
  }

  public QuantTensor forwardQuant(Tensor x) {
    if (!(x instanceof QuantTensor q)) {
      throw new IllegalArgumentException(name() + ": forwardQuant needs a QuantTensor input");
    }
    return Tracer.layer(
        this,
        scaleFactor > 0 ? F.upsampleNearest(q, scaleFactor) : F.upsampleNearest(q, height, width),
        x);
  }

  @Override
  public String describe() {
    return scaleFactor > 0
        ? "QuantUpsamplingNearest2d(scale_factor=" + scaleFactor + ")"
        : "QuantUpsample(size=(" + height + ", " + width + "), mode=nearest)";
  }
}
