package dev.qnn4j.runtime.kernels;

import org.bytedeco.openblas.global.openblas_nolapack;

/**
 * Single-precision matrix products by OpenBLAS' {@code cblas_sgemm} (the BLAS ND4J itself links),
 * called directly on Java arrays: no copies into native buffers, and transposed operands are handled
 * by BLAS itself (ND4J's own gemm copies transposed operands and was ten times slower here).
 */
public final class Gemm {
  private static final int ROW_MAJOR = 101;
  private static final int NO_TRANS = 111;
  private static final int TRANS = 112;

  private Gemm() {}

  /**
   * {@code c = op(a) x op(b)} for row-major matrices, where {@code op(a)} is {@code [m, k]} and
   * {@code op(b)} is {@code [k, n]}; {@code a} is stored {@code [k, m]} when transposed, likewise b.
   * {@code c} must hold at least {@code m * n} values and is overwritten.
   */
  public static void multiply(
      boolean transposeA, boolean transposeB, int m, int n, int k, float[] a, float[] b, float[] c) {
    if (m == 0 || n == 0) {
      return;
    }
    if (k == 0) {
      java.util.Arrays.fill(c, 0, m * n, 0f);
      return;
    }
    int lda = transposeA ? m : k;
    int ldb = transposeB ? k : n;
    openblas_nolapack.cblas_sgemm(ROW_MAJOR, transposeA ? TRANS : NO_TRANS, transposeB ? TRANS : NO_TRANS,
        m, n, k, 1f, a, lda, b, ldb, 0f, c, n);
  }

  /** {@code c += op(a) x op(b)}, otherwise as {@link #multiply(boolean, boolean, int, int, int, float[], float[], float[])}. */
  public static void multiplyAdd(
      boolean transposeA, boolean transposeB, int m, int n, int k, float[] a, float[] b, float[] c) {
    if (m == 0 || n == 0 || k == 0) {
      return;
    }
    int lda = transposeA ? m : k;
    int ldb = transposeB ? k : n;
    openblas_nolapack.cblas_sgemm(ROW_MAJOR, transposeA ? TRANS : NO_TRANS, transposeB ? TRANS : NO_TRANS,
        m, n, k, 1f, a, lda, b, ldb, 1f, c, n);
  }

  /** A new {@code m x n} product array. */
  public static float[] multiply(boolean transposeA, boolean transposeB, int m, int n, int k, float[] a, float[] b) {
    float[] c = new float[m * n];
    multiply(transposeA, transposeB, m, n, k, a, b, c);
    return c;
  }
}
