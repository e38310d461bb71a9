package dev.qnn4j.export;

/**
 * A model that cannot be written in the requested ONNX format: a quantizer the format cannot
 * express, a layer it has no operator for, a step of the forward pass the exporter cannot see. The
 * message is one line that starts with the layer concerned, e.g. {@code "relu1: unsigned 16-bit
 * activation quantization cannot be expressed in QCDQ ..."}. No file is written when it is thrown.
 */
public final class ExportException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String layer;

  public ExportException(String layer, String reason) {
    super(layer + ": " + reason);
    this.layer = layer;
  }

  /** The layer (or functional operation, e.g. {@code F.add}) the export failed at. */
  public String layer() {
    return layer;
  }
}
