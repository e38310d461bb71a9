package dev.qnn4j.runtime.nn;

import dev.qnn4j.runtime.Parameter;
import dev.qnn4j.runtime.QuantTensor;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.quant.ActQuantizer;
import dev.qnn4j.runtime.quant.BiasQuantizer;
import dev.qnn4j.runtime.quant.WeightQuantizer;

/**
 * A {@link WeightLayer} with quantizers ({@link QuantConv2d}, {@link QuantLinear}): the type that
 * graph transforms, export and tools test for, so that float layers never match.
 */
public interface QuantWeightLayer {
  String name();

  Parameter weight();

  Parameter bias();

  WeightLayerQuantizers quantizers();

  Tensor forward(Tensor x);

  /** The layer's float computation on given (already quantized) operands. */
  Tensor compute(Tensor input, Tensor weight, Tensor bias);

  default WeightQuantizer weightQuantizer() {
    return quantizers().weight();
  }

  default BiasQuantizer biasQuantizer() {
    return quantizers().bias();
  }

  default ActQuantizer inputQuantizer() {
    return quantizers().input();
  }

  default ActQuantizer outputQuantizer() {
    return quantizers().output();
  }

  default boolean returnsQuantTensor() {
    return quantizers().returnQuantTensor();
  }

  /** The fake-quantized weight (a QuantTensor) or the float weight when calibrating. */
  default Tensor quantWeight() {
    return quantizers().quantWeight();
  }

  /** The forward result as a QuantTensor, for layer methods declared to return one. */
  default QuantTensor forwardQuant(Tensor x) {
    Tensor out = forward(x);
    if (out instanceof QuantTensor q) {
      return q;
    }
    throw new IllegalStateException(name() + " does not produce a QuantTensor in this mode");
  }
}
