/**
 * The qnn4j runtime's API: {@link dev.qnn4j.runtime.Tensor} (values in Java arrays, gradients
 * through the tape in {@code autograd}), {@link dev.qnn4j.runtime.QuantTensor} (a tensor with its
 * scale, zero point, bit width and signedness), {@link dev.qnn4j.runtime.Parameter} and the
 * functional operations {@link dev.qnn4j.runtime.F} that a model's {@code forward} calls. ND4J is
 * the interop type at this boundary ({@code Tensor.of(INDArray)}, {@code Tensor.value()}), not a
 * hop inside it.
 */
package dev.qnn4j.runtime;
