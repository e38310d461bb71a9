package dev.qnn4j.runtime.train;

import static com.google.common.truth.Truth.assertWithMessage;

import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.reference.HandWiredLeNets;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Training keeps no memory per step: after a warm-up, the live heap (measured after a full
 * collection) does not grow over further QAT steps of the seed LeNet. A step that kept its graph,
 * its gradients or its batch alive would add megabytes each time.
 */
class TrainingMemoryTest {

  @Test
  void liveHeapStaysFlatOverTrainingSteps() {
    Model model = HandWiredLeNets.create("QuantWeightActBiasLeNet");
    Trainer.initialize(model, 0);
    Optimizer opt = new Adam(model.parameters(), 1e-3f);
    model.train();
    SplittableRandom random = new SplittableRandom(7);
    Tensor[] batches = new Tensor[4];
    int[][] labels = new int[batches.length][];
    for (int b = 0; b < batches.length; b++) {
      float[] x = new float[64 * 3 * 32 * 32];
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) (random.nextDouble() * 2 - 1);
      }
      batches[b] = Tensor.of(x, 64, 3, 32, 32);
      labels[b] = random.ints(64, 0, 10).toArray();
    }
    int[] step = {0};
    Runnable trainStep =
        () -> {
          int b = step[0]++ % batches.length;
          model.zeroGrad();
          opt.zeroGrad();
          CrossEntropyLoss.mean(model.forward(batches[b]), labels[b]).backward();
          opt.step();
        };
    for (int i = 0; i < 40; i++) {
      trainStep.run();
    }
    long before = liveHeap();
    for (int i = 0; i < 120; i++) {
      trainStep.run();
    }
    long after = liveHeap();
    // One batch's activations alone are about 10 MB; a leak of anything per step would pass 16 MB.
    assertWithMessage("live heap before %s MiB, after %s MiB", before >> 20, after >> 20)
        .that(after - before)
        .isLessThan(16L << 20);
  }

  private static long liveHeap() {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc();
      used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
    }
    return used;
  }
}
