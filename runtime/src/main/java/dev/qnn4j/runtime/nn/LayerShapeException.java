package dev.qnn4j.runtime.nn;

import java.util.Arrays;

/** A tensor of the wrong shape reached a layer. The message names the layer and both shapes. */
public final class LayerShapeException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public LayerShapeException(String layer, String expected, long[] actual) {
    super(layer + ": expected input " + expected + ", got " + Arrays.toString(actual));
  }
}
