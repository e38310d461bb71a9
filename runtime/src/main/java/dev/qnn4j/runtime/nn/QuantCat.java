package dev.qnn4j.runtime.nn;

import dev.qnn4j.runtime.QuantTensor;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.autograd.Ops;
import java.util.Arrays;
import java.util.List;

/**
 * Channel concatenation of QuantTensors ({@code torch.cat(xs, dim=1)} on Brevitas QuantTensors; its
 * {@code QuantCat} module is broken in 0.11). In training the output's scale, zero point and bit
 * width are the mean over the inputs, unchecked; in evaluation the inputs' scales must agree
 * (PyTorch's {@code allclose}: {@code |a - b| <= 1e-8 + 1e-5 |b|}) and the first one is used, else
 * "Scaling factors are different", as in Brevitas. Share one quantizer between the inputs to be
 * sure they agree.
 */
public class QuantCat extends Module {
  public QuantCat(String name) {
    super(name);
  }

  public QuantTensor forward(QuantTensor... inputs) {
    if (inputs.length == 0) {
      throw new IllegalArgumentException(name() + ": nothing to concatenate");
    }
    for (QuantTensor q : inputs) {
      if (!q.perTensor()) {
        throw new IllegalArgumentException(name() + ": concatenation needs per-tensor scales");
      }
    }
    Tensor value;
    try {
      value = Ops.cat(List.of(inputs));
    } catch (IllegalArgumentException e) {
      throw new LayerShapeException(
          name(),
          "QuantTensors equal in every dimension but 1, the first "
              + Arrays.toString(inputs[0].shape()),
          inputs[inputs.length - 1].shape());
    }
    QuantTensor first = inputs[0];
    QuantTensor out;
    if (isTraining()) {
      Tensor scale = first.scale();
      double zeroPoint = first.zeroPoint();
      double bits = first.bitWidth();
      boolean signed = first.signed();
      for (int i = 1; i < inputs.length; i++) {
        scale = Ops.add(scale, inputs[i].scale());
        zeroPoint += inputs[i].zeroPoint();
        bits += inputs[i].bitWidth();
        signed |= inputs[i].signed();
      }
      scale = Ops.div(scale, inputs.length);
      // Brevitas' mean bit width may be fractional; the integer metadata rounds it up.
      out =
          new QuantTensor(
              value,
              scale,
              (float) (zeroPoint / inputs.length),
              (int) Math.ceil(bits / inputs.length),
              signed);
    } else {
      float s0 = first.scale().item();
      for (int i = 1; i < inputs.length; i++) {
        float s = inputs[i].scale().item();
        if (!(Math.abs(s0 - s) <= 1e-8 + 1e-5 * Math.abs(s))) {
          throw new IllegalArgumentException(
              name()
                  + ": Scaling factors are different ("
                  + s0
                  + " and "
                  + s
                  + " at input "
                  + i
                  + "); in evaluation concatenated QuantTensors must share one scale, e.g."
                  + " come from one quantizer");
        }
        if (inputs[i].zeroPoint() != first.zeroPoint()
            || inputs[i].bitWidth() != first.bitWidth()
            || inputs[i].signed() != first.signed()) {
          throw new IllegalArgumentException(
              name()
                  + ": input "
                  + i
                  + " differs from input 0 in zero point,"
                  + " bit width or sign; concatenated QuantTensors must be quantized alike");
        }
      }
      out =
          new QuantTensor(
              value, first.scale(), first.zeroPoint(), first.bitWidth(), first.signed());
    }
    return Tracer.layer(this, out, inputs);
  }

  /**
   * The same as {@link #forward}, under the name generated layer methods returning a QuantTensor
   * call.
   */
  public QuantTensor forwardQuant(QuantTensor... inputs) {
    return forward(inputs);
  }

  @Override
  public String describe() {
    return "QuantCat(dim=1)";
  }
}
