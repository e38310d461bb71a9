package dev.qnn4j.runtime;

import java.util.Arrays;

/**
 * A learnable leaf tensor with its PyTorch-style state-dict name ({@code conv1.weight}). Optimizers
 * update its value by swapping in new arrays; its gradient accumulates across backward passes until
 * cleared. Values come in as Java arrays or as other tensors ({@link
 * Tensor#of(org.nd4j.linalg.api.ndarray.INDArray)} is where ND4J arrays enter).
 */
public final class Parameter extends Tensor {
  private final String name;

  /** A parameter holding a copy of {@code values} (row-major) in {@code shape}. */
  public Parameter(String name, float[] values, long... shape) {
    super(values.clone(), shape, true, null);
    this.name = name;
  }

  /**
   * A parameter holding {@code value}'s values (shared: tensor values are never changed in place).
   */
  public Parameter(String name, Tensor value) {
    super(value.data(), value.shape(), true, null);
    this.name = name;
  }

  public String name() {
    return name;
  }

  /**
   * Replaces the values with {@code newValue}'s (same shape; shared, not copied), e.g. when loading
   * weights.
   */
  public void set(Tensor newValue) {
    if (!Arrays.equals(newValue.shape(), shape())) {
      throw new IllegalArgumentException(
          name
              + ": expected shape "
              + Arrays.toString(shape())
              + ", got "
              + Arrays.toString(newValue.shape()));
    }
    replaceValues(newValue.data());
  }

  /** Replaces the values with {@code values} (row-major, as many as before; taken, not copied). */
  public void set(float[] values) {
    if (values.length != numel()) {
      throw new IllegalArgumentException(
          name
              + ": expected "
              + numel()
              + " values for shape "
              + Arrays.toString(shape())
              + ", got "
              + values.length);
    }
    replaceValues(values);
  }

  @Override
  public String toString() {
    return "Parameter " + name + Arrays.toString(shape());
  }
}
