package dev.qnn4j.samples.cli;

import dev.qnn4j.runtime.GradMode;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.nn.CompiledStep;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.train.Adam;
import dev.qnn4j.runtime.train.CrossEntropyLoss;
import dev.qnn4j.runtime.train.Optimizer;
import dev.qnn4j.runtime.train.Trainer;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "bench",
    sortOptions = false,
    description = {
      "End-to-end throughput: training steps (forward, loss, backward, Adam update) and eval forward passes,"
          + " through the model's compiled step (when it has one) and through the autograd tape,"
          + " on a fixed stream of seeded synthetic batches, after a warm-up; prints images/s of both, the peak"
          + " resident memory (VmHWM) and the Java heap."
    },
    footer = {
      "",
      "Example:",
      "  qnn4j bench --model QuantWeightActBiasLeNet --batch-size 64 --seconds 10"
    })
final class BenchCommand extends BaseCommand {
  @Option(
      names = "--model",
      paramLabel = "NAME",
      defaultValue = "QuantWeightActBiasLeNet",
      description = "The model (default ${DEFAULT-VALUE}).")
  String modelName;

  @Option(
      names = "--batch-size",
      paramLabel = "N",
      defaultValue = "64",
      description = "Training batch size (default ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(
      names = "--eval-batch-size",
      paramLabel = "N",
      defaultValue = "256",
      description = "Eval batch size (default ${DEFAULT-VALUE}).")
  int evalBatchSize;

  @Option(
      names = "--seconds",
      paramLabel = "S",
      defaultValue = "10",
      description = "Measured time of each phase, in seconds (default ${DEFAULT-VALUE}).")
  double seconds;

  @Option(
      names = "--warmup",
      paramLabel = "S",
      description =
          "Warm-up time of each phase before measuring (default: a quarter of --seconds, at most 3).")
  Double warmup;

  @Option(
      names = "--warmup-steps",
      paramLabel = "N",
      defaultValue = "310",
      description =
          "Training warm-up steps at least (default ${DEFAULT-VALUE}): past the 300 steps in which"
              + " activation quantizers collect statistics, so training is measured in its steady state.")
  int warmupSteps;

  @Option(
      names = "--lr",
      paramLabel = "F",
      defaultValue = "1e-3",
      description = "Adam learning rate (default ${DEFAULT-VALUE}).")
  float lr;

  @Option(
      names = "--profile",
      description =
          "Afterwards, time every kernel call of a training step and of an eval pass (compiled step"
              + " when the model has one, else the tape) for --seconds each, and print the time per"
              + " layer, forward and backward.")
  boolean profile;

  @Option(
      names = "--seed",
      paramLabel = "N",
      defaultValue = "0",
      description = "Seed of the parameters and batches (default ${DEFAULT-VALUE}).")
  long seed;

  /**
   * Distinct batches in the stream; cycled so that generating data costs nothing while measuring.
   */
  private static final int POOL = 8;

  /** One phase's measurement. */
  record Rate(String phase, String path, int batch, long images, double seconds) {
    double imagesPerSecond() {
      return images / seconds;
    }
  }

  @Override
  public Integer call() throws Exception {
    positive("--batch-size", batchSize);
    positive("--eval-batch-size", evalBatchSize);
    if (warmupSteps < 0) {
      throw new CliException("--warmup-steps must not be negative, got " + warmupSteps);
    }
    if (!(seconds > 0) || Double.isInfinite(seconds)) {
      throw new CliException("--seconds must be positive, got " + seconds);
    }
    double warm = warmup != null ? warmup : Math.min(3, seconds / 4);
    if (!(warm >= 0) || Double.isInfinite(warm)) {
      throw new CliException("--warmup must not be negative, got " + warm);
    }
    Model model = createModel(modelName);
    int classes = Models.outputClasses(model);
    Trainer.initialize(model, seed);
    SplittableRandom random = new SplittableRandom(seed);
    List<Tensor> trainX = new ArrayList<>();
    List<int[]> trainY = new ArrayList<>();
    for (int i = 0; i < POOL; i++) {
      trainX.add(randomImages(random, model, batchSize));
      trainY.add(random.ints(batchSize, 0, classes).toArray());
    }
    List<Tensor> evalX = new ArrayList<>();
    for (int i = 0; i < POOL / 2; i++) {
      evalX.add(randomImages(random, model, evalBatchSize));
    }
    out()
        .printf(
            Locale.ROOT,
            "bench: %s, input %s, %d classes; Adam lr %s; seeded synthetic batches; %d processors;"
                + " warm-up %.1f s (training: at least %d steps), then %.1f s per phase%n",
            model.modelName(),
            Arrays.toString(Models.inputShape(model)),
            classes,
            lr,
            Runtime.getRuntime().availableProcessors(),
            warm,
            warmupSteps,
            seconds);

    Optimizer opt = new Adam(model.parameters(), lr);
    CompiledStep compiled = model.compiledStep().orElse(null);
    int[] next = {0};
    // While profiling, each step marks where its passes start; otherwise marks do nothing.
    BenchProfiler[] profiler = {null};
    Consumer<String> mark =
        pass -> {
          if (profiler[0] != null) {
            profiler[0].mark(pass);
          }
        };
    Runnable trainCompiled =
        () -> {
          int k = next[0]++ % POOL;
          model.zeroGrad();
          opt.zeroGrad();
          mark.accept("forward");
          compiled.forward(trainX.get(k).data(), batchSize);
          mark.accept("loss");
          compiled.loss(trainY.get(k));
          mark.accept("backward");
          compiled.backward();
          mark.accept("optimizer");
          opt.step();
        };
    Runnable trainTape =
        () -> {
          int k = next[0]++ % POOL;
          model.zeroGrad();
          opt.zeroGrad();
          mark.accept("forward");
          Tensor logits = model.forward(trainX.get(k));
          mark.accept("loss");
          Tensor loss = CrossEntropyLoss.mean(logits, trainY.get(k));
          mark.accept("backward");
          loss.backward();
          mark.accept("optimizer");
          opt.step();
        };
    Runnable evalCompiled =
        () -> {
          mark.accept("forward");
          compiled.forward(evalX.get(next[0]++ % evalX.size()).data(), evalBatchSize);
        };
    Runnable evalTape =
        () -> {
          mark.accept("forward");
          model.forward(evalX.get(next[0]++ % evalX.size()));
        };
    List<Rate> rates = new ArrayList<>();
    model.train();
    if (compiled != null) {
      rates.add(measure("train", "compiled", batchSize, trainCompiled, warm, warmupSteps));
    }
    rates.add(measure("train", "tape", batchSize, trainTape, warm, warmupSteps));
    model.eval();
    GradMode.Scope noGrad = GradMode.noGrad();
    try {
      if (compiled != null) {
        rates.add(measure("eval", "compiled", evalBatchSize, evalCompiled, warm, 0));
      }
      rates.add(measure("eval", "tape", evalBatchSize, evalTape, warm, 0));
    } finally {
      noGrad.close();
    }

    SummaryTable t = new SummaryTable("phase", "path", "batch", "images/s", "images", "seconds");
    for (Rate r : rates) {
      t.addRow(
          r.phase(),
          r.path(),
          r.batch(),
          String.format(Locale.ROOT, "%.1f", r.imagesPerSecond()),
          r.images(),
          String.format(Locale.ROOT, "%.2f", r.seconds()));
    }
    t.print(out());
    if (profile) {
      String path = compiled != null ? "compiled" : "tape";
      profiler[0] = new BenchProfiler(model, out());
      model.train();
      profiler[0].run(
          "training step, " + path + ", batch " + batchSize,
          batchSize,
          seconds,
          compiled != null ? trainCompiled : trainTape);
      model.eval();
      GradMode.Scope evalScope = GradMode.noGrad();
      try {
        profiler[0].run(
            "eval pass, " + path + ", batch " + evalBatchSize,
            evalBatchSize,
            seconds,
            compiled != null ? evalCompiled : evalTape);
      } finally {
        evalScope.close();
      }
    }
    Runtime rt = Runtime.getRuntime();
    long heapPeak = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
        heapPeak += pool.getPeakUsage().getUsed();
      }
    }
    long hwm = peakResidentBytes();
    out()
        .printf(
            Locale.ROOT,
            "peak resident memory (VmHWM): %s; heap: %s used, %s peak, %s max%n",
            hwm < 0 ? "n/a" : mib(hwm),
            mib(rt.totalMemory() - rt.freeMemory()),
            mib(heapPeak),
            mib(rt.maxMemory()));
    return Qnn4jCli.OK;
  }

  /** {@code path}: "compiled" (the model's generated step) or "tape" (autograd). */
  private Rate measure(
      String phase, String path, int batch, Runnable step, double warmSeconds, int warmSteps) {
    long warmEnd = System.nanoTime() + (long) (warmSeconds * 1e9);
    int warmed = 0;
    do {
      step.run();
      warmed++;
    } while (System.nanoTime() < warmEnd || warmed < warmSteps);
    long start = System.nanoTime();
    long end = start + (long) (seconds * 1e9);
    long steps = 0;
    long now;
    do {
      step.run();
      steps++;
      now = System.nanoTime();
    } while (now < end);
    return new Rate(phase, path, batch, steps * batch, (now - start) / 1e9);
  }

  private static Tensor randomImages(SplittableRandom random, Model model, int n) {
    long[] shape = Models.batchShape(model, n);
    float[] x = new float[Math.toIntExact(Models.numel(shape))];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) (random.nextDouble() * 2 - 1);
    }
    return Tensor.of(x, shape);
  }

  /** VmHWM of /proc/self/status in bytes, or -1 where there is none. */
  static long peakResidentBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.UTF_8)) {
        if (line.startsWith("VmHWM:")) {
          String[] f = line.substring(6).trim().split("\\s+");
          return Long.parseLong(f[0]) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }

  private static String mib(long bytes) {
    return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024.0));
  }
}
