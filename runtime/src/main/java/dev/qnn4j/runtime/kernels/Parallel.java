package dev.qnn4j.runtime.kernels;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Splits a loop over {@code [0, n)} into one contiguous chunk per core. The split depends only on
 * {@code n} and the core count, never on timing, so reductions done per chunk and combined in chunk
 * order give the same bits on every run of the same machine.
 *
 * <p>The worker threads wait for work by spinning briefly before they park: a training step hands
 * out dozens of loops of 50 to 500 microseconds each, and waking a parked thread through an
 * executor took 10 to 40 microseconds per loop. One caller at a time uses the workers; a loop
 * started while another thread holds them runs all its chunks on the calling thread, in order.
 */
public final class Parallel {
  /** Below this many elements a loop runs on the calling thread: the hand-off would cost more. */
  public static final int MIN_PARALLEL_WORK = 1 << 15;

  private static final int THREADS =
      Math.max(1, Integer.getInteger("qnn4j.threads", Runtime.getRuntime().availableProcessors()));

  /** How long an idle worker spins for the next loop before parking. */
  private static final long SPIN_NANOS = 50_000;

  /**
   * Set while a thread runs a chunk: nested loops then run inline instead of waiting on the pool.
   */
  private static final ThreadLocal<Boolean> INSIDE = ThreadLocal.withInitial(() -> Boolean.FALSE);

  private static final ReentrantLock OWNER = new ReentrantLock();
  private static final Worker[] WORKERS = new Worker[THREADS - 1];

  /** The loop being run: written by the owner before {@link #generation} is incremented. */
  private static Chunk body;

  private static int loopSize;
  private static int loopChunks;
  private static volatile long generation;
  private static final AtomicInteger REMAINING = new AtomicInteger();
  private static volatile Throwable failure;
  private static volatile Thread waitingOwner;

  static {
    for (int i = 0; i < WORKERS.length; i++) {
      WORKERS[i] = new Worker(i + 1);
      WORKERS[i].start();
    }
  }

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
    if (!OWNER.tryLock()) {
      // Another thread is using the workers: same chunks, one after the other, on this thread.
      for (int c = 0; c < chunks; c++) {
        runInside(body, c, bound(n, chunks, c), bound(n, chunks, c + 1));
      }
      return;
    }
    try {
      runOnWorkers(n, chunks, body);
    } finally {
      OWNER.unlock();
    }
  }

  private static void runOnWorkers(int n, int chunks, Chunk chunkBody) {
    body = chunkBody;
    loopSize = n;
    loopChunks = chunks;
    failure = null;
    // Every worker takes part (those without a chunk just check in), so none can still be reading
    // these fields when the next loop writes them.
    REMAINING.set(WORKERS.length);
    generation = generation + 1; // publishes the fields above to the workers
    for (Worker w : WORKERS) {
      LockSupport.unpark(w);
    }
    Throwable own = null;
    try {
      runInside(chunkBody, 0, 0, bound(n, chunks, 1));
    } catch (RuntimeException | Error e) {
      own = e;
    }
    awaitWorkers();
    body = null;
    Throwable t = own != null ? own : failure;
    if (t instanceof RuntimeException re) {
      throw re;
    }
    if (t instanceof Error err) {
      throw err;
    }
    if (t != null) {
      throw new IllegalStateException(t);
    }
  }

  private static void awaitWorkers() {
    long spinUntil = System.nanoTime() + SPIN_NANOS;
    while (REMAINING.get() > 0) {
      if (System.nanoTime() < spinUntil) {
        Thread.onSpinWait();
      } else {
        waitingOwner = Thread.currentThread();
        if (REMAINING.get() > 0) {
          LockSupport.parkNanos(100_000);
        }
        waitingOwner = null;
      }
    }
  }

  private static void runInside(Chunk chunkBody, int chunk, int from, int to) {
    INSIDE.set(Boolean.TRUE);
    try {
      chunkBody.run(chunk, from, to);
    } finally {
      INSIDE.set(Boolean.FALSE);
    }
  }

  private static int bound(int n, int chunks, int c) {
    return (int) ((long) n * c / chunks);
  }

  /** Runs chunk {@code index} of each loop that has that many chunks. */
  private static final class Worker extends Thread {
    private final int index;

    Worker(int index) {
      super("qnn4j-kernel-" + index);
      this.index = index;
      setDaemon(true);
    }

    @Override
    public void run() {
      long seen = 0;
      while (true) {
        long spinUntil = System.nanoTime() + SPIN_NANOS;
        while (generation == seen) {
          if (System.nanoTime() < spinUntil) {
            Thread.onSpinWait();
          } else {
            LockSupport.park(this);
          }
        }
        seen = generation;
        int chunks = loopChunks;
        if (index < chunks) {
          try {
            runInside(
                body, index, bound(loopSize, chunks, index), bound(loopSize, chunks, index + 1));
          } catch (Throwable t) {
            failure = t;
          }
        }
        if (REMAINING.decrementAndGet() == 0) {
          Thread owner = waitingOwner;
          if (owner != null) {
            LockSupport.unpark(owner);
          }
        }
      }
    }
  }
}
