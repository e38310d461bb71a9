package dev.qnn4j.samples.models;

import dev.qnn4j.annotations.Int32Bias;
import dev.qnn4j.annotations.QuantConv2d;
import dev.qnn4j.annotations.QuantIdentity;
import dev.qnn4j.annotations.QuantLinear;
import dev.qnn4j.annotations.QuantModel;
import dev.qnn4j.annotations.QuantReLU;
import dev.qnn4j.annotations.Scaling;
import dev.qnn4j.annotations.ScalingImpl;
import dev.qnn4j.runtime.QuantTensor;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.nn.F;

/**
 * The quantizers of bnn_pynq's 2-bit models and their neighbours, for {@link
 * ConstScaleCompiledStepTest}: an 8-bit constant power-of-two input quantizer, 2-bit narrow-range
 * constant weights (per channel, scale 1) and activations ({@code [-1, 1]}), wide-range statistics
 * weights, power-of-two statistics scales on an activation and on wide-range per-channel weights, a
 * narrow-range unsigned statistics activation, constant weights under a bias quantizer.
 */
@QuantModel(inputShape = {1, 12, 12})
abstract class ConstScaleNet {
  @QuantIdentity(
      bitWidth = 8,
      scalingImpl = ScalingImpl.CONST,
      scaling = Scaling.POWER_OF_TWO,
      minVal = -1f,
      maxVal = 1f)
  abstract Tensor quantInp(Tensor x);

  @QuantConv2d(
      inChannels = 1,
      outChannels = 4,
      kernelSize = 3,
      bias = false,
      bitWidth = 2,
      narrowRange = true,
      scalingImpl = ScalingImpl.CONST,
      scalingConst = 1f,
      perChannel = true)
  abstract Tensor conv1(Tensor x);

  @QuantIdentity(
      bitWidth = 2,
      scalingImpl = ScalingImpl.CONST,
      minVal = -1f,
      maxVal = 1f,
      narrowRange = true)
  abstract Tensor act1(Tensor x);

  @QuantIdentity(bitWidth = 8, scaling = Scaling.POWER_OF_TWO)
  abstract Tensor act2(Tensor x);

  @QuantLinear(
      inFeatures = 4 * 5 * 5,
      outFeatures = 16,
      bitWidth = 4,
      narrowRange = false,
      scaling = Scaling.POWER_OF_TWO,
      perChannel = true)
  abstract Tensor fc1(Tensor x);

  @QuantReLU(bitWidth = 4, narrowRange = true, returnQuantTensor = true)
  abstract QuantTensor relu1(Tensor x);

  @QuantLinear(
      inFeatures = 16,
      outFeatures = 10,
      bitWidth = 3,
      narrowRange = true,
      scalingImpl = ScalingImpl.CONST,
      scalingConst = 0.25f)
  @Int32Bias
  abstract Tensor fc2(QuantTensor x);

  public Tensor forward(Tensor x) {
    Tensor out = act1(conv1(quantInp(x)));
    out = act2(F.flatten(F.maxPool2d(out, 2)));
    return fc2(relu1(fc1(out)));
  }
}
