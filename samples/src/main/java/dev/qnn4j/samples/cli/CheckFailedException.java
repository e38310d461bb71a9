package dev.qnn4j.samples.cli;

/**
 * A command ran to the end but its own check failed (an exported file that ONNX Runtime runs
 * differently from the Java model). Exit code {@link Qnn4jCli#FAILED}.
 */
final class CheckFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  CheckFailedException(String message) {
    super(message);
  }
}
