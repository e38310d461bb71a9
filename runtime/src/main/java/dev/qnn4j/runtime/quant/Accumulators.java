package dev.qnn4j.runtime.quant;

import java.math.BigInteger;

/**
 * Worst-case accumulator width of a quantized dot product: the largest |sum| of {@code fanIn}
 * products of an input integer and a weight integer, plus a sign bit, {@code ceil(log2(fanIn *
 * maxAbsIn * maxAbsW)) + 1}, in exact integer arithmetic. (The annotation processor checks the same
 * bound at compile time with its own copy: it cannot depend on the runtime.)
 */
public final class Accumulators {
  private Accumulators() {}

  /** The bits needed, or 0 when every product is zero (e.g. 1-bit narrow weights). */
  public static int requiredBits(long fanIn, IntRange input, IntRange weight) {
    BigInteger bound =
        BigInteger.valueOf(fanIn)
            .multiply(BigInteger.valueOf(input.maxAbs()))
            .multiply(BigInteger.valueOf(weight.maxAbs()));
    return bound.signum() <= 0 ? 0 : ceilLog2(bound) + 1;
  }

  /**
   * The bit width Brevitas 0.11 records on a quantized conv/linear output QuantTensor: {@code
   * ceil(log2((2^inBits - 1) * (2^weightBits - 1) * patch))}, with {@code patch} the products
   * summed per output (kernel elements times {@code weight.shape[1]}); with a quantized bias of
   * {@code biasBits}, {@code max(that, biasBits) + 1}, else 0 for none.
   */
  public static int brevitasOutputBits(long patch, int inBits, int weightBits, int biasBits) {
    BigInteger bound =
        BigInteger.ONE
            .shiftLeft(inBits)
            .subtract(BigInteger.ONE)
            .multiply(BigInteger.ONE.shiftLeft(weightBits).subtract(BigInteger.ONE))
            .multiply(BigInteger.valueOf(patch));
    int acc = bound.signum() <= 0 ? 1 : ceilLog2(bound);
    return biasBits > 0 ? Math.max(acc, biasBits) + 1 : acc;
  }

  /** {@code ceil(log2(n))} for {@code n >= 1}. */
  static int ceilLog2(BigInteger n) {
    return n.subtract(BigInteger.ONE).bitLength();
  }
}
