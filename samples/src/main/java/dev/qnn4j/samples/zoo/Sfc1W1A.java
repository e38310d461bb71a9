package dev.qnn4j.samples.zoo;

import dev.qnn4j.annotations.BatchNorm1d;
import dev.qnn4j.annotations.Dropout;
import dev.qnn4j.annotations.QuantIdentity;
import dev.qnn4j.annotations.QuantLinear;
import dev.qnn4j.annotations.QuantModel;
import dev.qnn4j.annotations.ScalingImpl;
import dev.qnn4j.annotations.TensorNorm;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.nn.F;

/**
 * Brevitas' bnn_pynq {@code sfc_1w1a} (SFC: three hidden layers of 256), binary weights, binary
 * activations, binary input; the configuration of {@code cfg/sfc_1w1a.ini} and {@code FC.py}. Every
 * quantizer has the constant scale of bnn_pynq's {@code CommonWeightQuant}/{@code CommonActQuant}
 * (1, narrow range). Input: 1x28x28 images in [0, 1], mapped to [-1, 1] in {@link #forward}. The
 * layers carry Brevitas' state-dict names ({@code features.N}), so its state dicts load strictly.
 */
@QuantModel(inputShape = {1, 28, 28})
public abstract class Sfc1W1A {
  // features.0
  @QuantIdentity(
      bitWidth = 1,
      scalingImpl = ScalingImpl.CONST,
      minVal = -1f,
      maxVal = 1f)
  abstract Tensor quantInp(Tensor x);

  // features.1
  @Dropout(p = 0.2)
  abstract Tensor dropInp(Tensor x);

  // features.2
  @QuantLinear(
      inFeatures = 784,
      outFeatures = 256,
      bias = false,
      bitWidth = 1,
      scalingImpl = ScalingImpl.CONST,
      scalingConst = 1f)
  abstract Tensor fc0(Tensor x);

  // features.3
  @BatchNorm1d(numFeatures = 256)
  abstract Tensor bn0(Tensor x);

  // features.4
  @QuantIdentity(
      bitWidth = 1,
      scalingImpl = ScalingImpl.CONST,
      minVal = -1f,
      maxVal = 1f)
  abstract Tensor act0(Tensor x);

  // features.5
  @Dropout(p = 0.2)
  abstract Tensor drop0(Tensor x);

  // features.6
  @QuantLinear(
      inFeatures = 256,
      outFeatures = 256,
      bias = false,
      bitWidth = 1,
      scalingImpl = ScalingImpl.CONST,
      scalingConst = 1f)
  abstract Tensor fc1(Tensor x);

  // features.7
  @BatchNorm1d(numFeatures = 256)
  abstract Tensor bn1(Tensor x);

  // features.8
  @QuantIdentity(
      bitWidth = 1,
      scalingImpl = ScalingImpl.CONST,
      minVal = -1f,
      maxVal = 1f)
  abstract Tensor act1(Tensor x);

  // features.9
  @Dropout(p = 0.2)
  abstract Tensor drop1(Tensor x);

  // features.10
  @QuantLinear(
      inFeatures = 256,
      outFeatures = 256,
      bias = false,
      bitWidth = 1,
      scalingImpl = ScalingImpl.CONST,
      scalingConst = 1f)
  abstract Tensor fc2(Tensor x);

  // features.11
  @BatchNorm1d(numFeatures = 256)
  abstract Tensor bn2(Tensor x);

  // features.12
  @QuantIdentity(
      bitWidth = 1,
      scalingImpl = ScalingImpl.CONST,
      minVal = -1f,
      maxVal = 1f)
  abstract Tensor act2(Tensor x);

  // features.13
  @Dropout(p = 0.2)
  abstract Tensor drop2(Tensor x);

  // features.14
  @QuantLinear(
      inFeatures = 256,
      outFeatures = 10,
      bias = false,
      bitWidth = 1,
      scalingImpl = ScalingImpl.CONST,
      scalingConst = 1f)
  abstract Tensor fcOut(Tensor x);

  // features.15
  @TensorNorm
  abstract Tensor norm(Tensor x);

  public Tensor forward(Tensor x) {
    // FC.py: x.view(N, -1), then 2x - 1.
    Tensor out = F.affine(F.flatten(x), 2f, -1f);
    out = dropInp(quantInp(out));
    out = drop0(act0(bn0(fc0(out))));
    out = drop1(act1(bn1(fc1(out))));
    out = drop2(act2(bn2(fc2(out))));
    return norm(fcOut(out));
  }
}
