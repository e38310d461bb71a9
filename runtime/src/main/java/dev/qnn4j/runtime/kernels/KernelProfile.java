package dev.qnn4j.runtime.kernels;

import java.util.ArrayList;
import java.util.List;

/**
 * Optional timing of kernel calls, for {@code qnn4j bench --profile}: while one thread records,
 * each instrumented kernel it calls (convolution, dense, ReLU, pooling, fake quantization, the
 * percentile statistic, cross-entropy) adds an event with its wall time and the size of the tensor
 * it produces, in call order. Kernels called on other threads (the chunks of a parallel loop) are
 * part of their caller's time. Off, it costs one volatile read per kernel call.
 */
public final class KernelProfile {
  /**
   * One kernel call: its name, the number of values of the tensor that identifies it (the output of
   * a forward kernel, the output gradient of a backward kernel), and its wall time.
   */
  public record Event(String kernel, long size, long nanos) {}

  private static volatile Thread recording;
  private static final List<Event> EVENTS = new ArrayList<>();

  private KernelProfile() {}

  /** Starts recording the calling thread's kernel calls, dropping any earlier events. */
  public static void start() {
    EVENTS.clear();
    recording = Thread.currentThread();
  }

  /** Stops recording; returns the events since {@link #start}, in call order. */
  public static List<Event> stop() {
    recording = null;
    List<Event> events = List.copyOf(EVENTS);
    EVENTS.clear();
    return events;
  }

  /** How many events have been recorded since {@link #start}. */
  public static int count() {
    return EVENTS.size();
  }

  /** A kernel's start time when this thread records, else 0 (then {@link #end} does nothing). */
  public static long begin() {
    return recording == Thread.currentThread() ? System.nanoTime() : 0L;
  }

  /** Records the kernel call begun at {@code start} (a {@link #begin} value). */
  public static void end(long start, String kernel, long size) {
    if (start != 0L) {
      EVENTS.add(new Event(kernel, size, System.nanoTime() - start));
    }
  }
}
