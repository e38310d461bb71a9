package dev.qnn4j.samples.cli;

import dev.qnn4j.runtime.GradMode;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.kernels.KernelProfile;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.nn.TraceEvent;
import dev.qnn4j.runtime.nn.Tracer;
import dev.qnn4j.runtime.nn.WeightLayer;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code qnn4j bench --profile}: times every kernel call of repeated steps ({@link KernelProfile})
 * and prints the mean time per step of each, by pass (forward, loss, backward, optimizer) and
 * layer, with what the pass spent outside the timed kernels. A kernel call is put to a layer by the
 * size of the tensor it produces: the layers' output sizes per sample and their weights' sizes come
 * from one traced forward pass.
 */
final class BenchProfiler {
  private final PrintStream out;
  private final Map<Long, String> weightLayers = new HashMap<>();
  private final Map<Long, String> activations = new HashMap<>();
  private final Map<Long, String> pools = new HashMap<>();
  private final List<String> phaseNames = new ArrayList<>();
  private final List<Integer> phaseStarts = new ArrayList<>();
  private final List<Long> phaseTimes = new ArrayList<>();

  BenchProfiler(Model model, PrintStream out) {
    this.out = out;
    boolean training = model.isTraining();
    model.eval(); // an eval pass changes no quantizer state
    List<TraceEvent> events;
    GradMode.Scope noGrad = GradMode.noGrad();
    try {
      events = Tracer.trace(() -> model.forward(Tensor.zeros(Models.batchShape(model, 1))));
    } finally {
      noGrad.close();
      if (training) {
        model.train();
      }
    }
    int pool = 0;
    for (TraceEvent e : events) {
      long size = e.output().numel();
      if (e.op() == TraceEvent.Op.LAYER && e.layer() instanceof WeightLayer w) {
        weightLayers.putIfAbsent(size, w.name());
        activations.putIfAbsent(-w.weight().numel(), w.name() + " weight");
      } else if (e.op() == TraceEvent.Op.LAYER) {
        activations.putIfAbsent(size, e.layer().name());
      } else if (e.op() == TraceEvent.Op.MAX_POOL) {
        pools.putIfAbsent(size, "max_pool2d #" + ++pool);
      }
    }
  }

  /** Marks the start of pass {@code name} within the step being profiled. */
  void mark(String name) {
    phaseNames.add(name);
    phaseStarts.add(KernelProfile.count());
    phaseTimes.add(System.nanoTime());
  }

  /**
   * Profiles {@code step} (which calls {@link #mark}) for {@code seconds}, then prints the table.
   */
  void run(String title, int batch, double seconds, Runnable step) {
    for (int i = 0; i < 3; i++) {
      step.run(); // not timed: the first profiled calls would otherwise be slower
    }
    Map<String, long[]> rows = new LinkedHashMap<>(); // "pass|layer|kernel" -> nanos
    Map<String, long[]> passes = new LinkedHashMap<>();
    long steps = 0;
    long total = 0;
    long end = System.nanoTime() + (long) (seconds * 1e9);
    do {
      phaseNames.clear();
      phaseStarts.clear();
      phaseTimes.clear();
      KernelProfile.start();
      long start = System.nanoTime();
      step.run();
      long stop = System.nanoTime();
      List<KernelProfile.Event> events = KernelProfile.stop();
      total += stop - start;
      steps++;
      for (int p = 0; p < phaseNames.size(); p++) {
        String pass = phaseNames.get(p);
        int from = phaseStarts.get(p);
        int to = p + 1 < phaseNames.size() ? phaseStarts.get(p + 1) : events.size();
        long passEnd = p + 1 < phaseNames.size() ? phaseTimes.get(p + 1) : stop;
        long inKernels = 0;
        for (int i = from; i < to; i++) {
          KernelProfile.Event e = events.get(i);
          String key = pass + "|" + layerOf(e, batch) + "|" + e.kernel();
          rows.computeIfAbsent(key, k -> new long[1])[0] += e.nanos();
          inKernels += e.nanos();
        }
        long[] passTotals = passes.computeIfAbsent(pass, k -> new long[2]);
        passTotals[0] += passEnd - phaseTimes.get(p);
        passTotals[1] += inKernels;
      }
    } while (System.nanoTime() < end);
    out.printf(
        Locale.ROOT,
        "%nprofile: %s, %d steps, %.0f us per step (microseconds per step, means)%n",
        title,
        steps,
        total / 1e3 / steps);
    SummaryTable t = new SummaryTable("pass", "layer", "kernel", "us", "share");
    for (Map.Entry<String, long[]> pass : passes.entrySet()) {
      for (Map.Entry<String, long[]> r : rows.entrySet()) {
        String[] f = r.getKey().split("\\|", 3);
        if (f[0].equals(pass.getKey())) {
          t.addRow(f[0], f[1], f[2], micros(r.getValue()[0], steps), share(r.getValue()[0], total));
        }
      }
      long rest = pass.getValue()[0] - pass.getValue()[1];
      t.addRow(
          pass.getKey(),
          "-",
          rest == pass.getValue()[0] ? "(all of it: no timed kernel)" : "(outside timed kernels)",
          micros(rest, steps),
          share(rest, total));
    }
    t.print(out);
  }

  private String layerOf(KernelProfile.Event e, int batch) {
    long perSample = e.size() % batch == 0 ? e.size() / batch : -1;
    String k = e.kernel();
    String name = null;
    if (k.startsWith("conv2d") || k.startsWith("linear")) {
      name = weightLayers.get(perSample);
    } else if (k.startsWith("fake-quant")) {
      name = activations.get(-e.size()); // a weight first
      if (name == null) {
        name = activations.get(perSample);
      }
    } else if (k.startsWith("relu")) {
      name = activations.get(perSample);
    } else if (k.startsWith("max_pool2d")) {
      name = pools.get(perSample);
    } else if (k.startsWith("cross-entropy")) {
      name = "loss";
    }
    return name != null ? name : "?";
  }

  private static String micros(long nanos, long steps) {
    return String.format(Locale.ROOT, "%.0f", nanos / 1e3 / steps);
  }

  private static String share(long nanos, long total) {
    return String.format(Locale.ROOT, "%.1f%%", 100.0 * nanos / total);
  }
}
