package dev.qnn4j.samples.cli;

import dev.qnn4j.export.QcdqExporter;
import dev.qnn4j.runtime.data.Dataset;
import dev.qnn4j.runtime.data.FashionMnist;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.train.Adam;
import dev.qnn4j.runtime.train.MetricsWriter;
import dev.qnn4j.runtime.train.Trainer;
import dev.qnn4j.runtime.train.TrainerConfig;
import dev.qnn4j.runtime.train.TrainingHistory;
import dev.qnn4j.runtime.train.TrainingState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "demo",
    sortOptions = false,
    description = {
      "The whole pipeline on Fashion-MNIST: quantization-aware training of QuantWeightActBiasLeNet (4-bit"
          + " weights and activations, 32-bit biases), evaluation, export to QCDQ ONNX, and the exported file run"
          + " in ONNX Runtime on the whole test set, its accuracy next to the Java model's.",
      "Writes checkpoint.safetensors, metrics.jsonl, model_qcdq.onnx and training_curve.png to --out-dir."
          + " Fashion-MNIST comes from the Debian package dataset-fashion-mnist, which the demo installs when run"
          + " as root."
    },
    footer = {"", "Example:", "  qnn4j demo", "  qnn4j demo --epochs 5 --out-dir runs/demo5"})
final class DemoCommand extends BaseCommand {
  static final String CHECKPOINT = "checkpoint.safetensors";
  static final String METRICS = "metrics.jsonl";
  static final String ONNX = "model_qcdq.onnx";
  static final String CURVE = "training_curve.png";

  @Option(
      names = "--out-dir",
      paramLabel = "DIR",
      defaultValue = "runs/demo",
      description = "Where the output files go (created if needed; default ${DEFAULT-VALUE}).")
  Path outDir;

  @Option(
      names = "--epochs",
      paramLabel = "N",
      defaultValue = "2",
      description = "Epochs (default ${DEFAULT-VALUE}).")
  int epochs;

  @Option(
      names = "--batch-size",
      paramLabel = "N",
      defaultValue = "64",
      description = "Batch size (default ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(
      names = "--lr",
      paramLabel = "F",
      defaultValue = "1e-3",
      description = "Adam learning rate (default ${DEFAULT-VALUE}).")
  float lr;

  @Option(
      names = "--seed",
      paramLabel = "N",
      defaultValue = "0",
      description = "Seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--model",
      paramLabel = "NAME",
      defaultValue = "QuantWeightActBiasLeNet",
      description = "The model (default ${DEFAULT-VALUE}).")
  String modelName;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description = "Fashion-MNIST's directory (default " + "/usr/share/datasets/fashion-mnist).")
  Path dataDir;

  @Option(
      names = "--no-install",
      description = "Do not install the data set with apt-get when it is missing.")
  boolean noInstall;

  @Option(
      names = "--ort-batch-size",
      paramLabel = "N",
      defaultValue = "500",
      description =
          "Batch size of the test-set passes in Java and ONNX Runtime (default ${DEFAULT-VALUE}).")
  int ortBatchSize;

  @Option(
      names = "--limit",
      paramLabel = "N",
      defaultValue = "0",
      description = "Train on the first N images only (0 = all).")
  int limit;

  @Option(
      names = "--test-limit",
      paramLabel = "N",
      defaultValue = "0",
      description = "Test on the first N images only (0 = all).")
  int testLimit;

  @Override
  public Integer call() throws Exception {
    long start = System.nanoTime();
    positive("--epochs", epochs);
    positive("--batch-size", batchSize);
    positive("--ort-batch-size", ortBatchSize);
    nonNegative("--limit", limit);
    nonNegative("--test-limit", testLimit);
    if (!(lr > 0) || !Float.isFinite(lr)) {
      throw new CliException("--lr must be a positive number, got " + lr);
    }
    Path dir = dataDir != null ? dataDir : FashionMnist.DEFAULT_DIR;
    Model model = createModel(modelName);
    FashionMnistInstaller.ensureAvailable(dir, !noInstall, out());
    createOutDir();
    Path checkpoint = outDir.resolve(CHECKPOINT);
    Path metrics = outDir.resolve(METRICS);
    Path onnx = outDir.resolve(ONNX);
    Path curve = outDir.resolve(CURVE);

    Dataset train = FashionMnist.train(dir);
    Dataset test = FashionMnist.test(dir);
    if (limit > 0 && limit < train.size()) {
      train = train.subset(0, limit);
    }
    if (testLimit > 0 && testLimit < test.size()) {
      test = test.subset(0, testLimit);
    }
    int classes = Models.outputClasses(model);
    Inputs.checkDataset(train, model, classes, dir.toString());

    out()
        .println(
            "qnn4j demo: quantization-aware training of "
                + model.modelName()
                + " on Fashion-MNIST");
    out()
        .printf(
            Locale.ROOT,
            "data: %d training and %d test images from %s, padded to 3x32x32, normalised to [-1, 1]%n",
            train.size(),
            test.size(),
            dir);
    out()
        .printf(
            Locale.ROOT,
            "training: %d epoch(s), Adam lr %s, batch %d, seed %d, %s%n",
            epochs,
            lr,
            batchSize,
            seed,
            model.compiledStep().isPresent()
                ? "through the compiled training step"
                : "on the autograd tape");
    out().println();

    Trainer.initialize(model, seed);
    Adam adam = new Adam(model.parameters(), lr);
    TrainerConfig config = TrainerConfig.of(epochs, batchSize, seed).withCheckpoint(checkpoint);
    Trainer trainer = new Trainer(model, adam, config);
    TrainingHistory history = new TrainingHistory();
    trainer.addListener(progressBar()).addListener(history);
    try (MetricsWriter writer = new MetricsWriter(metrics, false)) {
      trainer.addListener(writer);
      trainer.fit(
          train,
          test,
          TrainingState.start(seed, batchSize).withMetadata("qnn4j.command", "qnn4j demo"));
    }
    out().println();
    SummaryTable.ofEpochs(history.epochs()).print(out());
    TrainingCurve.write(curve, history);

    model.eval();
    QcdqExporter.export(model, Models.inputShape(model), onnx);
    out().println();
    out()
        .printf(
            Locale.ROOT,
            "exported QCDQ ONNX; running it in ONNX Runtime on the %d test images (batches of %d)%n",
            test.size(),
            ortBatchSize);

    float[] images = test.images();
    int[] labels = test.labels();
    // The Java pass batches like the evaluation after each epoch, so it reports the same accuracy.
    int[] javaPred =
        Predictions.argmax(
            Predictions.logits(model, images, test.size(), config.evalBatchSize(), classes),
            classes);
    int[] ortPred = ortPredictions(onnx, model, images, test.size(), classes);
    int javaCorrect = 0;
    int ortCorrect = 0;
    int agree = 0;
    for (int i = 0; i < labels.length; i++) {
      javaCorrect += javaPred[i] == labels[i] ? 1 : 0;
      ortCorrect += ortPred[i] == labels[i] ? 1 : 0;
      agree += javaPred[i] == ortPred[i] ? 1 : 0;
    }
    int n = labels.length;
    out().println();
    new SummaryTable("model", "test accuracy", "correct")
        .addRow("qnn4j QAT model (Java)", percent(javaCorrect, n), javaCorrect + "/" + n)
        .addRow("exported QCDQ ONNX (ONNX Runtime)", percent(ortCorrect, n), ortCorrect + "/" + n)
        .print(out());
    out()
        .printf(
            Locale.ROOT,
            "predictions agree on %d of %d test images (%s)%n",
            agree,
            n,
            percent(agree, n));
    out().println();
    out().println("files:");
    new SummaryTable("file", "path")
        .addRow("checkpoint", checkpoint)
        .addRow("metrics", metrics)
        .addRow("ONNX model", onnx)
        .addRow("training curve", curve)
        .print(out());
    if (Math.abs(javaCorrect - ortCorrect) > 0.001 * n) {
      out()
          .println(
              "note: the accuracies differ by more than 0.1 percentage points: fake-quantized values near a"
                  + " rounding boundary can round differently when ONNX Runtime sums in another order");
    }
    out().printf(Locale.ROOT, "done in %.1f s%n", (System.nanoTime() - start) / 1e9);
    return Qnn4jCli.OK;
  }

  private void createOutDir() {
    try {
      Files.createDirectories(outDir);
    } catch (IOException e) {
      throw new CliException("cannot create --out-dir " + outDir + ": " + e.getMessage(), e);
    }
    if (!Files.isWritable(outDir)) {
      throw new CliException("cannot write to --out-dir " + outDir + ": permission denied");
    }
  }

  private int[] ortPredictions(Path onnx, Model model, float[] images, int n, int classes)
      throws Exception {
    int imageSize = images.length / n;
    int[] pred = new int[n];
    try (OrtModel ort = new OrtModel(onnx)) {
      for (int s = 0; s < n; s += ortBatchSize) {
        int b = Math.min(ortBatchSize, n - s);
        float[] logits =
            ort.run(
                Arrays.copyOfRange(images, s * imageSize, (s + b) * imageSize),
                Models.batchShape(model, b));
        System.arraycopy(Predictions.argmax(logits, classes), 0, pred, s, b);
      }
    }
    return pred;
  }

  private static String percent(int k, int n) {
    return String.format(Locale.ROOT, "%.2f%%", 100.0 * k / n);
  }
}
