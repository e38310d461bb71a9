package dev.qnn4j.runtime.kernels;

import java.nio.FloatBuffer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;

/**
 * Single-precision matrix products by OpenBLAS' {@code cblas_sgemm} (the BLAS ND4J itself links).
 * Operands are copied into native scratch buffers that each thread keeps and reuses: handing Java
 * arrays to JNI makes it allocate, copy in and copy back every operand on every call, which made
 * the LeNet's small products 5-30% slower. Transposed operands are handled by BLAS itself (ND4J's
 * own gemm copies them and was ten times slower here).
 *
 * <p>Products with few rows and long ones ({@code op(b)} not transposed, at least {@link #LONG_ROW}
 * columns: the LeNet's first convolution, forward and input gradient) run in Java instead, twice as
 * fast as OpenBLAS at that shape: see {@link #multiplyLongRows}.
 */
public final class Gemm {
  private static final int ROW_MAJOR = 101;
  private static final int NO_TRANS = 111;
  private static final int TRANS = 112;

  /** One thread's native operands: a, b and c of a product. */
  private static final ThreadLocal<NativeBuffers> SCRATCH =
      ThreadLocal.withInitial(() -> new NativeBuffers(3, 1024));

  /** Rows at least this long take the Java kernel, when there are few of them. */
  static final int LONG_ROW = 512;

  /** At most this many rows take the Java kernel, whose accumulator rows must stay in cache. */
  private static final int MAX_ROWS = 128;

  private static final long MAX_ACCUMULATED_VALUES = 1 << 17;

  private Gemm() {}

  /**
   * {@code c = op(a) x op(b)} for row-major matrices, where {@code op(a)} is {@code [m, k]} and
   * {@code op(b)} is {@code [k, n]}; {@code a} is stored {@code [k, m]} when transposed, likewise
   * b. {@code c} must hold at least {@code m * n} values; its first {@code m * n} are overwritten.
   */
  public static void multiply(
      boolean transposeA,
      boolean transposeB,
      int m,
      int n,
      int k,
      float[] a,
      float[] b,
      float[] c) {
    if (m == 0 || n == 0) {
      return;
    }
    if (k == 0) {
      java.util.Arrays.fill(c, 0, m * n, 0f);
      return;
    }
    if (useLongRows(transposeB, m, n, k)) {
      multiplyLongRows(transposeA, m, n, k, a, b, c);
      return;
    }
    product(transposeA, transposeB, m, n, k, a, b, c);
  }

  private static boolean useLongRows(boolean transposeB, int m, int n, int k) {
    return !transposeB && takesLongRows(m, n);
  }

  /** Whether an {@code m x n} product with {@code b} not transposed runs in the Java kernel. */
  static boolean takesLongRows(int m, int n) {
    return n >= LONG_ROW && m <= MAX_ROWS && (long) m * n <= MAX_ACCUMULATED_VALUES;
  }

  /**
   * {@code c = op(a) x b} as rank-1 updates {@code c[o, :] += a[o, kk] * b[kk, :]} on whole rows.
   * The JIT vectorizes such a loop only when every array in it is indexed alike, so each row of c
   * accumulates in an array of its own and each row of b is first copied to a staging array: then
   * all run at index j. Four rows of c share one pass over the staged row. Sums run in kk order.
   */
  static void multiplyLongRows(
      boolean transposeA, int m, int n, int k, float[] a, float[] b, float[] c) {
    float[][] acc = Workspace.rows(Workspace.Slot.LONG_ROW_ACCUMULATORS, m, n);
    float[] t = Workspace.floats(Workspace.Slot.LONG_ROW_STAGING, n);
    for (int o = 0; o < m; o++) {
      java.util.Arrays.fill(acc[o], 0, n, 0f);
    }
    for (int kk = 0; kk < k; kk++) {
      System.arraycopy(b, kk * n, t, 0, n);
      int o = 0;
      for (; o + 4 <= m; o += 4) {
        float w0 = element(a, transposeA, m, k, o, kk);
        float w1 = element(a, transposeA, m, k, o + 1, kk);
        float w2 = element(a, transposeA, m, k, o + 2, kk);
        float w3 = element(a, transposeA, m, k, o + 3, kk);
        float[] c0 = acc[o];
        float[] c1 = acc[o + 1];
        float[] c2 = acc[o + 2];
        float[] c3 = acc[o + 3];
        for (int j = 0; j < n; j++) {
          float v = t[j];
          c0[j] += w0 * v;
          c1[j] += w1 * v;
          c2[j] += w2 * v;
          c3[j] += w3 * v;
        }
      }
      for (; o < m; o++) {
        float w0 = element(a, transposeA, m, k, o, kk);
        float[] c0 = acc[o];
        for (int j = 0; j < n; j++) {
          c0[j] += w0 * t[j];
        }
      }
    }
    for (int o = 0; o < m; o++) {
      System.arraycopy(acc[o], 0, c, o * n, n);
    }
  }

  private static float element(float[] a, boolean transposed, int m, int k, int row, int col) {
    return transposed ? a[col * m + row] : a[row * k + col];
  }

  /** A new {@code m x n} product array. */
  public static float[] multiply(
      boolean transposeA, boolean transposeB, int m, int n, int k, float[] a, float[] b) {
    float[] c = new float[m * n];
    multiply(transposeA, transposeB, m, n, k, a, b, c);
    return c;
  }

  /**
   * {@code c[o * m + i] = sum over j of a[i * n + j] * b[o * n + j]}: every row of {@code b}'s
   * {@code r} rows against every row of {@code a [m, n]}, as {@code r} OpenBLAS matrix-vector
   * products on one native copy of {@code a}, whose row {@code i} is the run {@code src[base +
   * starts[i], + n)}, copied straight into the native operand: the im2col matrix of a unit-stride
   * convolution in its wide form (output rows as long as the input's), one copy per row instead of
   * one per output row. For few rows of {@code b} this is twice as fast as the matrix product,
   * which packs all of {@code a} first (measured on the LeNet conv1's weight gradient: 75 x 784
   * against 6 rows, 22 us against 40 to 50 us).
   */
  static void rowProductsOfRuns(
      int m, int n, int r, float[] src, int base, int[] starts, float[] b, float[] c) {
    NativeBuffers s = SCRATCH.get();
    FloatBuffer rows = s.view(0, (long) m * n);
    for (int i = 0; i < m; i++) {
      rows.put(i * n, src, base + starts[i], n);
    }
    FloatPointer pa = s.get(0, (long) m * n);
    FloatPointer pb = s.get(1, (long) r * n).put(b, 0, r * n);
    FloatPointer pc = s.get(2, (long) r * m);
    try {
      for (int o = 0; o < r; o++) {
        pb.position((long) o * n);
        pc.position((long) o * m);
        openblas_nolapack.cblas_sgemv(ROW_MAJOR, NO_TRANS, m, n, 1f, pa, n, pb, 1, 0f, pc, 1);
      }
    } finally {
      pa.position(0);
      pb.position(0);
      pc.position(0);
    }
    pc.get(c, 0, r * m);
  }

  private static void product(
      boolean transposeA,
      boolean transposeB,
      int m,
      int n,
      int k,
      float[] a,
      float[] b,
      float[] c) {
    int sizeA = m * k;
    int sizeB = k * n;
    int sizeC = m * n;
    NativeBuffers s = SCRATCH.get();
    FloatPointer pa = s.get(0, sizeA).put(a, 0, sizeA);
    FloatPointer pb = s.get(1, sizeB).put(b, 0, sizeB);
    FloatPointer pc = s.get(2, sizeC);
    openblas_nolapack.cblas_sgemm(
        ROW_MAJOR,
        transposeA ? TRANS : NO_TRANS,
        transposeB ? TRANS : NO_TRANS,
        m,
        n,
        k,
        1f,
        pa,
        transposeA ? m : k,
        pb,
        transposeB ? k : n,
        0f,
        pc,
        n);
    pc.get(c, 0, sizeC);
  }
}
