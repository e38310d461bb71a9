package dev.qnn4j.runtime;

/**
 * The backward step of one differentiable operation: given the gradient of the loss with respect to
 * the operation's output, it returns the gradients with respect to each input.
 */
public abstract class GradFn {
  private final String name;
  private final Tensor[] inputs;

  protected GradFn(String name, Tensor... inputs) {
    this.name = name;
    this.inputs = inputs;
  }

  public final String name() {
    return name;
  }

  public final Tensor[] inputs() {
    return inputs;
  }

  public final boolean anyInputRequiresGrad() {
    for (Tensor t : inputs) {
      if (t != null && t.requiresGrad()) {
        return true;
      }
    }
    return false;
  }

  /**
   * One gradient per input, in order, each with the input's number of values (row-major, in the
   * input's shape); null where an input needs none. Implementations must not modify {@code
   * gradOutput}, and may return it as the gradient of several inputs.
   */
  public abstract float[][] backward(float[] gradOutput);

  /** A grad function from a lambda. */
  public static GradFn of(String name, Backward backward, Tensor... inputs) {
    return new GradFn(name, inputs) {
      @Override
      public float[][] backward(float[] gradOutput) {
        return backward.apply(gradOutput);
      }
    };
  }

  /** The body of a backward step. */
  @FunctionalInterface
  public interface Backward {
    float[][] apply(float[] gradOutput);
  }

  @Override
  public String toString() {
    return name + "Backward";
  }
}
