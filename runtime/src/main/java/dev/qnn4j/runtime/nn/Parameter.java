package dev.qnn4j.runtime.nn;

import dev.qnn4j.runtime.Tensor;
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

  /** Replaces the values (same shape), e.g. when loading weights. */
  public void set(INDArray newValue) {
    if (!java.util.Arrays.equals(newValue.shape(), value().shape())) {
      throw new IllegalArgumentException(name + ": expected shape " + java.util.Arrays.toString(value().shape())
          + ", got " + java.util.Arrays.toString(newValue.shape()));
    }
    value().assign(newValue);
  }

  @Override
  public String toString() {
    return "Parameter " + name + java.util.Arrays.toString(shape());
  }
}
