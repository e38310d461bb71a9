package dev.qnn4j.runtime.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The reference README's matching rule: at least 99% of elements within {@code 1e-4 + 1e-4 * |ref|}
 * and every element within 5% of {@code max |ref|}; scales within 1e-5 relative. Training steps
 * follow the README's own rule instead: {@link TrainingStepReference}.
 */
public final class Matching {
  private Matching() {}

  public static void assertMatches(String what, float[] ref, float[] actual) {
    assertWithinFractionOfMax(what, ref, actual, 0.05);
    int close = 0;
    int worst = -1;
    double worstErr = -1;
    for (int i = 0; i < ref.length; i++) {
      double err = Math.abs((double) actual[i] - ref[i]);
      if (err <= 1e-4 + 1e-4 * Math.abs(ref[i])) {
        close++;
      }
      if (err > worstErr) {
        worstErr = err;
        worst = i;
      }
    }
    if (close < Math.ceil(0.99 * ref.length)) {
      fail(
          what
              + ": only "
              + close
              + " of "
              + ref.length
              + " elements match; worst at "
              + worst
              + ": "
              + actual[worst]
              + " vs "
              + ref[worst]);
    }
  }

  /**
   * Every element within {@code fraction} of {@code max |ref|} (or equal): the README rule's
   * per-element bound, alone where a test gives the reason its 99% count cannot hold.
   */
  public static void assertWithinFractionOfMax(
      String what, float[] ref, float[] actual, double fraction) {
    float maxRef = 0f;
    for (float r : ref) {
      maxRef = Math.max(maxRef, Math.abs(r));
    }
    assertWithin(
        what,
        ref,
        actual,
        fraction * maxRef,
        Math.round(fraction * 100) + "% of max|ref| = " + maxRef);
  }

  /**
   * Every element within {@code bound} of the reference (or equal); {@code boundText} says in the
   * failure message where the bound comes from.
   */
  public static void assertWithin(
      String what, float[] ref, float[] actual, double bound, String boundText) {
    assertEquals(ref.length, actual.length, what + ": element count");
    for (int i = 0; i < ref.length; i++) {
      double err = Math.abs((double) actual[i] - ref[i]);
      if (!(err <= bound) && !(ref[i] == actual[i])) {
        fail(
            what
                + ": element "
                + i
                + " is "
                + actual[i]
                + ", reference "
                + ref[i]
                + " (more than "
                + boundText
                + " away)");
      }
    }
  }

  public static void assertScale(String what, double ref, double actual) {
    double tol = 1e-5 * Math.abs(ref);
    if (!(Math.abs(actual - ref) <= tol)) {
      fail(
          what
              + ": "
              + actual
              + ", reference "
              + ref
              + " (relative error "
              + Math.abs(actual - ref) / Math.abs(ref)
              + ")");
    }
  }

  public static void assertScales(String what, float[] ref, float[] actual) {
    assertEquals(ref.length, actual.length, what + ": count");
    for (int i = 0; i < ref.length; i++) {
      assertScale(what + "[" + i + "]", ref[i], actual[i]);
    }
  }

  /** Counts exactly equal elements, for reporting how often a result is bit-exact. */
  public static int exactCount(float[] ref, float[] actual) {
    int n = 0;
    for (int i = 0; i < ref.length; i++) {
      if (Float.floatToIntBits(ref[i]) == Float.floatToIntBits(actual[i]) || ref[i] == actual[i]) {
        n++;
      }
    }
    return n;
  }
}
