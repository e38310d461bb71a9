package dev.qnn4j.runtime.nn;

import dev.qnn4j.runtime.Tensor;
import java.util.List;

/**
 * One step of a traced forward pass: a layer call or a functional operation, with the exact tensor
 * objects it received and returned, so a consumer can connect steps by object identity.
 *
 * @param op what ran
 * @param layer the layer for {@link Op#LAYER}, else null
 * @param inputs the tensors passed in, in order
 * @param output the tensor returned
 * @param ints integer attributes of functional operations: kernel, stride, padding for pooling; the
 *     target shape for reshape; the output height and width for nearest upsampling; the float bits
 *     of scale and shift for affine; empty otherwise
 */
public record TraceEvent(Op op, Module layer, List<Tensor> inputs, Tensor output, long[] ints) {

  /** The kinds of step. */
  public enum Op {
    LAYER,
    MAX_POOL,
    AVG_POOL,
    RELU,
    FLATTEN,
    RESHAPE,
    ADD,
    UPSAMPLE_NEAREST,
    CAT,
    AFFINE
  }
}
