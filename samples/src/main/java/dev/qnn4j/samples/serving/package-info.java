/**
 * Serving an exported QCDQ model from Java with ONNX Runtime alone, without the training runtime.
 */
package dev.qnn4j.samples.serving;
