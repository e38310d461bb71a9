/**
 * Array kernels on {@code float[]}: matrix products ({@code Gemm}), convolutions (im2col, direct
 * Java kernels, and oneDNN's for 16 output channels or more: {@code Convolution}), pooling,
 * branch-free fake quantization with straight-through masks ({@code FakeQuant}), the statistics
 * (abs-max, percentile), the work splitting over cores ({@code Parallel}) and reusable scratch
 * memory ({@code Workspace}). They know nothing of tensors or the tape.
 */
package dev.qnn4j.runtime.kernels;
