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
      Parallel.forRange(
          N,
          1,
          (chunk, from, to) -> {
            ranges[chunk] = new int[] {from, to};
            for (int i = from; i < to; i++) {
              hits[i]++;
            }
          });
      int[] ones = new int[N];
      java.util.Arrays.fill(ones, 1);
      assertThat(hits).isEqualTo(ones);
      for (int c = 0; c < chunks; c++) {
        assertThat(ranges[c])
            .isEqualTo(
                new int[] {(int) ((long) N * c / chunks), (int) ((long) N * (c + 1) / chunks)});
      }
    }
  }

  @Test
  void aFailingChunkFailsTheLoopAndThePoolKeepsWorking() {
    int chunks = Parallel.chunks(N, 1);
    for (int failing = 0; failing < chunks; failing++) {
      int bad = failing;
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  Parallel.forRange(
                      N,
                      1,
                      (chunk, from, to) -> {
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
    // Values of mixed sign and magnitude, so float sums round and their order shows in the result.
    float[] data = new float[N];
    java.util.Random rng = new java.util.Random(12);
    for (int i = 0; i < N; i++) {
      data[i] = (float) (rng.nextGaussian() * Math.pow(10, rng.nextInt(7) - 3));
    }
    float expected = chunkedSum(data);
    // The data must be able to tell summation orders apart, or this test could not fail.
    float reversed = 0;
    for (int i = N - 1; i >= 0; i--) {
      reversed += data[i];
    }
    float twoChunks = sequentialSum(data, 0, N / 2) + sequentialSum(data, N / 2, N);
    assertThat(reversed).isNotEqualTo(sequentialSum(data, 0, N));
    assertThat(twoChunks).isNotEqualTo(sequentialSum(data, 0, N));
    ExecutorService callers = Executors.newFixedThreadPool(4);
    try {
      List<Future<Float>> results = new ArrayList<>();
      for (int t = 0; t < 16; t++) {
        results.add(
            callers.submit(
                () -> {
                  float last = 0;
                  for (int r = 0; r < 200; r++) {
                    last = chunkedSum(data);
                  }
                  return last;
                }));
      }
      for (Future<Float> f : results) {
        assertThat(f.get()).isEqualTo(expected);
      }
    } finally {
      callers.shutdownNow();
    }
  }

  /** Per-chunk float sums combined in chunk order, with a nested loop inside each chunk. */
  private static float chunkedSum(float[] data) {
    float[] partial = new float[Parallel.chunks(data.length, 1)];
    Parallel.forRange(
        data.length,
        1,
        (chunk, from, to) -> {
          float[] inner = new float[1];
          // Nested: runs inline on this thread, as one chunk.
          Parallel.forRange(
              to - from, 1, (c, f, t) -> inner[0] += sequentialSum(data, from + f, from + t));
          partial[chunk] = inner[0];
        });
    float sum = 0;
    for (float p : partial) {
      sum += p;
    }
    return sum;
  }

  private static float sequentialSum(float[] data, int from, int to) {
    float sum = 0;
    for (int i = from; i < to; i++) {
      sum += data[i];
    }
    return sum;
  }
}
