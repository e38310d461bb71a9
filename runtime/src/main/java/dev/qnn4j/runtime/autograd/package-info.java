/**
 * The autograd tape: {@code Ops} are the differentiable operations (each records a {@code GradFn}),
 * {@code Autograd} runs the backward pass in reverse topological order, and {@code GradMode} turns
 * recording off for evaluation.
 */
package dev.qnn4j.runtime.autograd;
