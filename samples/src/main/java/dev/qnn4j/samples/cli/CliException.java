package dev.qnn4j.samples.cli;

/**
 * Bad input to a command: a missing or malformed file, a wrong shape, an unknown model, an
 * impossible option value. The command line prints the message as one line and exits with {@link
 * Qnn4jCli#BAD_INPUT}.
 */
public final class CliException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public CliException(String message) {
    super(message);
  }

  public CliException(String message, Throwable cause) {
    super(message, cause);
  }
}
