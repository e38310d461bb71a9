package dev.qnn4j.runtime.kernels;

import static com.google.common.truth.Truth.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class FakeQuantTest {

  @Test
  void roundingMatchesRintEverywhere() {
    Random rng = new Random(5);
    for (int i = 0; i < 2_000_000; i++) {
      float y =
          switch (i % 4) {
            case 0 -> (rng.nextInt(2000) - 1000) / 2f; // exact halves: the ties
            case 1 -> (float) (rng.nextGaussian() * 100);
            case 2 -> Float.intBitsToFloat(rng.nextInt()); // any float, NaN and infinities included
            default -> (float) ((rng.nextDouble() - 0.5) * 1.7e7); // around 2^22 .. 2^23
          };
      float expected = (float) Math.rint(y);
      float actual = FakeQuant.roundHalfEven(y);
      if (Float.isNaN(expected)) {
        assertThat(Float.isNaN(actual)).isTrue();
      } else {
        assertThat(actual).isEqualTo(expected);
      }
    }
    assertThat(FakeQuant.roundHalfEven(-0.5f)).isEqualTo(-0f);
    assertThat(FakeQuant.roundHalfEven(2.5f)).isEqualTo(2f);
    assertThat(FakeQuant.roundHalfEven(3.5f)).isEqualTo(4f);
    assertThat(FakeQuant.roundHalfEven(4194303.5f)).isEqualTo(4194304f);
  }
}
