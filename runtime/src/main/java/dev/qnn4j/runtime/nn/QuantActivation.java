package dev.qnn4j.runtime.nn;

import dev.qnn4j.runtime.Parameter;
import dev.qnn4j.runtime.QuantTensor;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.quant.ActQuantConfig;
import dev.qnn4j.runtime.quant.ActQuantizer;
import java.util.List;

/**
 * An activation function fused with an activation quantizer (Brevitas' {@code QuantNLAL} layers):
 * the function runs first, then the output is quantized. Each instance owns its quantizer's state,
 * so reusing one instance at two places of a network shares (and mixes) its statistics, as in
 * Brevitas.
 */
public abstract class QuantActivation extends Module {
  private final ActQuantizer quantizer;
  private final boolean returnQuantTensor;
  private boolean calibrating;

  protected QuantActivation(String name, ActQuantConfig config, boolean returnQuantTensor) {
    super(name);
    this.quantizer = new ActQuantizer(name + ".act_quant" + ActQuantizers.VALUE_SUFFIX, config);
    this.returnQuantTensor = returnQuantTensor;
  }

  /** The activation function applied before quantization. */
  protected abstract Tensor activation(Tensor x);

  public ActQuantizer quantizer() {
    return quantizer;
  }

  public boolean returnsQuantTensor() {
    return returnQuantTensor;
  }

  @Override
  public List<Parameter> parameters() {
    return quantizer.parameters();
  }

  @Override
  public void zeroGrad() {
    quantizer.zeroGrad();
  }

  @Override
  public void setCalibration(boolean on) {
    calibrating = on;
    if (on) {
      quantizer.beginCalibration();
    } else {
      quantizer.endCalibration();
    }
  }

  /** The quantized output: a QuantTensor when {@code returnQuantTensor}, else its plain value. */
  public Tensor forward(Tensor x) {
    QuantTensor q = quantize(x);
    return Tracer.layer(this, returnQuantTensor ? q : WeightLayer.plain(q), x);
  }

  /** The quantized output with its metadata, whatever {@code returnQuantTensor} says. */
  public QuantTensor forwardQuant(Tensor x) {
    return Tracer.layer(this, quantize(x), x);
  }

  private QuantTensor quantize(Tensor x) {
    Shapes.checkNotEmpty(name(), x);
    return quantizer.forward(activation(x), isTraining() || calibrating);
  }

  @Override
  public String describe() {
    return getClass().getSimpleName()
        + "(act_quant="
        + ActQuantizers.describe(quantizer.config())
        + (returnQuantTensor ? ", return_quant_tensor=True" : "")
        + ")";
  }
}
