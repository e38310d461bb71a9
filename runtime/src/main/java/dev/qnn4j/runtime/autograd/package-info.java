/**
 * The differentiable operations ({@code Ops}): each computes its result with the array kernels and
 * records a {@link dev.qnn4j.runtime.GradFn} on it. The tape itself (tensors, grad functions,
 * {@link dev.qnn4j.runtime.Autograd}'s backward pass, {@link dev.qnn4j.runtime.GradMode}) lives in
 * the root package, which depends on nothing here.
 */
package dev.qnn4j.runtime.autograd;
