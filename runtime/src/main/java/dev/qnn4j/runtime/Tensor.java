package dev.qnn4j.runtime;

import dev.qnn4j.runtime.autograd.GradFn;
import dev.qnn4j.runtime.autograd.GradMode;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A float32 tensor in row-major NCHW layout, stored in an ND4J array, that takes part in reverse-mode
 * automatic differentiation.
 *
 * <p>A tensor is either a leaf (created by the user or a parameter; its gradient accumulates in
 * {@link #grad()}) or the result of a differentiable operation, in which case it remembers the
 * {@link GradFn} that produced it. The stored array is always contiguous, C-ordered and never
 * mutated by operations; only optimizers update parameter values in place.
 */
public class Tensor {
  private final INDArray value;
  private final long[] shape;
  private final boolean requiresGrad;
  private final GradFn gradFn;
  private INDArray grad;

  /** Wraps {@code value} (made contiguous float32 when it is not) as a leaf tensor. */
  public Tensor(INDArray value, boolean requiresGrad) {
    this(value, requiresGrad, null);
  }

  protected Tensor(INDArray value, boolean requiresGrad, GradFn gradFn) {
    this.value = contiguousFloat(value);
    this.shape = this.value.shape();
    this.requiresGrad = requiresGrad;
    this.gradFn = gradFn;
  }

  /** Shares the value and autograd history of {@code other}: for subclasses that add metadata. */
  protected Tensor(Tensor other) {
    this.value = other.value;
    this.shape = other.shape;
    this.requiresGrad = other.requiresGrad;
    this.gradFn = other.gradFn;
  }

  /** A leaf tensor that does not require a gradient, copying {@code data} (row-major). */
  public static Tensor of(float[] data, long... shape) {
    checkLength(data.length, shape);
    return new Tensor(dev.qnn4j.runtime.kernels.NdArrays.create(data, shape), false);
  }

  /** A 0-d tensor. */
  public static Tensor scalar(float v) {
    return new Tensor(Nd4j.scalar(DataType.FLOAT, v), false);
  }

  public static Tensor zeros(long... shape) {
    return new Tensor(Nd4j.zeros(DataType.FLOAT, shape), false);
  }

  /**
   * The result of a differentiable operation. Records {@code fn} only when gradients are enabled
   * and at least one input needs a gradient.
   */
  public static Tensor result(INDArray value, GradFn fn) {
    if (fn != null && GradMode.isEnabled() && fn.anyInputRequiresGrad()) {
      return new Tensor(value, true, fn);
    }
    return new Tensor(value, false, null);
  }

  public final INDArray value() {
    return value;
  }

  /** A copy of the shape. */
  public final long[] shape() {
    return shape.clone();
  }

  public final long size(int dim) {
    return shape[dim < 0 ? shape.length + dim : dim];
  }

  public final int rank() {
    return shape.length;
  }

  public final long numel() {
    return value.length();
  }

  public final boolean requiresGrad() {
    return requiresGrad;
  }

  /** The operation that produced this tensor, or null for a leaf. */
  public final GradFn gradFn() {
    return gradFn;
  }

  /** The accumulated gradient of a leaf, or null before any backward pass reached it. */
  public final INDArray grad() {
    return grad;
  }

  public final void zeroGrad() {
    grad = null;
  }

  /** Adds {@code g} to this leaf's gradient (called by the backward pass). */
  public final void accumulateGrad(INDArray g) {
    if (!Arrays.equals(g.shape(), shape)) {
      throw new IllegalStateException(
          "gradient of shape " + Arrays.toString(g.shape()) + " for a tensor of shape " + Arrays.toString(shape));
    }
    grad = grad == null ? g.dup('c') : dev.qnn4j.runtime.autograd.Autograd.sum(grad, g);
  }

  /** Back-propagates from this scalar tensor (gradient 1). */
  public final void backward() {
    if (numel() != 1) {
      throw new IllegalStateException(
          "backward() without an upstream gradient needs a scalar, got shape " + Arrays.toString(shape));
    }
    backward(Nd4j.ones(DataType.FLOAT, shape));
  }

  /** Back-propagates {@code upstream}, the gradient of some scalar with respect to this tensor. */
  public final void backward(INDArray upstream) {
    dev.qnn4j.runtime.autograd.Autograd.backward(this, upstream);
  }

  /** A copy of the values, row-major. */
  public final float[] toFloatArray() {
    return dev.qnn4j.runtime.kernels.NdArrays.read(value);
  }

  /** The single value of a tensor with one element. */
  public final float item() {
    if (numel() != 1) {
      throw new IllegalStateException("item() needs one element, got shape " + Arrays.toString(shape));
    }
    return value.getFloat(0);
  }

  /** The same values with no autograd history. */
  public Tensor detach() {
    return new Tensor(value, false, null);
  }

  @Override
  public String toString() {
    return "Tensor" + Arrays.toString(shape) + (requiresGrad ? "(requires_grad)" : "");
  }

  static void checkLength(int length, long[] shape) {
    long n = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
      }
      n *= d;
    }
    if (n != length) {
      throw new IllegalArgumentException(
          "shape " + Arrays.toString(shape) + " needs " + n + " values, got " + length);
    }
  }

  private static INDArray contiguousFloat(INDArray v) {
    INDArray a = v.dataType() == DataType.FLOAT ? v : v.castTo(DataType.FLOAT);
    if (a.ordering() != 'c' || a.isView() || a.offset() != 0 || a.data().length() != a.length()) {
      a = a.dup('c');
    }
    return a;
  }
}
