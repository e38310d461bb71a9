package dev.qnn4j.samples.cli;

/**
 * A command ran but failed on its own terms: its own check failed (an exported file that ONNX
 * Runtime runs differently from the Java model), or a resumed training run diverged. Exit code
 * {@link Qnn4jCli#FAILED}.
 */
final class CheckFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  CheckFailedException(String message) {
    super(message);
  }

  CheckFailedException(String message, Throwable cause) {
    super(message, cause);
  }
}
