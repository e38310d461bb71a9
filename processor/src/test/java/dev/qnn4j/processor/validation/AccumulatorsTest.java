package dev.qnn4j.processor.validation;

import static com.google.common.truth.Truth.assertThat;

import org.junit.jupiter.api.Test;

class AccumulatorsTest {
  @Test
  void seedLeNetConv1() {
    // 4-bit signed input (max |x| = 8), 4-bit weights (max |w| = 7), fan-in 3 * 5 * 5 = 75: 4200 ->
    // 13 bits + sign.
    assertThat(Accumulators.requiredBits(75, 4, true, 4)).isEqualTo(14);
  }

  @Test
  void unsignedEightBitInputs() {
    // 400 * 255 * 127 = 12,954,000 <= 2^24.
    assertThat(Accumulators.requiredBits(400, 8, false, 8)).isEqualTo(25);
  }

  @Test
  void exactPowerOfTwoNeedsNoExtraBit() {
    // fan-in 1, unsigned 1-bit input (max 1), 2-bit weights (max 1): |sum| <= 1 = 2^0, one sign
    // bit.
    assertThat(Accumulators.requiredBits(1, 1, false, 2)).isEqualTo(1);
    // 2 * 1 * 1 = 2 = 2^1.
    assertThat(Accumulators.requiredBits(2, 1, false, 2)).isEqualTo(2);
  }

  @Test
  void oneBitNarrowWeightsAreAllZero() {
    assertThat(Accumulators.requiredBits(100, 8, false, 1)).isEqualTo(0);
  }
}
