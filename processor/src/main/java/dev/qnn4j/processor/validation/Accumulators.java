package dev.qnn4j.processor.validation;

/**
 * Worst-case accumulator width of a quantized dot product: the largest |sum| of {@code fanIn}
 * products of an input integer and a weight integer, plus a sign bit: {@code ceil(log2(fanIn *
 * maxAbsIn * maxAbsW)) + 1}. Inputs are unsigned {@code [0, 2^b-1]} (after a QuantReLU) or signed
 * {@code [-2^(b-1), 2^(b-1)-1]} (after a QuantIdentity); weights are signed narrow-range {@code
 * [-(2^(w-1)-1), 2^(w-1)-1]}, as Brevitas' default weight quantizers.
 */
public final class Accumulators {
  private Accumulators() {}

  public static long maxAbsInput(int bitWidth, boolean signed) {
    return signed ? 1L << (bitWidth - 1) : (1L << bitWidth) - 1;
  }

  public static long maxAbsWeight(int bitWidth) {
    return (1L << (bitWidth - 1)) - 1;
  }

  /**
   * The bits needed, or 0 when every product is zero (1-bit narrow weights). Exact integer
   * arithmetic.
   */
  public static int requiredBits(long fanIn, int inputBits, boolean inputSigned, int weightBits) {
    long bound = fanIn * maxAbsInput(inputBits, inputSigned) * maxAbsWeight(weightBits);
    if (bound <= 0) {
      return 0;
    }
    return ceilLog2(bound) + 1;
  }

  static int ceilLog2(long n) {
    return n == 1 ? 0 : 64 - Long.numberOfLeadingZeros(n - 1);
  }
}
