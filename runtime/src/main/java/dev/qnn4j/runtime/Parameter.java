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

  /**
   * Whether the values array is this parameter's alone (made or taken by it), so that an optimizer
   * may update it in place; false while it is shared with the tensor it was set from.
   */
  private boolean ownsValues;

  /** A parameter holding a copy of {@code values} (row-major) in {@code shape}. */
  public Parameter(String name, float[] values, long... shape) {
    super(values.clone(), shape, true, null);
    this.name = name;
    this.ownsValues = true;
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
    ownsValues = false;
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
    ownsValues = true;
  }

  /**
   * The values, for an optimizer to update in place (as {@code torch.optim} does): training steps
   * then allocate no parameter arrays. Values shared with the tensor they were set from are copied
   * first, once, so that tensor never changes. Anyone who kept {@link #data()} of a parameter being
   * trained sees it change; {@link #toFloatArray()} is a copy that does not.
   */
  public float[] valuesForUpdate() {
    if (!ownsValues) {
      replaceValues(data().clone());
      ownsValues = true;
    }
    valuesWillChange();
    return data();
  }

  @Override
  public String toString() {
    return "Parameter " + name + Arrays.toString(shape());
  }
}
