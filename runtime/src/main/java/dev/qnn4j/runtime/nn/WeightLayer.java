package dev.qnn4j.runtime.nn;

import dev.qnn4j.runtime.QuantTensor;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.autograd.Ops;
import dev.qnn4j.runtime.kernels.NdArrays;
import dev.qnn4j.runtime.quant.ActQuantConfig;
import dev.qnn4j.runtime.quant.ActQuantizer;
import dev.qnn4j.runtime.quant.BiasQuantConfig;
import dev.qnn4j.runtime.quant.BiasQuantizer;
import dev.qnn4j.runtime.quant.WeightQuantConfig;
import dev.qnn4j.runtime.quant.WeightQuantizer;
import dev.qnn4j.runtime.trace.Tracer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A layer with a weight and an optional bias (convolution or linear), optionally quantized the way
 * Brevitas' {@code QuantWeightBiasInputOutputLayer} quantizes: input quantizer, weight quantizer,
 * bias quantizer with scale = input scale x weight scale, output quantizer. With no quantizers it is
 * the plain float layer.
 */
public abstract class WeightLayer extends Module {
  protected final Parameter weight;
  protected final Parameter bias;
  private final WeightQuantizer weightQuant;
  private final BiasQuantizer biasQuant;
  private final ActQuantizer inputQuant;
  private final ActQuantizer outputQuant;
  private final boolean returnQuantTensor;
  private final int fanIn;
  private boolean calibrating;

  protected WeightLayer(
      String name, long[] weightShape, int biasSize, int fanIn, WeightQuantConfig weightQuant,
      BiasQuantConfig biasQuant, ActQuantConfig inputQuant, ActQuantConfig outputQuant,
      boolean returnQuantTensor) {
    super(name);
    this.weight = new Parameter(name + ".weight", NdArrays.create(
        new float[(int) NdArrays.numel(weightShape)], weightShape));
    this.bias = biasSize > 0 ? new Parameter(name + ".bias", NdArrays.create(new float[biasSize], biasSize)) : null;
    if (biasQuant != null && bias == null) {
      throw new IllegalArgumentException(name + ": a bias quantizer needs bias = true");
    }
    this.weightQuant = weightQuant == null ? null : new WeightQuantizer(weightQuant);
    this.biasQuant = biasQuant == null ? null : new BiasQuantizer(biasQuant);
    this.inputQuant = inputQuant == null ? null
        : new ActQuantizer(name + ".input_quant" + ActQuantizers.VALUE_SUFFIX, inputQuant);
    this.outputQuant = outputQuant == null ? null
        : new ActQuantizer(name + ".output_quant" + ActQuantizers.VALUE_SUFFIX, outputQuant);
    this.returnQuantTensor = returnQuantTensor;
    this.fanIn = fanIn;
    resetParameters(new Random(0));
  }

  /** Re-initialises weight and bias with PyTorch's default distributions from {@code rng}. */
  public void resetParameters(Random rng) {
    double bound = Init.defaultBound(fanIn);
    weight.set(Init.uniform(rng, (int) weight.numel(), bound));
    if (bias != null) {
      bias.set(Init.uniform(rng, (int) bias.numel(), bound));
    }
  }

  /** Checks the input's rank and channels, naming this layer and both shapes on a mismatch. */
  protected abstract void checkInput(Tensor x);

  /** The layer's float computation on already-quantized operands. */
  protected abstract Tensor compute(Tensor input, Tensor weight, Tensor bias);

  /** The axis of the output that per-channel weight scales run along. */
  protected abstract int outputChannelAxis();

  public Parameter weight() {
    return weight;
  }

  public Parameter bias() {
    return bias;
  }

  public WeightQuantizer weightQuantizer() {
    return weightQuant;
  }

  public BiasQuantizer biasQuantizer() {
    return biasQuant;
  }

  public ActQuantizer inputQuantizer() {
    return inputQuant;
  }

  public ActQuantizer outputQuantizer() {
    return outputQuant;
  }

  public boolean returnsQuantTensor() {
    return returnQuantTensor;
  }

  @Override
  public List<Parameter> parameters() {
    List<Parameter> ps = new ArrayList<>();
    ps.add(weight);
    if (bias != null) {
      ps.add(bias);
    }
    if (inputQuant != null) {
      ps.add(inputQuant.value());
    }
    if (outputQuant != null) {
      ps.add(outputQuant.value());
    }
    return ps;
  }

  @Override
  public void setCalibration(boolean on) {
    calibrating = on;
    if (weightQuant != null) {
      weightQuant.setEnabled(!on);
    }
    if (biasQuant != null) {
      biasQuant.setEnabled(!on);
    }
    for (ActQuantizer q : new ActQuantizer[] {inputQuant, outputQuant}) {
      if (q != null) {
        if (on) {
          q.beginCalibration();
        } else {
          q.endCalibration();
        }
      }
    }
  }

  /** The fake-quantized weight (a QuantTensor) or the float weight when unquantized or calibrating. */
  public Tensor quantWeight() {
    return weightQuant == null ? weight : weightQuant.apply(weight);
  }

  public Tensor forward(Tensor x) {
    return Tracer.layer(this, forwardImpl(x), x);
  }

  private Tensor forwardImpl(Tensor x) {
    checkInput(x);
    boolean train = isTraining() || calibrating;
    Tensor in = inputQuant == null ? x : inputQuant.forward(x, train);
    Tensor w = quantWeight();
    Tensor b = bias;
    if (bias != null && biasQuant != null && biasQuant.enabled()) {
      if (!(in instanceof QuantTensor qin)) {
        throw new IllegalStateException(name() + ": input scale required: the "
            + "Int" + biasQuant.config().bitWidth() + "Bias quantizer takes its scale from a QuantTensor input, "
            + "but the input is a float Tensor");
      }
      if (!(w instanceof QuantTensor qw)) {
        throw new IllegalStateException(name() + ": bias quantization needs a quantized weight");
      }
      b = biasQuant.quantize(bias, BiasQuantizer.scale(qin, qw));
    }
    Tensor out = compute(in, w, b);
    if (outputQuant != null) {
      QuantTensor q = outputQuant.forward(out, train);
      return returnQuantTensor ? q : plain(q);
    }
    if (returnQuantTensor) {
      if (in instanceof QuantTensor qin && w instanceof QuantTensor qw && qin.perTensor()) {
        Tensor scale = Ops.mul(qw.scale(), qin.scale());
        return new QuantTensor(out, scale, 0f, 32, true, outputChannelAxis());
      }
      if (!calibrating) {
        throw new IllegalStateException(name() + ": returnQuantTensor needs a quantized input and weight "
            + "or an output quantizer");
      }
    }
    return out;
  }

  /** The forward result as a QuantTensor, for layer methods declared to return one. */
  public QuantTensor forwardQuant(Tensor x) {
    Tensor out = forward(x);
    if (out instanceof QuantTensor q) {
      return q;
    }
    throw new IllegalStateException(name() + " does not produce a QuantTensor in this mode");
  }

  /** A QuantTensor's value without its metadata (Brevitas' return_quant_tensor = False). */
  static Tensor plain(QuantTensor q) {
    return new Tensor(q) {};
  }

  protected String quantDescription() {
    StringBuilder sb = new StringBuilder();
    if (inputQuant != null) {
      sb.append(", input_quant=").append(ActQuantizers.describe(inputQuant.config()));
    }
    if (weightQuant != null) {
      sb.append(", weight_quant=").append(weightQuant.config().brevitasName());
    }
    if (biasQuant != null) {
      sb.append(", bias_quant=").append(biasQuant.config().brevitasName());
    }
    if (outputQuant != null) {
      sb.append(", output_quant=").append(ActQuantizers.describe(outputQuant.config()));
    }
    if (returnQuantTensor) {
      sb.append(", return_quant_tensor=True");
    }
    return sb.toString();
  }
}
