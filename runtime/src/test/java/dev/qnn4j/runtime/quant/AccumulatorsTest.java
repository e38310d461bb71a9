package dev.qnn4j.runtime.quant;

import static com.google.common.truth.Truth.assertThat;

import java.math.BigInteger;
import org.junit.jupiter.api.Test;

class AccumulatorsTest {
  @Test
  void ceilLog2IsExactAroundPowersOfTwo() {
    assertThat(Accumulators.ceilLog2(BigInteger.ONE)).isEqualTo(0);
    assertThat(Accumulators.ceilLog2(BigInteger.valueOf(4096))).isEqualTo(12);
    assertThat(Accumulators.ceilLog2(BigInteger.valueOf(4097))).isEqualTo(13);
    assertThat(Accumulators.ceilLog2(BigInteger.valueOf(4200))).isEqualTo(13);
  }

  @Test
  void requiredBitsOfLeNetLayers() {
    // conv1 of a 4-bit LeNet: 75 products of int8 inputs (128) and narrow int4 weights (7): 67200 >
    // 2^16.
    assertThat(
            Accumulators.requiredBits(
                75, new IntRange(8, true, false), new IntRange(4, true, true)))
        .isEqualTo(18);
    // fc1: 400 products of uint4 inputs (15) and narrow int4 weights: 42000 < 2^16.
    assertThat(
            Accumulators.requiredBits(
                400, new IntRange(4, false, false), new IntRange(4, true, true)))
        .isEqualTo(17);
    // Every product zero.
    assertThat(
            Accumulators.requiredBits(
                10, new IntRange(4, false, false), new IntRange(1, true, true)))
        .isEqualTo(0);
    // Far beyond a long: 2^20 products of 2^31 * (2^31 - 1).
    assertThat(
            Accumulators.requiredBits(
                1 << 20, new IntRange(32, true, false), new IntRange(32, true, true)))
        .isEqualTo(83);
  }
}
