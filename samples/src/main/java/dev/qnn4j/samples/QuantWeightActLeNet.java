package dev.qnn4j.samples;

import dev.qnn4j.annotations.QuantConv2d;
import dev.qnn4j.annotations.QuantIdentity;
import dev.qnn4j.annotations.QuantLinear;
import dev.qnn4j.annotations.QuantModel;
import dev.qnn4j.annotations.QuantReLU;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.nn.F;

/**
 * LeNet-5 with 4-bit weights and activations (3-bit after conv2), 8-bit weights in fc3, float
 * biases (the seed tutorial's second model).
 */
@QuantModel(inputShape = {3, 32, 32})
public abstract class QuantWeightActLeNet {
  @QuantIdentity(bitWidth = 4)
  abstract Tensor quantInp(Tensor x);

  @QuantConv2d(inChannels = 3, outChannels = 6, kernelSize = 5, bitWidth = 4)
  abstract Tensor conv1(Tensor x);

  @QuantReLU(bitWidth = 4)
  abstract Tensor relu1(Tensor x);

  @QuantConv2d(inChannels = 6, outChannels = 16, kernelSize = 5, bitWidth = 4)
  abstract Tensor conv2(Tensor x);

  @QuantReLU(bitWidth = 3)
  abstract Tensor relu2(Tensor x);

  @QuantLinear(inFeatures = 16 * 5 * 5, outFeatures = 120, bitWidth = 4)
  abstract Tensor fc1(Tensor x);

  @QuantReLU(bitWidth = 4)
  abstract Tensor relu3(Tensor x);

  @QuantLinear(inFeatures = 120, outFeatures = 84, bitWidth = 4)
  abstract Tensor fc2(Tensor x);

  @QuantReLU(bitWidth = 4)
  abstract Tensor relu4(Tensor x);

  @QuantLinear(inFeatures = 84, outFeatures = 10)
  abstract Tensor fc3(Tensor x);

  public Tensor forward(Tensor x) {
    Tensor out = quantInp(x);
    out = relu1(conv1(out));
    out = F.maxPool2d(out, 2);
    out = relu2(conv2(out));
    out = F.maxPool2d(out, 2);
    out = F.flatten(out);
    out = relu3(fc1(out));
    out = relu4(fc2(out));
    return fc3(out);
  }
}
