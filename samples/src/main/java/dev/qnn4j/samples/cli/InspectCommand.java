package dev.qnn4j.samples.cli;

import dev.qnn4j.runtime.QuantTensor;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.nn.QuantWeightLayer;
import dev.qnn4j.runtime.nn.TraceEvent;
import dev.qnn4j.runtime.nn.Tracer;
import dev.qnn4j.runtime.nn.WeightLayer;
import dev.qnn4j.runtime.quant.Accumulators;
import dev.qnn4j.runtime.quant.ActQuantConfig;
import dev.qnn4j.runtime.quant.IntRange;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "inspect",
    sortOptions = false,
    description = {
      "Shows a model: its module tree, every quantizer's configuration, the output shape of every step of"
          + " an eval forward pass (traced on zeros of [1, inputShape]) and the worst-case accumulator width of"
          + " every compute layer: ceil(log2(fan_in * max|input int| * max|weight int|)) + 1, with"
          + " max|input int| = 2^b - 1 for unsigned and 2^(b-1) for signed b-bit inputs (unknown for float inputs)."
    },
    footer = {"", "Example:", "  qnn4j inspect --model QuantWeightActBiasLeNet"})
final class InspectCommand extends ModelCommand {
  @Option(
      names = "--checkpoint",
      paramLabel = "C.safetensors",
      description = "Also show the scales of this checkpoint.")
  Path checkpoint;

  @Option(
      names = "--weights",
      paramLabel = "W.pth|W.safetensors",
      description = "Or of these float/Brevitas weights.")
  Path weights;

  /**
   * How the built-in data sets reach this model by default (the data follows the model; {@code
   * --input-layout}/{@code --normalisation} of train, eval and calibrate change it).
   */
  private String dataFormats(Model model) {
    InputFormatOptions auto = new InputFormatOptions();
    String name = declaringClassName();
    StringBuilder sb = new StringBuilder();
    for (String data : new String[] {"fashion-mnist", "cifar10:DIR"}) {
      DataSpec spec = DataSpec.parse(data);
      sb.append(sb.length() == 0 ? "" : "; ").append(spec.kind().id).append(" ");
      try {
        DataSpec.Format format = auto.resolve(spec, model, name);
        long[] images =
            spec.kind() == DataSpec.Kind.FASHION_MNIST
                ? format.layout().shape()
                : new long[] {3, 32, 32};
        if (model.inputShape().length > 0 && !Arrays.equals(images, model.inputShape())) {
          sb.append("does not fit (images ").append(Arrays.toString(images)).append(")");
          continue;
        }
        sb.append(format.describe(spec));
      } catch (CliException e) {
        sb.append("does not fit (").append(e.getMessage()).append(")");
      }
    }
    return sb.toString();
  }

  /** One compute layer's worst-case accumulator. */
  record Accumulator(
      String layer,
      long fanIn,
      String input,
      long maxAbsIn,
      String weight,
      long maxAbsWeight,
      int bits) {
    boolean known() {
      return bits > 0;
    }
  }

  @Override
  public Integer call() throws Exception {
    if (checkpoint != null && weights != null) {
      throw new CliException("--checkpoint and --weights exclude each other");
    }
    Model model = createModel();
    long[] shape = Models.batchShape(model, 1);
    if (checkpoint != null) {
      Inputs.loadCheckpoint(checkpoint, model, "--checkpoint");
    } else if (weights != null) {
      Inputs.loadWeights(weights, model, "--weights");
    }
    model.eval();
    Tensor input = Tensor.zeros(shape);
    List<TraceEvent> events = Predictions.noGrad(() -> Tracer.trace(() -> model.forward(input)));

    out()
        .println(
            model.modelName()
                + " ("
                + model.getClass().getName()
                + "), input "
                + Arrays.toString(shape)
                + ", "
                + model.parameters().stream()
                    .filter(p -> !p.name().contains("_quant."))
                    .mapToLong(Tensor::numel)
                    .sum()
                + " weights and biases");
    out().println("Data: " + dataFormats(model));
    out()
        .println(
            "Training step: "
                + (model.compiledStep().isPresent()
                    ? "compiled (generated forward and backward pass)"
                    : "autograd tape (no compiled step; the javac note of the model says why)"));
    out().println();
    out().println("Module tree");
    out().println(model);
    out().println();
    out()
        .println(
            "Quantizers" + (checkpoint != null || weights != null ? " (scales in eval mode)" : ""));
    Quantizers.configTable(model, checkpoint != null || weights != null).print(out());
    out().println();
    out().println("Layer outputs (eval forward on zeros " + Arrays.toString(shape) + ")");
    SummaryTable steps = new SummaryTable("#", "step", "output shape", "output");
    int i = 1;
    for (TraceEvent e : events) {
      steps.addRow(
          i++, stepName(e), Arrays.toString(e.output().shape()), Quantizers.describe(e.output()));
    }
    steps.print(out());
    out().println();
    out()
        .println(
            "Accumulators (worst case: ceil(log2(fan_in * max|input| * max|weight|)) + 1 bits)");
    SummaryTable acc =
        new SummaryTable(
            "layer",
            "fan-in",
            "input",
            "max|input|",
            "weight",
            "max|weight|",
            "accumulator bits",
            "fits int32");
    for (Accumulator a : accumulators(events)) {
      acc.addRow(
          a.layer(),
          a.fanIn(),
          a.input(),
          a.maxAbsIn() > 0 ? a.maxAbsIn() : "-",
          a.weight(),
          a.maxAbsWeight() > 0 ? a.maxAbsWeight() : "-",
          a.known() ? a.bits() : "unknown",
          a.known() ? (a.bits() <= 32 ? "yes" : "NO") : "-");
    }
    acc.print(out());
    return Qnn4jCli.OK;
  }

  static String stepName(TraceEvent e) {
    if (e.op() == TraceEvent.Op.LAYER) {
      return e.layer().name();
    }
    return switch (e.op()) {
      case MAX_POOL -> "max_pool2d";
      case AVG_POOL -> "avg_pool2d";
      default -> e.op().name().toLowerCase(Locale.ROOT);
    };
  }

  /** The worst-case accumulator of every compute-layer call in the trace. */
  static List<Accumulator> accumulators(List<TraceEvent> events) {
    return events.stream()
        .filter(e -> e.op() == TraceEvent.Op.LAYER && e.layer() instanceof WeightLayer)
        .map(InspectCommand::accumulator)
        .toList();
  }

  static Accumulator accumulator(TraceEvent e) {
    WeightLayer layer = (WeightLayer) e.layer();
    QuantWeightLayer quant = layer instanceof QuantWeightLayer q ? q : null;
    long[] ws = layer.weight().shape();
    long fanIn = 1;
    for (int d = 1; d < ws.length; d++) {
      fanIn *= ws[d];
    }
    IntRange in = null;
    if (quant != null && quant.inputQuantizer() != null) {
      ActQuantConfig c = quant.inputQuantizer().config();
      in = new IntRange(c.bitWidth(), c.signed(), false);
    } else if (!e.inputs().isEmpty() && e.inputs().get(0) instanceof QuantTensor q) {
      in = new IntRange(q.bitWidth(), q.signed(), false);
    }
    IntRange w =
        quant != null && quant.weightQuantizer() != null
            ? quant.weightQuantizer().config().range()
            : null;
    String input = in == null ? "float" : (in.signed() ? "int" : "uint") + in.bitWidth();
    String weight = w == null ? "float" : "int" + w.bitWidth();
    int bits =
        in == null || w == null || in.maxAbs() == 0 || w.maxAbs() == 0
            ? -1
            : Accumulators.requiredBits(fanIn, in, w);
    return new Accumulator(
        layer.name(),
        fanIn,
        input,
        in == null ? -1 : in.maxAbs(),
        weight,
        w == null ? -1 : w.maxAbs(),
        bits);
  }
}
