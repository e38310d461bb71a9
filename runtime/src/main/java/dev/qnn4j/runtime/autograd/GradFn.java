package dev.qnn4j.runtime.autograd;

import dev.qnn4j.runtime.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The backward step of one differentiable operation: given the gradient of the loss with respect
 * to the operation's output, it returns the gradients with respect to each input.
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
   * One gradient per input, in order, each of the input's shape; null where an input needs none.
   * Implementations must not modify {@code gradOutput}.
   */
  public abstract INDArray[] backward(INDArray gradOutput);

  /** A grad function from a lambda. */
  public static GradFn of(String name, Backward backward, Tensor... inputs) {
    return new GradFn(name, inputs) {
      @Override
      public INDArray[] backward(INDArray gradOutput) {
        return backward.apply(gradOutput);
      }
    };
  }

  /** The body of a backward step. */
  @FunctionalInterface
  public interface Backward {
    INDArray[] apply(INDArray gradOutput);
  }

  @Override
  public String toString() {
    return name + "Backward";
  }
}
