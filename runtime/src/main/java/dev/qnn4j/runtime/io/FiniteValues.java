package dev.qnn4j.runtime.io;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * The one place that keeps NaN and infinity out of saved state: every writer of a checkpoint or a
 * model file ({@code Checkpoint.save}, the ONNX writer) passes each floating-point tensor through
 * {@link #requireFiniteToWrite} before the first byte is written, so a poisoned tensor never
 * replaces a good file. The readers share {@link #firstNonFinite} for their messages.
 */
public final class FiniteValues {
  private FiniteValues() {}

  /** The index of the first NaN or infinite value of {@code values[from, to)}, or -1. */
  public static int firstNonFinite(float[] values, int from, int to) {
    for (int i = from; i < to; i++) {
      if (!Float.isFinite(values[i])) {
        return i;
      }
    }
    return -1;
  }

  /** The index of the first NaN or infinite value of {@code values}, or -1. */
  public static int firstNonFinite(float[] values) {
    return firstNonFinite(values, 0, values.length);
  }

  /**
   * Refuses to write {@code file} if tensor {@code name} holds a NaN or an infinity.
   *
   * @throws NonFiniteValueException {@code cannot write F: tensor 'N' holds NaN at element I of
   *     shape [..]; non-finite values are never saved}
   */
  public static void requireFiniteToWrite(Path file, String name, float[] values, long[] shape)
      throws NonFiniteValueException {
    int bad = firstNonFinite(values);
    if (bad >= 0) {
      throw new NonFiniteValueException(
          "cannot write "
              + file
              + ": tensor "
              + Qnn4jFormatException.quote(name)
              + " holds "
              + values[bad]
              + " at element "
              + bad
              + " of shape "
              + Arrays.toString(shape)
              + "; non-finite values are never saved",
          name,
          bad);
    }
  }
}
