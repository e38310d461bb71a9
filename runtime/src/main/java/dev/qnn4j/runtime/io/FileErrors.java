package dev.qnn4j.runtime.io;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

/**
 * Gives the readers' I/O failures (as opposed to format problems) the same one-line {@code <file>:
 * <problem>} message as {@link Qnn4jFormatException}: the JDK's own messages say only the path for
 * a missing file ({@code "x.npy"}) and only the reason for a failed read ({@code "Is a
 * directory"}). The exception types callers test for (NoSuchFileException, AccessDeniedException)
 * are kept.
 */
public final class FileErrors {
  private FileErrors() {}

  public static IOException naming(String source, IOException e) {
    if (e instanceof Qnn4jFormatException) {
      return e;
    }
    FileSystemException named;
    if (e instanceof NoSuchFileException) {
      named = new NoSuchFileException(source, null, "no such file");
    } else if (e instanceof AccessDeniedException) {
      named = new AccessDeniedException(source, null, "permission denied");
    } else if (e instanceof FileSystemException f && f.getFile() != null && f.getReason() != null) {
      return e; // already "<file>: <reason>"
    } else {
      String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      named = new FileSystemException(source, null, reason.replaceAll("\\R+", " "));
    }
    named.initCause(e);
    return named;
  }
}
