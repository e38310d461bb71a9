package dev.qnn4j.runtime.kernels;

import java.util.HashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Per-thread native matrices reused across calls, for operands that live only within one kernel
 * call (im2col matrices, GEMM results). Training repeats the same shapes every step, so reuse
 * removes the large native allocations (and the garbage collections they trigger) from the loop.
 * A caller must finish with a matrix before asking for the same slot again.
 */
public final class Workspace {
  /** What a reused matrix is for; one live matrix per slot and thread. */
  public enum Slot {
    COLUMNS, PRODUCT, GRADIENT_ROWS
  }

  private static final ThreadLocal<Map<Slot, INDArray>> MATRICES = ThreadLocal.withInitial(HashMap::new);

  private Workspace() {}

  /** A {@code rows x cols} C-ordered float matrix with unspecified contents. */
  public static INDArray matrix(Slot slot, long rows, long cols) {
    Map<Slot, INDArray> m = MATRICES.get();
    INDArray a = m.get(slot);
    if (a == null || a.rows() != rows || a.columns() != cols) {
      a = Nd4j.createUninitialized(DataType.FLOAT, new long[] {rows, cols}, 'c');
      m.put(slot, a);
    }
    return a;
  }
}
