package dev.qnn4j.runtime;

/**
 * Whether operations record their inputs for a backward pass. Evaluation and calibration turn it
 * off so no graph is built; the setting is per thread.
 */
public final class GradMode {
  private static final ThreadLocal<Boolean> ENABLED = ThreadLocal.withInitial(() -> Boolean.TRUE);

  private GradMode() {}

  public static boolean isEnabled() {
    return ENABLED.get();
  }

  /** Disables recording until the returned scope is closed (try-with-resources). */
  public static Scope noGrad() {
    boolean previous = ENABLED.get();
    ENABLED.set(Boolean.FALSE);
    return () -> ENABLED.set(previous);
  }

  /** A scope that restores the previous mode when closed. */
  public interface Scope extends AutoCloseable {
    @Override
    void close();
  }
}
