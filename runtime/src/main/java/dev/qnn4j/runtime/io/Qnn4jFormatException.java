package dev.qnn4j.runtime.io;

import java.io.IOException;

/**
 * A file's content does not follow its format (bad magic, inconsistent header, truncated data...).
 *
 * <p>It is an {@link IOException} because callers handle it the same way as a failed read: report
 * and stop. The message is always a single line of the form {@code <source>: <problem>}, so it can
 * be printed as-is by a command-line tool or a log line, e.g. {@code weights.safetensors: tensor
 * 'conv1.weight' declares 450 elements but its data_offsets span 1796 bytes (expected 1800)}.
 */
public class Qnn4jFormatException extends IOException {

  /** Longest name {@link #quote} shows in full. */
  private static final int MAX_QUOTED = 100;

  /** Longest problem text a message carries; longer ones are cut (a backstop, see quote). */
  private static final int MAX_PROBLEM = 800;

  private final String source;
  private final String problem;

  public Qnn4jFormatException(String source, String problem) {
    this(source, problem, null);
  }

  public Qnn4jFormatException(String source, String problem, Throwable cause) {
    super(oneLine(source) + ": " + abbreviate(oneLine(problem)), cause);
    this.source = source;
    this.problem = problem;
  }

  /** The file (or stream name) that was being read. */
  public String source() {
    return source;
  }

  /** What was wrong, without the source prefix. */
  public String problem() {
    return problem;
  }

  /**
   * Quotes a name taken from a file (a tensor name, a dtype string) for use in a message: control
   * characters are escaped so that a hostile name cannot break the one-line guarantee.
   */
  public static String quote(String name) {
    if (name.length() > MAX_QUOTED) {
      // Keep messages short whatever a file contains; the start is what identifies a name.
      int cut =
          Character.isHighSurrogate(name.charAt(MAX_QUOTED - 1)) ? MAX_QUOTED - 1 : MAX_QUOTED;
      return quote(name.substring(0, cut)) + "... (" + name.length() + " characters)";
    }
    StringBuilder sb = new StringBuilder(name.length() + 2).append('\'');
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == '\u2028' || c == '\u2029') {
        sb.append(String.format("\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    return sb.append('\'').toString();
  }

  private static String abbreviate(String s) {
    if (s.length() <= MAX_PROBLEM) {
      return s;
    }
    int cut = Character.isHighSurrogate(s.charAt(MAX_PROBLEM - 1)) ? MAX_PROBLEM - 1 : MAX_PROBLEM;
    return s.substring(0, cut) + "...";
  }

  private static String oneLine(String s) {
    return String.valueOf(s).replaceAll("[\\r\\n\\u000B\\u000C\\u0085\\u2028\\u2029]+", " ");
  }
}
