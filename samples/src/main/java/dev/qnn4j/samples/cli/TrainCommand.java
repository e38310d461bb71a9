package dev.qnn4j.samples.cli;

import dev.qnn4j.runtime.io.AtomicFiles;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.train.Adam;
import dev.qnn4j.runtime.train.EpochMetrics;
import dev.qnn4j.runtime.train.EvalResult;
import dev.qnn4j.runtime.train.Loss;
import dev.qnn4j.runtime.train.MetricsWriter;
import dev.qnn4j.runtime.train.Optimizer;
import dev.qnn4j.runtime.train.Sgd;
import dev.qnn4j.runtime.train.Trainer;
import dev.qnn4j.runtime.train.TrainerConfig;
import dev.qnn4j.runtime.train.TrainingDivergedException;
import dev.qnn4j.runtime.train.TrainingHistory;
import dev.qnn4j.runtime.train.TrainingListener;
import dev.qnn4j.runtime.train.TrainingState;
import dev.qnn4j.spark.OptimizerFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "train",
    sortOptions = false,
    description = {
      "Quantization-aware training: from scratch (parameters initialised from --seed), fine-tuning from"
          + " float weights (--init-weights) or PTQ followed by QAT (--init-checkpoint of a calibrated model).",
      "After each epoch the model is evaluated on the test split and --out is written (atomically);"
          + " --resume continues from --out exactly as an uninterrupted run would (bit-identical)."
    },
    footer = {
      "",
      "Example:",
      "  qnn4j train --model QuantWeightActBiasLeNet --data fashion-mnist --epochs 5 --out lenet.safetensors"
    })
final class TrainCommand extends ModelCommand {
  enum OptimizerKind {
    adam,
    sgd
  }

  @Option(
      names = "--data",
      paramLabel = "DATA",
      defaultValue = "fashion-mnist",
      description = "Training data: " + DataSpec.HELP + ". Default: ${DEFAULT-VALUE}.")
  String data;

  @Mixin InputFormatOptions inputFormat;

  /** The resolved input format, for the Spark executors. */
  DataSpec.Format format;

  @Option(
      names = "--epochs",
      paramLabel = "N",
      defaultValue = "1",
      description = "Epochs in total (default ${DEFAULT-VALUE}).")
  int epochs;

  @Option(
      names = "--batch-size",
      paramLabel = "N",
      defaultValue = "64",
      description = "Training batch size (default ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(
      names = "--lr",
      paramLabel = "F",
      defaultValue = "1e-3",
      description = "Learning rate (default ${DEFAULT-VALUE}).")
  float lr;

  @Option(
      names = "--optimizer",
      paramLabel = "adam|sgd",
      defaultValue = "adam",
      description = "Optimizer (default ${DEFAULT-VALUE}); Adam has betas (0.9, 0.999), eps 1e-8.")
  OptimizerKind optimizer;

  @Option(
      names = "--loss",
      paramLabel = "cross-entropy|sqr-hinge",
      defaultValue = "cross-entropy",
      description =
          "Training loss (default ${DEFAULT-VALUE}); sqr-hinge is Brevitas' bnn_pynq SqrHingeLoss"
              + " (mean squared hinge against +-1 one-hot targets), its recipe for the zoo models."
              + " The test loss reported is cross-entropy either way.")
  String lossName;

  @Option(
      names = "--clip-weights",
      paramLabel = "BOUND",
      arity = "0..1",
      fallbackValue = "1",
      description =
          "After every optimizer step, clamp the weights of quantized layers with a constant weight"
              + " scale (binary included) to [-BOUND, BOUND]; without a value 1, as Brevitas'"
              + " bnn_pynq trainer (clip_weights(-1, 1)).")
  Float clipWeights;

  @Option(names = "--momentum", paramLabel = "F", description = "SGD momentum (default 0).")
  Float momentum;

  @Option(
      names = "--weight-decay",
      paramLabel = "F",
      defaultValue = "0",
      description = "L2 weight decay (default ${DEFAULT-VALUE}).")
  float weightDecay;

  @Option(
      names = "--seed",
      paramLabel = "N",
      defaultValue = "0",
      description = "Seed of parameter initialisation and shuffling (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--no-shuffle",
      description = "Visit the training examples in order (default: a seeded shuffle per epoch).")
  boolean noShuffle;

  @Option(
      names = "--init-weights",
      paramLabel = "W.pth|W.safetensors",
      description =
          "Start from float or Brevitas weights (a PyTorch state dict: torch.save .pth or safetensors; or a float model's qnn4j checkpoint).")
  Path initWeights;

  @Option(
      names = "--init-checkpoint",
      paramLabel = "C.safetensors",
      description =
          "Start from a qnn4j checkpoint of this model, e.g. from 'qnn4j calibrate' (PTQ then QAT);"
              + " its optimizer state and position are not used.")
  Path initCheckpoint;

  @Option(
      names = "--metrics",
      paramLabel = "FILE.jsonl",
      description =
          "Write one JSON line per optimizer step (step, loss, ...) and per epoch (test accuracy, ...).")
  Path metrics;

  @Option(
      names = "--resume",
      description =
          "Continue from --out if it exists (model, optimizer, position);"
              + " --metrics is appended to.")
  boolean resume;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "C.safetensors",
      description = "The checkpoint, written after each epoch.")
  Path outFile;

  @Option(
      names = "--checkpoint-every",
      paramLabel = "N",
      defaultValue = "0",
      description =
          "Also write --out every N optimizer steps, mid-epoch included (resumable; the result is"
              + " unchanged); 0 = after each epoch only (default).")
  long checkpointEvery;

  @Option(
      names = "--eval-batch-size",
      paramLabel = "N",
      defaultValue = "256",
      description = "Batch size of the evaluation after each epoch (default ${DEFAULT-VALUE}).")
  int evalBatchSize;

  @Option(
      names = "--max-steps",
      paramLabel = "N",
      defaultValue = "0",
      description =
          "Stop after N optimizer steps in total, even mid-epoch (saved there, resumable); 0 = no limit.")
  long maxSteps;

  @Option(
      names = "--limit",
      paramLabel = "N",
      defaultValue = "0",
      description = "Use only the first N training examples (0 = all), e.g. for a quick run.")
  int limit;

  @Option(
      names = "--test-limit",
      paramLabel = "N",
      defaultValue = "0",
      description = "Evaluate on only the first N test examples (0 = all).")
  int testLimit;

  @Option(
      names = "--curve",
      paramLabel = "FILE.png",
      description = "Also plot the training curves to a PNG.")
  Path curve;

  @Option(
      names = "--spark",
      paramLabel = "MASTER",
      description =
          SparkJob.HELP
              + " Synchronous data-parallel: each step's batch is cut into one shard per partition.")
  String spark;

  @Option(
      names = "--partitions",
      paramLabel = "N",
      defaultValue = "0",
      description = "With --spark: shards (tasks) per step (default: Spark's default parallelism).")
  int partitions;

  @Option(
      names = "--average-every",
      paramLabel = "K",
      defaultValue = "0",
      description =
          "With --spark: periodic parameter averaging instead of synchronous steps; each partition takes K"
              + " local steps on its shards, then parameters and optimizer state are averaged (fewer Spark jobs,"
              + " different numbers; docs/spark.md). 0 = synchronous (default).")
  int averageEvery;

  @Option(
      names = "--calibrate-batches",
      paramLabel = "N",
      defaultValue = "16",
      description =
          "With --spark, for a model not yet calibrated: calibrate on the first N training batches"
              + " before QAT (default ${DEFAULT-VALUE}).")
  int calibrateBatches;

  @Override
  public Integer call() throws Exception {
    positive("--epochs", epochs);
    positive("--batch-size", batchSize);
    positive("--eval-batch-size", evalBatchSize);
    nonNegative("--max-steps", maxSteps);
    nonNegative("--checkpoint-every", checkpointEvery);
    nonNegative("--limit", limit);
    nonNegative("--test-limit", testLimit);
    nonNegative("--partitions", partitions);
    positive("--calibrate-batches", calibrateBatches);
    nonNegative("--average-every", averageEvery);
    if (spark == null && (partitions > 0 || averageEvery > 0)) {
      throw new CliException("--partitions and --average-every need --spark");
    }
    if (!(lr > 0) || !Float.isFinite(lr)) {
      throw new CliException("--lr must be a positive number, got " + lr);
    }
    if (!(weightDecay >= 0) || !Float.isFinite(weightDecay)) {
      throw new CliException("--weight-decay must be a non-negative number, got " + weightDecay);
    }
    if (momentum != null && optimizer != OptimizerKind.sgd) {
      throw new CliException("--momentum is an SGD option; add --optimizer sgd");
    }
    float mom = momentum == null ? 0f : momentum;
    if (!(mom >= 0 && mom < 1)) {
      throw new CliException("--momentum must be in [0, 1), got " + mom);
    }
    if (initWeights != null && initCheckpoint != null) {
      throw new CliException("--init-weights and --init-checkpoint exclude each other");
    }
    Loss loss = loss(lossName);
    if (clipWeights != null && !(clipWeights > 0 && Float.isFinite(clipWeights))) {
      throw new CliException("--clip-weights must be a positive number, got " + clipWeights);
    }
    if (spark != null && (loss != Loss.CROSS_ENTROPY || clipWeights != null)) {
      throw new CliException(
          "--loss "
              + loss.id()
              + " and --clip-weights train on one machine only, not with --spark");
    }
    DataSpec spec = DataSpec.parse(data);
    Model model = createModel();
    format = inputFormat.resolve(spec, model, declaringClassName());
    Inputs.requireWritable(outFile, "--out");
    if (metrics != null) {
      Inputs.requireWritable(metrics, "--metrics");
    }
    if (curve != null) {
      Inputs.requireWritable(curve, "--curve");
    }
    if (initWeights != null) {
      Inputs.requireFile(initWeights, "--init-weights");
    }
    if (initCheckpoint != null) {
      Inputs.requireFile(initCheckpoint, "--init-checkpoint");
    }
    boolean resuming = resume && Files.exists(outFile);
    if (resuming) {
      Inputs.requireFile(outFile, "--out (to resume)");
    }

    DataSpec.Loaded loaded = spec.load(DataSpec.Split.BOTH, limit, testLimit, format);
    int classes = Models.outputClasses(model);
    Inputs.checkDataset(loaded.train(), model, classes, loaded.trainName());
    Inputs.checkDataset(loaded.test(), model, classes, loaded.testName());

    Trainer.initialize(model, seed);
    if (initWeights != null) {
      Inputs.loadWeights(initWeights, model, "--init-weights");
    } else if (initCheckpoint != null) {
      Inputs.loadCheckpoint(initCheckpoint, model, "--init-checkpoint");
    }
    Optimizer opt =
        optimizer == OptimizerKind.adam
            ? new Adam(model.parameters(), lr, 0.9f, 0.999f, 1e-8f, weightDecay)
            : new Sgd(model.parameters(), lr, mom, weightDecay);

    TrainingState from =
        TrainingState.start(seed, batchSize).withMetadata("qnn4j.command", commandLine());
    if (resuming) {
      from = Inputs.loadCheckpoint(outFile, model, opt, "--out (to resume)");
      if (from.seed() != seed) {
        throw new CliException(
            outFile
                + ": was trained with --seed "
                + from.seed()
                + ", not "
                + seed
                + "; resume with the same --seed (the data order depends on it)");
      }
      if (from.midEpoch() && from.batchSize() != batchSize) {
        throw new CliException(
            outFile
                + ": stopped mid-epoch with --batch-size "
                + from.batchSize()
                + ", not "
                + batchSize
                + "; resume with the same --batch-size");
      }
      warnIfChanged(from.metadata(), opt);
      from = from.withMetadata("qnn4j.command", commandLine());
      out()
          .println(
              "resuming from " + outFile + " at epoch " + from.epoch() + ", step " + from.step());
    } else if (resume) {
      out().println(outFile + " does not exist yet: starting from the beginning");
    }
    if (from.epoch() >= epochs) {
      out()
          .println(
              outFile
                  + " has completed "
                  + from.epoch()
                  + " of "
                  + epochs
                  + " epoch(s): nothing to train (raise --epochs to continue)");
      return Qnn4jCli.OK;
    }
    if (maxSteps > 0 && from.step() >= maxSteps) {
      out()
          .println(
              outFile
                  + " is at step "
                  + from.step()
                  + ", already at --max-steps "
                  + maxSteps
                  + ": nothing to train");
      return Qnn4jCli.OK;
    }

    out()
        .printf(
            Locale.ROOT,
            "training %s on %s (%d images, %d classes), evaluating on %s (%d images)%n",
            model.modelName(),
            loaded.trainName(),
            loaded.train().size(),
            classes,
            loaded.testName(),
            loaded.test().size());
    out().println("input: " + format.describe(spec));
    if (loaded.sameData()) {
      out()
          .println(
              "note: npy data has no separate test set; the accuracy after each epoch is measured on the"
                  + " training data");
    }
    out()
        .printf(
            Locale.ROOT,
            "%s, lr %s, batch %d, %d epoch(s), seed %d, loss %s%s%s%s%n",
            opt.name(),
            lr,
            batchSize,
            epochs,
            seed,
            loss.id(),
            clipWeights == null
                ? ""
                : ", weights clipped to [-" + clipWeights + ", " + clipWeights + "]",
            noShuffle ? ", no shuffle" : "",
            initWeights != null
                ? ", from weights " + initWeights
                : initCheckpoint != null ? ", from checkpoint " + initCheckpoint : "");

    // A run killed while saving (SIGKILL, power loss) leaves its temporary file next to --out.
    int leftovers = AtomicFiles.deleteLeftovers(outFile);
    if (leftovers > 0) {
      out()
          .println(
              "removed " + leftovers + " temporary file(s) of an interrupted save of " + outFile);
    }
    TrainerConfig config =
        new TrainerConfig(
            epochs, batchSize, !noShuffle, seed, maxSteps, evalBatchSize, outFile, checkpointEvery);
    Trainer trainer = new Trainer(model, opt, config).withLoss(loss);
    if (clipWeights != null) {
      trainer.withWeightClipping(clipWeights);
    }
    TrainingHistory history = new TrainingHistory();
    EpochRecorder last = new EpochRecorder();
    trainer.addListener(progressBar()).addListener(history).addListener(last);
    MetricsWriter writer = null;
    boolean appending = resuming && metrics != null && Files.exists(metrics);
    if (metrics != null) {
      writer = new MetricsWriter(metrics, appending);
      trainer.addListener(writer);
    }
    TrainingState end;
    boolean finished = false;
    try {
      end =
          spark == null
              ? trainer.fit(loaded.train(), loaded.test(), from)
              : SparkTraining.fit(
                  this, model, opt, config, trainer.listeners(), from, optimizerFactory(mom));
      finished = true;
    } catch (TrainingDivergedException e) {
      if (resuming && e.lastCheckpoint() == null) {
        // The trainer only knows that this run wrote no checkpoint; the one it resumed from is
        // intact.
        throw new CheckFailedException(
            e.getMessage()
                + "; "
                + outFile
                + " (step "
                + from.step()
                + ", from before this run) is unchanged",
            e);
      }
      throw e;
    } finally {
      if (writer != null) {
        writer.close();
        // A run that failed before its first step leaves no empty log behind; a longer failed run
        // (e.g. diverged) keeps the steps it logged, which show how it got there.
        if (!finished && !appending && Files.size(metrics) == 0) {
          Files.deleteIfExists(metrics);
        }
      }
    }

    TrainingHistory full = metrics != null ? TrainingHistory.fromMetrics(metrics) : history;
    if (!full.epochs().isEmpty()) {
      out().println();
      SummaryTable.ofEpochs(full.epochs()).print(out());
    }
    if (curve != null) {
      TrainingCurve.write(curve, full);
      out().println("training curve: " + curve);
    }
    if (last.test != null) {
      out()
          .printf(
              Locale.ROOT,
              "test accuracy %.2f%% (%d/%d), test loss %.4f%n",
              100 * last.test.accuracy(),
              last.test.correct(),
              last.test.count(),
              last.test.loss());
    }
    out()
        .printf(
            Locale.ROOT,
            "checkpoint: %s (epoch %d%s, step %d)%n",
            outFile,
            end.epoch(),
            end.midEpoch() ? " + " + end.batchInEpoch() + " batches" : "",
            end.step());
    if (metrics != null) {
      out().println("metrics: " + metrics);
    }
    return Qnn4jCli.OK;
  }

  private static Loss loss(String name) {
    for (Loss l : Loss.values()) {
      if (l.id().equals(name)) {
        return l;
      }
    }
    throw new CliException("--loss: unknown loss '" + name + "'; use cross-entropy or sqr-hinge");
  }

  /**
   * The driver's optimizer again, for the executors' copies in parameter-averaging mode; null when
   * synchronous.
   */
  private OptimizerFactory optimizerFactory(float mom) {
    if (averageEvery == 0) {
      return null;
    }
    float rate = lr;
    float decay = weightDecay;
    return optimizer == OptimizerKind.adam
        ? ps -> new Adam(ps, rate, 0.9f, 0.999f, 1e-8f, decay)
        : ps -> new Sgd(ps, rate, mom, decay);
  }

  private void warnIfChanged(Map<String, String> meta, Optimizer opt) {
    for (Map.Entry<String, String> h : opt.hyperparameters().entrySet()) {
      String saved = meta.get("qnn4j.optimizer." + h.getKey());
      if (saved != null && !saved.equals(h.getValue())) {
        err()
            .println(
                "qnn4j: warning: "
                    + outFile
                    + " was trained with "
                    + h.getKey()
                    + " "
                    + saved
                    + ", resuming with "
                    + h.getValue()
                    + "; the run will not match an uninterrupted one");
      }
    }
  }

  /** Keeps the last epoch's test result. */
  private static final class EpochRecorder implements TrainingListener {
    EvalResult test;

    @Override
    public void onEpoch(EpochMetrics m) {
      test = m.test();
    }
  }
}
