package dev.qnn4j.runtime.kernels;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Single-precision matrix products on ND4J's BLAS (row-major operands given as Java arrays). */
public final class Gemm {
  private Gemm() {}

  /**
   * {@code op(A) x op(B)} where A is {@code [aRows, aCols]} and B is {@code [bRows, bCols]} row-major
   * and op transposes when asked. Returns the row-major product.
   */
  public static float[] multiply(
      float[] a, int aRows, int aCols, boolean transposeA,
      float[] b, int bRows, int bCols, boolean transposeB) {
    INDArray ma = NdArrays.create(a, aRows, aCols);
    INDArray mb = NdArrays.create(b, bRows, bCols);
    return multiply(ma, transposeA, mb, transposeB);
  }

  public static float[] multiply(INDArray a, boolean transposeA, INDArray b, boolean transposeB) {
    INDArray product = Nd4j.gemm(a, b, transposeA, transposeB);
    return NdArrays.read(product);
  }
}
