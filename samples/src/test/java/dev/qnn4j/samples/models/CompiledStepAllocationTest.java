package dev.qnn4j.samples.models;

import static com.google.common.truth.Truth.assertWithMessage;

import dev.qnn4j.runtime.nn.CompiledStep;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.nn.Module;
import dev.qnn4j.runtime.nn.QuantActivation;
import dev.qnn4j.runtime.nn.QuantWeightLayer;
import dev.qnn4j.runtime.quant.ActQuantizer;
import dev.qnn4j.runtime.train.Adam;
import dev.qnn4j.runtime.train.Optimizer;
import dev.qnn4j.runtime.train.Sgd;
import dev.qnn4j.samples.QuantModel_AutoLeNet;
import dev.qnn4j.samples.QuantModel_QuantResidualNet;
import dev.qnn4j.samples.QuantModel_QuantWeightActBiasLeNet;
import dev.qnn4j.samples.QuantModel_QuantWeightActLeNet;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Issue 13, acceptance 3: a compiled training step (forward, loss, backward, optimizer step) in its
 * steady state allocates nothing on the Java heap. Measured with {@code
 * com.sun.management.ThreadMXBean#getThreadAllocatedBytes} on the calling thread and on every
 * kernel worker thread ({@code qnn4j-kernel-*}, which run chunks of the parallel loops), over steps
 * past the 300 statistics steps, where the activation scales are learned.
 */
class CompiledStepAllocationTest {
  private static final int BATCH = 64;
  private static final int WARM_UP_STEPS = 20;
  private static final int MEASURED_STEPS = 50;

  /**
   * Bytes per step allowed across all threads. Not zero because the measurement itself is not
   * exact: {@code getThreadAllocatedBytes} counts a thread's thread-local allocation buffers as
   * they are retired, and the JIT may still compile (and deoptimise) code during the measured
   * steps, which allocates on the compiling thread's behalf in rare cases. 512 bytes per step over
   * 50 steps is 25 KB, far below any array of the step (the smallest activation, relu4's output at
   * batch 64, is 21 KB; a single boxed value or lambda per kernel call would already be 1-2 KB per
   * step).
   */
  private static final long BOUND_BYTES_PER_STEP = 512;

  @Test
  void aSteadyStateStepWithAdamAllocatesNothing() {
    assertAllocationFree(
        new QuantModel_QuantWeightActLeNet(), "Adam", m -> new Adam(m.parameters(), 1e-3f));
  }

  @Test
  void aSteadyStateStepWithSgdMomentumAndWeightDecayAllocatesNothing() {
    assertAllocationFree(
        new QuantModel_QuantWeightActLeNet(),
        "SGD",
        m -> new Sgd(m.parameters(), 0.01f, 0.9f, 1e-4f));
  }

  /** QuantTensors and bias quantizers (the demo model, AutoLeNet), BatchNorm and a residual add. */
  @Test
  void theDemoModelAutoLeNetAndTheResidualNetAllocateNothingPerStep() {
    for (Model model :
        List.of(
            new QuantModel_QuantWeightActBiasLeNet(),
            new QuantModel_AutoLeNet(),
            new QuantModel_QuantResidualNet())) {
      assertAllocationFree(model, "Adam", m -> new Adam(m.parameters(), 1e-3f));
    }
  }

  private static void assertAllocationFree(
      Model model, String name, Function<Model, Optimizer> optimizerOf) {
    for (Module layer : model.layers()) {
      // Past the statistics steps: learned scales, the steady state of a training run.
      if (layer instanceof QuantActivation a) {
        learned(a.quantizer());
      } else if (layer instanceof QuantWeightLayer w && w.inputQuantizer() != null) {
        learned(w.inputQuantizer());
      }
    }
    model.train();
    Optimizer optimizer = optimizerOf.apply(model);
    CompiledStep step = model.compiledStep().orElseThrow();
    Random rng = new Random(3);
    float[] input = new float[BATCH * 3 * 32 * 32];
    for (int i = 0; i < input.length; i++) {
      input[i] = (float) rng.nextGaussian();
    }
    int[] labels = new int[BATCH];
    for (int i = 0; i < BATCH; i++) {
      labels[i] = rng.nextInt(10);
    }
    Runnable trainStep =
        () -> {
          model.zeroGrad();
          step.forward(input, BATCH);
          step.loss(labels);
          step.backward();
          optimizer.step();
        };
    for (int i = 0; i < WARM_UP_STEPS; i++) {
      trainStep.run();
    }
    long[] threads = measuredThreads();
    long[] before = allocated(threads);
    for (int i = 0; i < MEASURED_STEPS; i++) {
      trainStep.run();
    }
    long[] after = allocated(threads);
    long total = 0;
    StringBuilder perThread = new StringBuilder();
    for (int t = 0; t < threads.length; t++) {
      long bytes = after[t] - before[t];
      total += bytes;
      perThread.append(t == 0 ? "caller" : "worker " + t).append(' ').append(bytes).append("; ");
    }
    long perStep = total / MEASURED_STEPS;
    System.out.printf(
        "bytes allocated per compiled step, %s batch %d with %s: %d (%s%d threads)%n",
        model.modelName(), BATCH, name, perStep, perThread, threads.length);
    assertWithMessage(
            "bytes allocated per steady-state step of %s with %s (%s over %s steps)",
            model.modelName(), name, perThread, MEASURED_STEPS)
        .that(perStep)
        .isAtMost(BOUND_BYTES_PER_STEP);
  }

  private static void learned(ActQuantizer q) {
    q.restoreState(310, q.collectStatsSteps(), 1.5f, 1f);
  }

  /** This thread first, then the kernel workers. */
  private static long[] measuredThreads() {
    List<Long> ids = new ArrayList<>();
    ids.add(Thread.currentThread().getId());
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith("qnn4j-kernel-")) {
        ids.add(t.getId());
      }
    }
    return ids.stream().mapToLong(Long::longValue).toArray();
  }

  private static long[] allocated(long[] threads) {
    com.sun.management.ThreadMXBean bean =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long[] bytes = new long[threads.length];
    for (int i = 0; i < threads.length; i++) {
      bytes[i] = bean.getThreadAllocatedBytes(threads[i]);
    }
    return bytes;
  }
}
