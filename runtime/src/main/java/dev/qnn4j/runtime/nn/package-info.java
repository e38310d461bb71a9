/**
 * Layers, as Brevitas' {@code nn}: the float layers ({@code Conv2d}, {@code Linear}, {@code ReLU},
 * {@code BatchNorm2d}) and their quantized forms, which extend or wrap them ({@code QuantConv2d},
 * {@code QuantLinear} with their {@code WeightLayerQuantizers}; {@code QuantReLU}, {@code
 * QuantIdentity}, {@code QuantMaxPool2d}, {@code QuantEltwiseAdd}); {@code Module} and {@code
 * Model}, which generated models implement; the functional operations {@code F} (as PyTorch's
 * {@code torch.nn.functional}); static shape checks ({@code Shapes}); and the forward trace ({@code
 * Tracer}) that export and the graph transforms read.
 */
package dev.qnn4j.runtime.nn;
