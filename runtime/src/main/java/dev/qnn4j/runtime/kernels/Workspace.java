package dev.qnn4j.runtime.kernels;

import java.util.EnumMap;
import java.util.Map;

/**
 * Per-thread scratch arrays reused across calls, for buffers that live only within one kernel call
 * (im2col matrices, products, gradient rows). Training repeats the same sizes every step, so reuse
 * keeps multi-megabyte allocations (and the collections they cause) out of the loop. A caller must
 * be done with a slot's array before asking for the same slot again.
 */
public final class Workspace {
  /** What a scratch array is for; one live array per slot and thread. */
  public enum Slot {
    COLUMNS,
    PRODUCT,
    GRADIENT_ROWS,
    OUTPUT_GRADIENT,
    WIDE_OUTPUT_GRADIENT,
    WIDE_ROWS_GRADIENT,
    SCALE_TERMS_Q,
    SCALE_TERMS_X,
    GRADIENT_SCRATCH,
    LONG_ROW_STAGING,
    LONG_ROW_ACCUMULATORS,
    DIRECT_ACCUMULATORS,
    DIRECT_TAPS,
    DIRECT_TERM,
    DIRECT_RUN,
    FOLD_ROW,
    FOLD_RUN
  }

  private static final ThreadLocal<Map<Slot, float[]>> ARRAYS =
      ThreadLocal.withInitial(() -> new EnumMap<>(Slot.class));
  private static final ThreadLocal<Map<Slot, float[][]>> ROWS =
      ThreadLocal.withInitial(() -> new EnumMap<>(Slot.class));

  private Workspace() {}

  /** An array of at least {@code length} floats with unspecified contents. */
  public static float[] floats(Slot slot, int length) {
    Map<Slot, float[]> m = ARRAYS.get();
    float[] a = m.get(slot);
    if (a == null || a.length < length) {
      a = new float[length];
      m.put(slot, a);
    }
    return a;
  }

  /**
   * At least {@code count} separate arrays of at least {@code length} floats, unspecified contents.
   */
  public static float[][] rows(Slot slot, int count, int length) {
    Map<Slot, float[][]> m = ROWS.get();
    float[][] r = m.get(slot);
    if (r == null || r.length < count || (count > 0 && r[0].length < length)) {
      int oldLength = r == null || r.length == 0 ? 0 : r[0].length;
      r = new float[Math.max(count, r == null ? 0 : r.length)][Math.max(length, oldLength)];
      m.put(slot, r);
    }
    return r;
  }
}
