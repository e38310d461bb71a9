package dev.qnn4j.runtime.io;

import java.io.IOException;

/**
 * A file was not written because a tensor meant for it holds NaN or infinity (see {@link
 * FiniteValues}); nothing was written, an existing file is unchanged. The message is one line.
 */
public final class NonFiniteValueException extends IOException {
  private final String tensor;
  private final int element;

  NonFiniteValueException(String message, String tensor, int element) {
    super(message);
    this.tensor = tensor;
    this.element = element;
  }

  /** The tensor that holds the value. */
  public String tensor() {
    return tensor;
  }

  /** The flat index of its first non-finite element. */
  public int element() {
    return element;
  }
}
