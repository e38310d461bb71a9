package dev.qnn4j.samples.models;

import dev.qnn4j.annotations.QuantConv2d;
import dev.qnn4j.annotations.QuantIdentity;
import dev.qnn4j.annotations.QuantLinear;
import dev.qnn4j.annotations.QuantModel;
import dev.qnn4j.annotations.Scaling;
import dev.qnn4j.annotations.ScalingImpl;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.nn.F;

/**
 * bnn_pynq's 1-bit quantizers, for {@link ConstScaleCompiledStepTest}: binary weights (constant
 * scales 1 and 0.5) and binary activations ({@code [-1, 1]}) after an 8-bit constant power-of-two
 * input quantizer, then 2-bit narrow-range constant weights (scale 0.1, so that its initial weights
 * do not all round to 0) with a float bias.
 */
@QuantModel(inputShape = {1, 12, 12})
abstract class BinaryNet {
  @QuantIdentity(
      bitWidth = 8,
      scalingImpl = ScalingImpl.CONST,
      scaling = Scaling.POWER_OF_TWO,
      minVal = -1f,
      maxVal = 0.9921875f)
  abstract Tensor quantInp(Tensor x);

  @QuantConv2d(
      inChannels = 1,
      outChannels = 4,
      kernelSize = 3,
      bias = false,
      bitWidth = 1,
      scalingImpl = ScalingImpl.CONST,
      scalingConst = 1f)
  abstract Tensor conv1(Tensor x);

  @QuantIdentity(bitWidth = 1, scalingImpl = ScalingImpl.CONST, minVal = -1f, maxVal = 1f)
  abstract Tensor act1(Tensor x);

  @QuantLinear(
      inFeatures = 4 * 5 * 5,
      outFeatures = 16,
      bias = false,
      bitWidth = 1,
      scalingImpl = ScalingImpl.CONST,
      scalingConst = 0.5f)
  abstract Tensor fc1(Tensor x);

  @QuantIdentity(bitWidth = 1, scalingImpl = ScalingImpl.CONST, minVal = -2f, maxVal = 2f)
  abstract Tensor act2(Tensor x);

  @QuantLinear(
      inFeatures = 16,
      outFeatures = 10,
      bitWidth = 2,
      narrowRange = true,
      scalingImpl = ScalingImpl.CONST,
      scalingConst = 0.1f)
  abstract Tensor fc2(Tensor x);

  public Tensor forward(Tensor x) {
    Tensor out = act1(conv1(quantInp(x)));
    out = F.flatten(F.maxPool2d(out, 2));
    return fc2(act2(fc1(out)));
  }
}
