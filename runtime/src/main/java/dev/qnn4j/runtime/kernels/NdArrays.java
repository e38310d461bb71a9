package dev.qnn4j.runtime.kernels;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Moves float data between ND4J arrays and the Java arrays the kernels work on. Copies go through
 * NIO views of the native buffer in bulk (a memcpy); ND4J's own element-wise put/get is far slower.
 */
public final class NdArrays {
  private NdArrays() {}

  /** A row-major copy of {@code a}'s values. */
  public static float[] read(INDArray a) {
    if (a.dataType() != DataType.FLOAT) {
      a = a.castTo(DataType.FLOAT);
    }
    if (a.ordering() != 'c' || a.isView() || a.offset() != 0) {
      a = a.dup('c');
    }
    int n = (int) a.length();
    float[] out = new float[n];
    FloatBuffer view = a.data().asNioFloat();
    view.get(0, out, 0, n);
    return out;
  }

  /** A new C-ordered array holding {@code data}. */
  public static INDArray create(float[] data, long... shape) {
    INDArray a =
        shape.length == 0
            ? Nd4j.scalar(DataType.FLOAT, 0f)
            : Nd4j.createUninitialized(DataType.FLOAT, shape, 'c');
    if (a.length() != data.length) {
      throw new IllegalArgumentException(
          "shape "
              + java.util.Arrays.toString(shape)
              + " needs "
              + a.length()
              + " values, got "
              + data.length);
    }
    a.data().asNioFloat().put(0, data, 0, data.length);
    return a;
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
