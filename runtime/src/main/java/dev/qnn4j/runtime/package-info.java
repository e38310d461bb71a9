/**
 * The qnn4j runtime's core types: {@link dev.qnn4j.runtime.Tensor} (values in Java arrays, with the
 * {@link dev.qnn4j.runtime.GradFn} that made it; {@link dev.qnn4j.runtime.Autograd} runs the
 * backward pass as micrograd's {@code Value} does), {@link dev.qnn4j.runtime.QuantTensor} (a tensor
 * with its scale, zero point, bit width and signedness), {@link dev.qnn4j.runtime.Parameter} and
 * {@link dev.qnn4j.runtime.GradMode}. Every other runtime package builds on these, and they depend
 * on nothing but the array kernels. ND4J is the interop type at this boundary ({@code
 * Tensor.of(INDArray)}, {@code Tensor.value()}). The functional operations a model's {@code
 * forward} calls are {@link dev.qnn4j.runtime.nn.F}, as PyTorch's {@code torch.nn.functional}.
 */
package dev.qnn4j.runtime;
