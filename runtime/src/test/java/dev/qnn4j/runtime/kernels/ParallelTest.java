package dev.qnn4j.runtime.kernels;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class ParallelTest {
  private static final int N = 1 << 16;

  @Test
  void everyIndexRunsOnceInChunksThatDependOnlyOnTheSize() {
    for (int round = 0; round < 300; round++) {
      int[] hits = new int[N];
      int chunks = Parallel.chunks(N, 1);
      int[][] ranges = new int[chunks][];
      Parallel.forRange(N, 1, (chunk, from, to) -> {
        ranges[chunk] = new int[] {from, to};
        for (int i = from; i < to; i++) {
          hits[i]++;
        }
      });
      int[] ones = new int[N];
      java.util.Arrays.fill(ones, 1);
      assertThat(hits).isEqualTo(ones);
      for (int c = 0; c < chunks; c++) {
        assertThat(ranges[c]).isEqualTo(new int[] {(int) ((long) N * c / chunks), (int) ((long) N * (c + 1) / chunks)});
      }
    }
  }

  @Test
  void aFailingChunkFailsTheLoopAndThePoolKeepsWorking() {
    int chunks = Parallel.chunks(N, 1);
    for (int failing = 0; failing < chunks; failing++) {
      int bad = failing;
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> Parallel.forRange(N, 1, (chunk, from, to) -> {
            if (chunk == bad) {
              throw new IllegalArgumentException("chunk " + chunk);
            }
          }));
      assertThat(e).hasMessageThat().isEqualTo("chunk " + bad);
    }
    long[] sum = new long[chunks];
    Parallel.forRange(N, 1, (chunk, from, to) -> sum[chunk] = to - from);
    assertThat(java.util.Arrays.stream(sum).sum()).isEqualTo(N);
  }

  @Test
  void concurrentCallersAndNestedLoopsGetTheSameResults() throws Exception {
    float[] data = new float[N];
    for (int i = 0; i < N; i++) {
      data[i] = (i % 97) * 0.25f;
    }
    double expected = chunkedSum(data);
    ExecutorService callers = Executors.newFixedThreadPool(4);
    try {
      List<Future<Double>> results = new ArrayList<>();
      for (int t = 0; t < 16; t++) {
        results.add(callers.submit(() -> {
          double last = 0;
          for (int r = 0; r < 200; r++) {
            last = chunkedSum(data);
          }
          return last;
        }));
      }
      for (Future<Double> f : results) {
        assertThat(f.get()).isEqualTo(expected);
      }
    } finally {
      callers.shutdownNow();
    }
  }

  /** Per-chunk sums combined in chunk order, with a nested loop inside each chunk. */
  private static double chunkedSum(float[] data) {
    double[] partial = new double[Parallel.chunks(data.length, 1)];
    Parallel.forRange(data.length, 1, (chunk, from, to) -> {
      double[] inner = new double[1];
      // Nested: runs inline on this thread, as one chunk.
      Parallel.forRange(to - from, 1, (c, f, t) -> {
        for (int i = f; i < t; i++) {
          inner[0] += data[from + i];
        }
      });
      partial[chunk] = inner[0];
    });
    double sum = 0;
    for (double p : partial) {
      sum += p;
    }
    return sum;
  }
}
