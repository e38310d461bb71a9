package dev.qnn4j.runtime;

import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.kernels.NdArrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A learnable leaf tensor with its PyTorch-style state-dict name ({@code conv1.weight}). Optimizers
 * update its value in place; its gradient accumulates across backward passes until cleared.
 */
public final class Parameter extends Tensor {
  private final String name;

  public Parameter(String name, INDArray value) {
    super(value, true);
    this.name = name;
  }

  public String name() {
    return name;
  }

  /** Replaces the values (same shape, copied), e.g. when loading weights. */
  public void set(INDArray newValue) {
    if (!java.util.Arrays.equals(newValue.shape(), shape())) {
      throw new IllegalArgumentException(name + ": expected shape " + java.util.Arrays.toString(shape())
          + ", got " + java.util.Arrays.toString(newValue.shape()));
    }
    replaceValues(NdArrays.read(newValue));
  }

  /** Replaces the values with {@code values} (row-major, as many as before; taken, not copied). */
  public void set(float[] values) {
    if (values.length != numel()) {
      throw new IllegalArgumentException(name + ": expected " + numel() + " values for shape "
          + java.util.Arrays.toString(shape()) + ", got " + values.length);
    }
    replaceValues(values);
  }

  @Override
  public String toString() {
    return "Parameter " + name + java.util.Arrays.toString(shape());
  }
}
