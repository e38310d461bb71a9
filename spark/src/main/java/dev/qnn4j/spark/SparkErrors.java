package dev.qnn4j.spark;

import org.apache.spark.SparkException;

/** Turns a failed Spark job into the one line that says what went wrong in the task. */
public final class SparkErrors {
  private SparkErrors() {}

  /**
   * The message of the exception a task threw (Spark wraps it, as a cause or inside a "Job aborted
   * due to stage failure" text with the remote stack trace), without the wrapping; else the first
   * line of the outermost message.
   */
  public static String message(Throwable e) {
    Throwable t = e;
    while (t != null) {
      if (!(t instanceof SparkException) && t.getMessage() != null) {
        return firstLine(t.getMessage());
      }
      if (t.getCause() == null || t.getCause() == t) {
        break;
      }
      t = t.getCause();
    }
    String text = firstLine(String.valueOf(t != null ? t.getMessage() : e.getMessage()));
    // "...most recent failure: Lost task 1.0 in stage 3.0 (TID 7) (host executor 1): java.lang.X:
    // the message"
    int lost = text.indexOf("Lost task");
    if (lost >= 0) {
      String rest = text.substring(lost);
      int ex = rest.indexOf("Exception: ");
      int err = rest.indexOf("Error: ");
      int at = ex >= 0 ? ex + "Exception: ".length() : err >= 0 ? err + "Error: ".length() : -1;
      if (at >= 0) {
        return rest.substring(at);
      }
    }
    return text;
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return (nl >= 0 ? s.substring(0, nl) : s).trim();
  }
}
