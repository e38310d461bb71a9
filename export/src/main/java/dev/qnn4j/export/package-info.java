/**
 * ONNX export of trained or calibrated qnn4j models.
 *
 * <p>{@link dev.qnn4j.export.QcdqExporter} (QCDQ, as Brevitas' {@code export_onnx_qcdq}), {@link
 * dev.qnn4j.export.QonnxExporter} (QONNX {@code Quant} nodes, for FINN) and {@link
 * dev.qnn4j.export.QopExporter} (QLinearConv / QLinearMatMul) share one pipeline: a traced
 * evaluation-mode forward pass ({@code GraphCapture}) becomes a format-neutral graph with every
 * quantizer resolved to constants ({@code ExportGraph}), which a format emitter writes with {@link
 * dev.qnn4j.export.onnx.OnnxGraphBuilder}. Settings are in {@link dev.qnn4j.export.ExportOptions};
 * what a format cannot express is an {@link dev.qnn4j.export.ExportException} naming the layer.
 *
 * <p>The topology comes from one forward pass of the model in evaluation mode, without gradients,
 * on the example input (or zeros of {@code [1, inputShape...]}); the layers' training flags are
 * restored afterwards and nothing else about the model changes (QCDQ and QOp fold a BatchNorm into
 * the exported constants of the convolution before it, not into the layer; QONNX writes it as a
 * BatchNormalization node). The graph has one float input and one float output, both with a dynamic
 * batch dimension, and carries the producer ({@code qnn4j} and its version), the model name and the
 * format as metadata. The model is built and checked in memory and then written atomically: an
 * {@link dev.qnn4j.export.ExportException} or an I/O error leaves no file behind.
 */
package dev.qnn4j.export;
