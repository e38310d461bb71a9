package dev.qnn4j.runtime;

import dev.qnn4j.runtime.kernels.NdArrays;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A float32 tensor in row-major NCHW layout that takes part in reverse-mode automatic
 * differentiation.
 *
 * <p>A tensor is either a leaf (created by the user or a parameter; its gradient accumulates in
 * {@link #grad()}) or the result of a differentiable operation, in which case it remembers the
 * {@link GradFn} that produced it.
 *
 * <p>Values live in a Java array that the kernels read directly; the ND4J array of {@link #value()}
 * is made from it on first request. Training creates and drops dozens of large tensors per step,
 * and giving each a native ND4J buffer (allocation, two copies, a cleaner) cost more than the
 * arithmetic. The values are never modified in place: operations make new arrays, and {@link
 * #replaceValues} (for parameters and quantizer state) swaps in a new one. The exception is a
 * parameter's values, which its optimizer updates in place, as PyTorch does (see {@link
 * Parameter#valuesForUpdate}).
 */
public class Tensor {
  private float[] data;
  private final long[] shape;
  private final boolean requiresGrad;
  private final GradFn gradFn;
  private INDArray view;
  private float[] grad;

  /**
   * The gradient array {@link #zeroGrad} let go of, refilled by the next {@link #accumulateGrad}:
   * training steps then allocate no gradient arrays.
   */
  private float[] spareGrad;

  /** Copies {@code value} (any data type, order or view) into a leaf tensor. */
  public Tensor(INDArray value, boolean requiresGrad) {
    this(NdArrays.read(value), value.shape(), requiresGrad, null);
  }

  /** Takes {@code data} (row-major, not copied: the caller must not modify it afterwards). */
  protected Tensor(float[] data, long[] shape, boolean requiresGrad, GradFn gradFn) {
    checkLength(data.length, shape);
    this.data = data;
    this.shape = shape.clone();
    this.requiresGrad = requiresGrad;
    this.gradFn = gradFn;
  }

  /** Shares the values and autograd history of {@code other}: for subclasses that add metadata. */
  protected Tensor(Tensor other) {
    this.data = other.data;
    this.shape = other.shape;
    this.requiresGrad = other.requiresGrad;
    this.gradFn = other.gradFn;
    this.view = other.view;
  }

  /**
   * A leaf tensor that does not require a gradient, copying {@code value}: where ND4J arrays enter.
   */
  public static Tensor of(INDArray value) {
    return new Tensor(value, false);
  }

  /** A leaf tensor that does not require a gradient, copying {@code data} (row-major). */
  public static Tensor of(float[] data, long... shape) {
    return new Tensor(data.clone(), shape, false, null);
  }

  /** A 0-d tensor. */
  public static Tensor scalar(float v) {
    return new Tensor(new float[] {v}, new long[0], false, null);
  }

  public static Tensor zeros(long... shape) {
    checkLength(-1, shape);
    return new Tensor(new float[Math.toIntExact(NdArrays.numel(shape))], shape, false, null);
  }

  /**
   * The result of a differentiable operation, taking ownership of {@code data}. Records {@code fn}
   * only when gradients are enabled and at least one input needs a gradient.
   */
  public static Tensor result(float[] data, long[] shape, GradFn fn) {
    if (fn != null && GradMode.isEnabled() && fn.anyInputRequiresGrad()) {
      return new Tensor(data, shape, true, fn);
    }
    return new Tensor(data, shape, false, null);
  }

  /**
   * The values as an ND4J array, made on first request and kept. It is a copy: changing it does not
   * change the tensor (use {@link dev.qnn4j.runtime.Parameter#set} for parameters).
   */
  public final INDArray value() {
    INDArray v = view;
    if (v == null) {
      v = NdArrays.create(data, shape);
      view = v;
    }
    return v;
  }

  /**
   * The values, row-major, without a copy: for kernels and other read-only use. Never modify the
   * array; {@link #toFloatArray()} gives a copy that may be.
   */
  public final float[] data() {
    return data;
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
    return data.length;
  }

  public final boolean requiresGrad() {
    return requiresGrad;
  }

  /** The operation that produced this tensor, or null for a leaf. */
  public final GradFn gradFn() {
    return gradFn;
  }

  /**
   * The accumulated gradient of a leaf as a new ND4J array, or null before any backward pass
   * reached it.
   */
  public final INDArray grad() {
    return grad == null ? null : NdArrays.create(grad, shape);
  }

  /**
   * The accumulated gradient of a leaf without a copy (read-only), or null. The array is reused by
   * the backward pass after the next {@link #zeroGrad}: copy it, or {@link #takeGrad} it, to keep
   * it.
   */
  public final float[] gradData() {
    return grad;
  }

  /**
   * Clears the gradient ({@link #gradData} is null afterwards); its array is kept and refilled by
   * the next backward pass.
   */
  public final void zeroGrad() {
    if (grad != null) {
      spareGrad = grad;
    }
    grad = null;
  }

  /**
   * The accumulated gradient (or null), handed over: this tensor forgets the array and keeps none.
   */
  public final float[] takeGrad() {
    float[] g = grad;
    grad = null;
    return g;
  }

  /**
   * Adds {@code g}, a gradient of this tensor's shape, to this leaf's gradient (called by the
   * backward pass).
   */
  public final void accumulateGrad(float[] g) {
    if (g.length != data.length) {
      throw new IllegalStateException(
          "gradient of " + g.length + " values for a tensor of shape " + Arrays.toString(shape));
    }
    if (grad == null) {
      float[] spare = spareGrad;
      spareGrad = null;
      if (spare != null && spare.length == g.length) {
        System.arraycopy(g, 0, spare, 0, g.length);
        grad = spare;
      } else {
        grad = g.clone();
      }
      return;
    }
    for (int i = 0; i < g.length; i++) {
      grad[i] += g[i];
    }
  }

  /** Back-propagates from this scalar tensor (gradient 1). */
  public final void backward() {
    if (numel() != 1) {
      throw new IllegalStateException(
          "backward() without an upstream gradient needs a scalar, got shape "
              + Arrays.toString(shape));
    }
    Autograd.backward(this, new float[] {1f});
  }

  /** Back-propagates {@code upstream}, the gradient of some scalar with respect to this tensor. */
  public final void backward(INDArray upstream) {
    if (!Arrays.equals(upstream.shape(), shape)) {
      throw new IllegalArgumentException(
          "upstream gradient of shape "
              + Arrays.toString(upstream.shape())
              + " for a tensor of shape "
              + Arrays.toString(shape));
    }
    Autograd.backward(this, NdArrays.read(upstream));
  }

  /** A copy of the values, row-major. */
  public final float[] toFloatArray() {
    return data.clone();
  }

  /** The single value of a tensor with one element. */
  public final float item() {
    if (numel() != 1) {
      throw new IllegalStateException(
          "item() needs one element, got shape " + Arrays.toString(shape));
    }
    return data[0];
  }

  /** The same values with no autograd history. */
  public Tensor detach() {
    return new Tensor(data, shape, false, null);
  }

  /** Drops the ND4J copy of the values: for a subclass that is about to change them in place. */
  protected final void valuesWillChange() {
    view = null;
  }

  /** Swaps in new values of the same length (taken, not copied), for leaves such as parameters. */
  protected final void replaceValues(float[] newData) {
    if (gradFn != null) {
      throw new IllegalStateException("only a leaf tensor's values can be replaced");
    }
    checkLength(newData.length, shape);
    data = newData;
    view = null;
  }

  @Override
  public String toString() {
    return "Tensor" + Arrays.toString(shape) + (requiresGrad ? "(requires_grad)" : "");
  }

  /**
   * Checks that {@code shape} has no negative dimension and, unless length is -1, holds {@code
   * length} values.
   */
  static void checkLength(int length, long[] shape) {
    long n = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
      }
      n *= d;
    }
    if (length >= 0 && n != length) {
      throw new IllegalArgumentException(
          "shape " + Arrays.toString(shape) + " needs " + n + " values, got " + length);
    }
  }
}
