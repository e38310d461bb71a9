package dev.qnn4j.processor.model;

import dev.qnn4j.annotations.Scaling;

/**
 * An activation quantizer: an {@code @InputQuant} or {@code @OutputQuant}, or the quantizer of a
 * {@code @QuantReLU} (unsigned) or {@code @QuantIdentity} (signed).
 *
 * @param anchor the annotation it was read from, for diagnostics ({@link Anchor#NONE} when derived)
 */
public record ActQuantSpec(int bitWidth, boolean signed, Scaling scaling, Anchor anchor) {
  public boolean powerOfTwo() {
    return scaling == Scaling.POWER_OF_TWO;
  }
}
