package dev.qnn4j.runtime.nn;

import dev.qnn4j.runtime.Parameter;
import dev.qnn4j.runtime.QuantTensor;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.autograd.Ops;
import dev.qnn4j.runtime.quant.ActQuantConfig;
import dev.qnn4j.runtime.quant.ActQuantizer;
import java.util.List;

/**
 * Elementwise addition of two quantized tensors (Brevitas' {@code QuantEltwiseAdd}). Without an
 * output quantizer both inputs must have the same scale, and the sum is a QuantTensor of that scale
 * and one more bit; with one, the float sum is requantized.
 */
public final class QuantEltwiseAdd extends Module {
  private final ActQuantizer outputQuant;
  private final boolean returnQuantTensor;
  private boolean calibrating;

  public QuantEltwiseAdd(String name, ActQuantConfig outputQuant, boolean returnQuantTensor) {
    super(name);
    this.outputQuant =
        outputQuant == null
            ? null
            : new ActQuantizer(name + ".output_quant" + ActQuantizers.VALUE_SUFFIX, outputQuant);
    this.returnQuantTensor = returnQuantTensor;
  }

  public ActQuantizer outputQuantizer() {
    return outputQuant;
  }

  @Override
  public List<Parameter> parameters() {
    return outputQuant == null ? List.of() : outputQuant.parameters();
  }

  @Override
  public void setCalibration(boolean on) {
    calibrating = on;
    if (outputQuant != null) {
      if (on) {
        outputQuant.beginCalibration();
      } else {
        outputQuant.endCalibration();
      }
    }
  }

  public Tensor forward(Tensor a, Tensor b) {
    return dev.qnn4j.runtime.nn.Tracer.layer(this, forwardImpl(a, b), a, b);
  }

  private Tensor forwardImpl(Tensor a, Tensor b) {
    Shapes.checkSame(name(), a, b);
    Tensor sum = Ops.add(a, b);
    if (outputQuant != null) {
      QuantTensor q = outputQuant.forward(sum, isTraining() || calibrating);
      return returnQuantTensor ? q : WeightLayer.plain(q);
    }
    if (!(a instanceof QuantTensor qa) || !(b instanceof QuantTensor qb)) {
      if (returnQuantTensor && !calibrating) {
        throw new IllegalStateException(
            name()
                + ": adding float tensors cannot return a QuantTensor "
                + "without an output quantizer");
      }
      return sum;
    }
    if (!qa.perTensor() || !qb.perTensor() || qa.scale().item() != qb.scale().item()) {
      if (calibrating) {
        return sum;
      }
      throw new IllegalStateException(
          name()
              + ": inputs have different scales ("
              + qa.scale().item()
              + " and "
              + qb.scale().item()
              + "); give the layer an output quantizer to requantize");
    }
    QuantTensor q =
        new QuantTensor(
            sum,
            qa.scale(),
            0f,
            Math.max(qa.bitWidth(), qb.bitWidth()) + 1,
            qa.signed() || qb.signed());
    return returnQuantTensor ? q : WeightLayer.plain(q);
  }

  public QuantTensor forwardQuant(Tensor a, Tensor b) {
    Tensor out = forward(a, b);
    if (out instanceof QuantTensor q) {
      return q;
    }
    throw new IllegalStateException(name() + " does not produce a QuantTensor in this mode");
  }

  @Override
  public String describe() {
    return "QuantEltwiseAdd("
        + (outputQuant == null
            ? ""
            : "output_quant=" + ActQuantizers.describe(outputQuant.config()))
        + ")";
  }
}
