/**
 * File formats: {@code .npy}, safetensors, PyTorch checkpoints ({@code TorchFiles}, through a
 * restricted unpickler that never runs anything in a file), {@code WeightFiles} choosing between
 * them by content, atomic writes ({@code AtomicFiles}), the finite-value check every writer of
 * state uses ({@code FiniteValues}), and one-line format errors ({@code Qnn4jFormatException}).
 */
package dev.qnn4j.runtime.io;
