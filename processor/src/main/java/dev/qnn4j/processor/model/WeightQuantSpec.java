package dev.qnn4j.processor.model;

import dev.qnn4j.annotations.Scaling;

/** The weight quantizer of a {@code @QuantConv2d} or {@code @QuantLinear}, and its accumulator bound. */
public record WeightQuantSpec(int bitWidth, boolean perChannel, Scaling scaling, int accumulatorBitWidth) {
  public boolean powerOfTwo() {
    return scaling == Scaling.POWER_OF_TWO;
  }
}
