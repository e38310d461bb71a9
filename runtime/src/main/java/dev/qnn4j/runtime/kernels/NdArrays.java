package dev.qnn4j.runtime.kernels;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Moves float data between ND4J arrays and the Java arrays the kernels work on. */
public final class NdArrays {
  private NdArrays() {}

  /** A row-major copy of {@code a}'s values. */
  public static float[] read(INDArray a) {
    if (a.dataType() != DataType.FLOAT) {
      a = a.castTo(DataType.FLOAT);
    }
    if (a.ordering() != 'c' || a.isView()) {
      a = a.dup('c');
    }
    return a.data().asFloat();
  }

  /** A new C-ordered array holding {@code data}. */
  public static INDArray create(float[] data, long... shape) {
    if (shape.length == 0) {
      return Nd4j.scalar(DataType.FLOAT, data[0]);
    }
    return Nd4j.create(data, shape, 'c');
  }

  public static INDArray scalar(float v) {
    return Nd4j.scalar(DataType.FLOAT, v);
  }

  public static long numel(long[] shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }
}
