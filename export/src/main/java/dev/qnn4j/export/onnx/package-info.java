/**
 * ONNX plumbing shared by the exporters: protobuf model building ({@link
 * dev.qnn4j.export.onnx.OnnxGraphBuilder}), tensor conversion ({@link
 * dev.qnn4j.export.onnx.OnnxTensors}), the integer storage types and Clip bounds of each bit width
 * ({@link dev.qnn4j.export.onnx.OnnxIntegers}), a structural checker for written models ({@link
 * dev.qnn4j.export.onnx.OnnxModelChecker}) and atomic, finite-checked reading and writing ({@link
 * dev.qnn4j.export.onnx.OnnxFiles}).
 */
package dev.qnn4j.export.onnx;
