package dev.qnn4j.runtime.kernels;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;

/**
 * Single-precision matrix products by OpenBLAS' {@code cblas_sgemm} (the BLAS ND4J itself links).
 * Operands are copied into native scratch buffers that each thread keeps and reuses: handing Java
 * arrays to JNI makes it allocate, copy in and copy back every operand on every call, which made
 * the LeNet's small products 5-30% slower. Transposed operands are handled by BLAS itself (ND4J's
 * own gemm copies them and was ten times slower here).
 */
public final class Gemm {
  private static final int ROW_MAJOR = 101;
  private static final int NO_TRANS = 111;
  private static final int TRANS = 112;

  /** One thread's native operand buffers, grown as needed. */
  private static final class Scratch {
    private final FloatPointer[] buffers = new FloatPointer[3];

    FloatPointer get(int slot, long length) {
      FloatPointer p = buffers[slot];
      if (p == null || p.capacity() < length) {
        if (p != null) {
          p.deallocate();
        }
        p = new FloatPointer(Math.max(length, 1024));
        buffers[slot] = p;
      }
      return p;
    }
  }

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  private Gemm() {}

  /**
   * {@code c = op(a) x op(b)} for row-major matrices, where {@code op(a)} is {@code [m, k]} and
   * {@code op(b)} is {@code [k, n]}; {@code a} is stored {@code [k, m]} when transposed, likewise b.
   * {@code c} must hold at least {@code m * n} values; its first {@code m * n} are overwritten.
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
    product(transposeA, transposeB, m, n, k, a, b, c, false);
  }

  /** {@code c += op(a) x op(b)}, otherwise as {@link #multiply(boolean, boolean, int, int, int, float[], float[], float[])}. */
  public static void multiplyAdd(
      boolean transposeA, boolean transposeB, int m, int n, int k, float[] a, float[] b, float[] c) {
    if (m == 0 || n == 0 || k == 0) {
      return;
    }
    product(transposeA, transposeB, m, n, k, a, b, c, true);
  }

  /** A new {@code m x n} product array. */
  public static float[] multiply(boolean transposeA, boolean transposeB, int m, int n, int k, float[] a, float[] b) {
    float[] c = new float[m * n];
    multiply(transposeA, transposeB, m, n, k, a, b, c);
    return c;
  }

  private static void product(boolean transposeA, boolean transposeB, int m, int n, int k,
      float[] a, float[] b, float[] c, boolean accumulate) {
    int sizeA = m * k;
    int sizeB = k * n;
    int sizeC = m * n;
    Scratch s = SCRATCH.get();
    FloatPointer pa = s.get(0, sizeA).put(a, 0, sizeA);
    FloatPointer pb = s.get(1, sizeB).put(b, 0, sizeB);
    FloatPointer pc = s.get(2, sizeC);
    if (accumulate) {
      pc.put(c, 0, sizeC);
    }
    openblas_nolapack.cblas_sgemm(ROW_MAJOR, transposeA ? TRANS : NO_TRANS, transposeB ? TRANS : NO_TRANS,
        m, n, k, 1f, pa, transposeA ? m : k, pb, transposeB ? k : n, accumulate ? 1f : 0f, pc, n);
    pc.get(c, 0, sizeC);
  }
}
