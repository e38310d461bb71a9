package dev.qnn4j.runtime.kernels;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ExecutionException;

/**
 * Splits a loop over {@code [0, n)} into one contiguous chunk per core. The split depends only on
 * {@code n} and the core count, never on timing, so reductions done per chunk and combined in chunk
 * order give the same bits on every run of the same machine.
 */
public final class Parallel {
  /** Below this many elements a loop runs on the calling thread: the hand-off would cost more. */
  public static final int MIN_PARALLEL_WORK = 1 << 15;

  private static final int THREADS = Math.max(1, Integer.getInteger("qnn4j.threads",
      Runtime.getRuntime().availableProcessors()));
  private static final ExecutorService POOL = THREADS == 1 ? null : Executors.newFixedThreadPool(THREADS - 1, r -> {
    Thread t = new Thread(r, "qnn4j-kernel");
    t.setDaemon(true);
    return t;
  });

  /** Set while a thread runs a chunk: nested loops then run inline instead of waiting on the pool. */
  private static final ThreadLocal<Boolean> INSIDE = ThreadLocal.withInitial(() -> Boolean.FALSE);

  private Parallel() {}

  /** The body of one chunk: indices {@code [from, to)}, chunk number {@code chunk}. */
  @FunctionalInterface
  public interface Chunk {
    void run(int chunk, int from, int to);
  }

  /** How many chunks {@link #forRange} uses for {@code n} items of {@code workPerItem} elements. */
  public static int chunks(int n, long workPerItem) {
    if (THREADS == 1 || n < 2 || (long) n * workPerItem < MIN_PARALLEL_WORK || INSIDE.get()) {
      return 1;
    }
    return Math.min(THREADS, n);
  }

  /** Runs {@code body} over {@code [0, n)} in {@link #chunks} chunks; the caller runs the first. */
  public static void forRange(int n, long workPerItem, Chunk body) {
    int chunks = chunks(n, workPerItem);
    if (chunks == 1) {
      body.run(0, 0, n);
      return;
    }
    @SuppressWarnings("unchecked")
    Future<?>[] futures = new Future<?>[chunks - 1];
    for (int c = 1; c < chunks; c++) {
      int chunk = c;
      futures[c - 1] = POOL.submit(() -> runInside(body, chunk, bound(n, chunks, chunk), bound(n, chunks, chunk + 1)));
    }
    runInside(body, 0, 0, bound(n, chunks, 1));
    for (Future<?> f : futures) {
      try {
        f.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for a kernel", e);
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        if (cause instanceof RuntimeException re) {
          throw re;
        }
        if (cause instanceof Error err) {
          throw err;
        }
        throw new IllegalStateException(cause);
      }
    }
  }

  private static void runInside(Chunk body, int chunk, int from, int to) {
    INSIDE.set(Boolean.TRUE);
    try {
      body.run(chunk, from, to);
    } finally {
      INSIDE.set(Boolean.FALSE);
    }
  }

  private static int bound(int n, int chunks, int c) {
    return (int) ((long) n * c / chunks);
  }
}
