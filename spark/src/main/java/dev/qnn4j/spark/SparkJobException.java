package dev.qnn4j.spark;

/**
 * A Spark job of a {@link Cluster} failed, or the session could not start; the message is one line
 * saying what went wrong (a task's own exception message, without Spark's wrapping).
 */
public final class SparkJobException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  SparkJobException(String message, Throwable cause) {
    super(message, cause);
  }
}
