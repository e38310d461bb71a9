package dev.qnn4j.samples;

import dev.qnn4j.annotations.Int32Bias;
import dev.qnn4j.annotations.QuantConv2d;
import dev.qnn4j.annotations.QuantIdentity;
import dev.qnn4j.annotations.QuantLinear;
import dev.qnn4j.annotations.QuantModel;
import dev.qnn4j.annotations.QuantReLU;
import dev.qnn4j.runtime.QuantTensor;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.nn.F;

/**
 * LeNet-5 with 4-bit weights and activations and 32-bit biases (the seed tutorial's third model).
 * Activations return QuantTensors so that each bias quantizer knows its input scale.
 */
@QuantModel(inputShape = {3, 32, 32})
public abstract class QuantWeightActBiasLeNet {
  @QuantIdentity(bitWidth = 4, returnQuantTensor = true)
  abstract QuantTensor quantInp(Tensor x);

  @QuantConv2d(inChannels = 3, outChannels = 6, kernelSize = 5, bitWidth = 4)
  @Int32Bias
  abstract Tensor conv1(QuantTensor x);

  @QuantReLU(bitWidth = 4, returnQuantTensor = true)
  abstract QuantTensor relu1(Tensor x);

  @QuantConv2d(inChannels = 6, outChannels = 16, kernelSize = 5, bitWidth = 4)
  @Int32Bias
  abstract Tensor conv2(QuantTensor x);

  @QuantReLU(bitWidth = 4, returnQuantTensor = true)
  abstract QuantTensor relu2(Tensor x);

  @QuantLinear(inFeatures = 16 * 5 * 5, outFeatures = 120, bitWidth = 4)
  @Int32Bias
  abstract Tensor fc1(QuantTensor x);

  @QuantReLU(bitWidth = 4, returnQuantTensor = true)
  abstract QuantTensor relu3(Tensor x);

  @QuantLinear(inFeatures = 120, outFeatures = 84, bitWidth = 4)
  @Int32Bias
  abstract Tensor fc2(QuantTensor x);

  @QuantReLU(bitWidth = 4, returnQuantTensor = true)
  abstract QuantTensor relu4(Tensor x);

  @QuantLinear(inFeatures = 84, outFeatures = 10, bitWidth = 4)
  @Int32Bias
  abstract Tensor fc3(QuantTensor x);

  public Tensor forward(Tensor x) {
    QuantTensor out = quantInp(x);
    out = F.maxPool2d(relu1(conv1(out)), 2);
    out = F.maxPool2d(relu2(conv2(out)), 2);
    out = F.flatten(out);
    out = relu3(fc1(out));
    out = relu4(fc2(out));
    return fc3(out);
  }
}
