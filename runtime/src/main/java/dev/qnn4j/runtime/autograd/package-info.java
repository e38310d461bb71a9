/**
 * The autograd tape's operations: {@code Ops} are the differentiable operations (each records a
 * {@link dev.qnn4j.runtime.GradFn} on its result) and {@code Autograd} runs the backward pass in
 * reverse topological order. Tensors, their grad functions and {@link dev.qnn4j.runtime.GradMode}
 * live in the root package, which depends on nothing here.
 */
package dev.qnn4j.runtime.autograd;
