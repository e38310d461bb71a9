package dev.qnn4j.runtime.quant;

/**
 * An activation quantizer met a NaN or infinite batch statistic while collecting statistics
 * (calibration, or the first steps of training). Thrown before the running statistic is updated, so
 * the quantizer keeps its last finite state. The message names the layer.
 */
public final class NonFiniteStatisticException extends IllegalStateException {
  private final String layer;

  NonFiniteStatisticException(String layer, String message) {
    super(message);
    this.layer = layer;
  }

  /** The layer that owns the quantizer, e.g. {@code relu1}. */
  public String layer() {
    return layer;
  }
}
