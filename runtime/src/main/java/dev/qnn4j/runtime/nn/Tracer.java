package dev.qnn4j.runtime.nn;

import dev.qnn4j.runtime.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Records the topology of one forward pass (for export): while a trace is open on this thread,
 * layers and {@code F} operations report each call. Recording costs nothing when no trace is open.
 */
public final class Tracer {
  private static final ThreadLocal<List<TraceEvent>> ACTIVE = new ThreadLocal<>();

  private Tracer() {}

  /** Runs {@code forward} with tracing on and returns the recorded steps in call order. */
  public static List<TraceEvent> trace(Runnable forward) {
    return trace(forward, new ArrayList<>());
  }

  /**
   * {@link #trace(Runnable)} into {@code events}, which keeps the events recorded before {@code
   * forward} failed, if it does.
   */
  public static List<TraceEvent> trace(Runnable forward, List<TraceEvent> events) {
    List<TraceEvent> previous = ACTIVE.get();
    ACTIVE.set(events);
    try {
      forward.run();
    } finally {
      if (previous == null) {
        ACTIVE.remove();
      } else {
        ACTIVE.set(previous);
      }
    }
    return events;
  }

  public static boolean active() {
    return ACTIVE.get() != null;
  }

  /** Records a layer call; returns {@code output} for chaining. */
  public static <T extends Tensor> T layer(Module layer, T output, Tensor... inputs) {
    List<TraceEvent> events = ACTIVE.get();
    if (events != null) {
      events.add(new TraceEvent(TraceEvent.Op.LAYER, layer, List.of(inputs), output, new long[0]));
    }
    return output;
  }

  /** Records a functional operation; returns {@code output} for chaining. */
  public static <T extends Tensor> T op(TraceEvent.Op op, T output, long[] ints, Tensor... inputs) {
    List<TraceEvent> events = ACTIVE.get();
    if (events != null) {
      events.add(new TraceEvent(op, null, List.of(inputs), output, ints.clone()));
    }
    return output;
  }
}
