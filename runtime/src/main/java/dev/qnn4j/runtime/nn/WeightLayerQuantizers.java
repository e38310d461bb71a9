package dev.qnn4j.runtime.nn;

import dev.qnn4j.runtime.Parameter;
import dev.qnn4j.runtime.QuantTensor;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.autograd.Ops;
import dev.qnn4j.runtime.quant.Accumulators;
import dev.qnn4j.runtime.quant.ActQuantConfig;
import dev.qnn4j.runtime.quant.ActQuantizer;
import dev.qnn4j.runtime.quant.BiasQuantConfig;
import dev.qnn4j.runtime.quant.BiasQuantizer;
import dev.qnn4j.runtime.quant.WeightQuantConfig;
import dev.qnn4j.runtime.quant.WeightQuantizer;
import java.util.ArrayList;
import java.util.List;

/**
 * The quantizers a {@link QuantWeightLayer} adds to its float layer, and the quantized forward they
 * make, as Brevitas' {@code QuantWeightBiasInputOutputLayer} quantizes: input quantizer, weight
 * quantizer, bias quantizer with scale = input scale x weight scale, output quantizer. Every
 * quantizer but the weight's is optional (null).
 */
public final class WeightLayerQuantizers {
  private final WeightLayer layer;
  private final WeightQuantizer weightQuant;
  private final BiasQuantizer biasQuant;
  private final ActQuantizer inputQuant;
  private final ActQuantizer outputQuant;
  private final boolean returnQuantTensor;
  private boolean calibrating;

  WeightLayerQuantizers(
      WeightLayer layer,
      WeightQuantConfig weightQuant,
      BiasQuantConfig biasQuant,
      ActQuantConfig inputQuant,
      ActQuantConfig outputQuant,
      boolean returnQuantTensor) {
    String name = layer.name();
    if (biasQuant != null && layer.bias() == null) {
      throw new IllegalArgumentException(name + ": a bias quantizer needs bias = true");
    }
    this.layer = layer;
    this.weightQuant = weightQuant == null ? null : new WeightQuantizer(weightQuant);
    this.biasQuant = biasQuant == null ? null : new BiasQuantizer(biasQuant);
    this.inputQuant =
        inputQuant == null
            ? null
            : new ActQuantizer(name + ".input_quant" + ActQuantizers.VALUE_SUFFIX, inputQuant);
    this.outputQuant =
        outputQuant == null
            ? null
            : new ActQuantizer(name + ".output_quant" + ActQuantizers.VALUE_SUFFIX, outputQuant);
    this.returnQuantTensor = returnQuantTensor;
  }

  public WeightQuantizer weight() {
    return weightQuant;
  }

  public BiasQuantizer bias() {
    return biasQuant;
  }

  public ActQuantizer input() {
    return inputQuant;
  }

  public ActQuantizer output() {
    return outputQuant;
  }

  public boolean returnQuantTensor() {
    return returnQuantTensor;
  }

  /** The layer's weight and bias, then the activation quantizers' learned values. */
  /** Clears the gradients of the quantizers' parameters ({@link #parameters}' additions). */
  void zeroGrad() {
    if (inputQuant != null) {
      inputQuant.zeroGrad();
    }
    if (outputQuant != null) {
      outputQuant.zeroGrad();
    }
  }

  List<Parameter> parameters(List<Parameter> layerParameters) {
    List<Parameter> ps = new ArrayList<>(layerParameters);
    if (inputQuant != null) {
      ps.addAll(inputQuant.parameters());
    }
    if (outputQuant != null) {
      ps.addAll(outputQuant.parameters());
    }
    return ps;
  }

  void setCalibration(boolean on) {
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

  /**
   * The fake-quantized weight (a QuantTensor) or the float weight when unquantized or calibrating.
   */
  public Tensor quantWeight() {
    return weightQuant == null ? layer.weight() : weightQuant.apply(layer.weight());
  }

  Tensor forward(Tensor x) {
    layer.checkInput(x);
    boolean train = layer.isTraining() || calibrating;
    Tensor in = inputQuant == null ? x : inputQuant.forward(x, train);
    Tensor w = quantWeight();
    Tensor b = layer.bias();
    if (b != null && biasQuant != null && biasQuant.enabled()) {
      if (!(in instanceof QuantTensor qin)) {
        throw new IllegalStateException(
            layer.name()
                + ": input scale required: the "
                + "Int"
                + biasQuant.config().bitWidth()
                + "Bias quantizer takes its scale from a QuantTensor input, "
                + "but the input is a float Tensor");
      }
      if (!(w instanceof QuantTensor qw)) {
        throw new IllegalStateException(
            layer.name() + ": bias quantization needs a quantized weight");
      }
      b = biasQuant.quantize(b, BiasQuantizer.scale(qin, qw));
    }
    Tensor out = layer.compute(in, w, b);
    if (outputQuant != null) {
      QuantTensor q = outputQuant.forward(out, train);
      return returnQuantTensor ? q : WeightLayer.plain(q);
    }
    if (returnQuantTensor) {
      if (in instanceof QuantTensor qin && w instanceof QuantTensor qw && qin.perTensor()) {
        Tensor scale = Ops.mul(qw.scale(), qin.scale());
        int biasBits =
            b != null && biasQuant != null && biasQuant.enabled()
                ? biasQuant.config().bitWidth()
                : 0;
        int bits =
            Accumulators.brevitasOutputBits(
                layer.accumulatorPatch(), qin.bitWidth(), qw.bitWidth(), biasBits);
        return new QuantTensor(out, scale, 0f, bits, true, layer.outputChannelAxis());
      }
      if (!calibrating) {
        throw new IllegalStateException(
            layer.name()
                + ": returnQuantTensor needs a quantized input and weight "
                + "or an output quantizer");
      }
    }
    return out;
  }

  /** The quantizers in Brevitas' {@code repr} words, for {@code describe()}. */
  String describe() {
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
