package dev.qnn4j.samples.zoo;

import dev.qnn4j.annotations.BatchNorm1d;
import dev.qnn4j.annotations.Dropout;
import dev.qnn4j.annotations.QuantIdentity;
import dev.qnn4j.annotations.QuantLinear;
import dev.qnn4j.annotations.QuantModel;
import dev.qnn4j.annotations.ScalingImpl;
import dev.qnn4j.annotations.StateDictName;
import dev.qnn4j.annotations.TensorNorm;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.nn.F;

/**
 * Brevitas' bnn_pynq {@code sfc_2w2a} (SFC: three hidden layers of 256), 2-bit weights, 2-bit
 * activations, 2-bit input; the configuration of {@code cfg/sfc_2w2a.ini} and {@code FC.py}. Every
 * quantizer has the constant scale 1 of bnn_pynq's {@code CommonWeightQuant}/{@code CommonActQuant}
 * (binary at 1 bit, narrow range above). Input: 1x28x28 images in [0, 1], mapped to [-1, 1] in
 * {@link #forward}. The layers carry Brevitas' state-dict names ({@code features.N}), so its state
 * dicts load strictly.
 */
@QuantModel(inputShape = {1, 28, 28})
public abstract class Sfc2W2A {
  @QuantIdentity(
      bitWidth = 2,
      scalingImpl = ScalingImpl.CONST,
      minVal = -1f,
      maxVal = 1f,
      narrowRange = true)
  @StateDictName("features.0")
  abstract Tensor quantInp(Tensor x);

  @Dropout(p = 0.2)
  @StateDictName("features.1")
  abstract Tensor dropInp(Tensor x);

  @QuantLinear(
      inFeatures = 784,
      outFeatures = 256,
      bias = false,
      bitWidth = 2,
      scalingImpl = ScalingImpl.CONST,
      scalingConst = 1f)
  @StateDictName("features.2")
  abstract Tensor fc0(Tensor x);

  @BatchNorm1d(numFeatures = 256)
  @StateDictName("features.3")
  abstract Tensor bn0(Tensor x);

  @QuantIdentity(
      bitWidth = 2,
      scalingImpl = ScalingImpl.CONST,
      minVal = -1f,
      maxVal = 1f,
      narrowRange = true)
  @StateDictName("features.4")
  abstract Tensor act0(Tensor x);

  @Dropout(p = 0.2)
  @StateDictName("features.5")
  abstract Tensor drop0(Tensor x);

  @QuantLinear(
      inFeatures = 256,
      outFeatures = 256,
      bias = false,
      bitWidth = 2,
      scalingImpl = ScalingImpl.CONST,
      scalingConst = 1f)
  @StateDictName("features.6")
  abstract Tensor fc1(Tensor x);

  @BatchNorm1d(numFeatures = 256)
  @StateDictName("features.7")
  abstract Tensor bn1(Tensor x);

  @QuantIdentity(
      bitWidth = 2,
      scalingImpl = ScalingImpl.CONST,
      minVal = -1f,
      maxVal = 1f,
      narrowRange = true)
  @StateDictName("features.8")
  abstract Tensor act1(Tensor x);

  @Dropout(p = 0.2)
  @StateDictName("features.9")
  abstract Tensor drop1(Tensor x);

  @QuantLinear(
      inFeatures = 256,
      outFeatures = 256,
      bias = false,
      bitWidth = 2,
      scalingImpl = ScalingImpl.CONST,
      scalingConst = 1f)
  @StateDictName("features.10")
  abstract Tensor fc2(Tensor x);

  @BatchNorm1d(numFeatures = 256)
  @StateDictName("features.11")
  abstract Tensor bn2(Tensor x);

  @QuantIdentity(
      bitWidth = 2,
      scalingImpl = ScalingImpl.CONST,
      minVal = -1f,
      maxVal = 1f,
      narrowRange = true)
  @StateDictName("features.12")
  abstract Tensor act2(Tensor x);

  @Dropout(p = 0.2)
  @StateDictName("features.13")
  abstract Tensor drop2(Tensor x);

  @QuantLinear(
      inFeatures = 256,
      outFeatures = 10,
      bias = false,
      bitWidth = 2,
      scalingImpl = ScalingImpl.CONST,
      scalingConst = 1f)
  @StateDictName("features.14")
  abstract Tensor fcOut(Tensor x);

  @TensorNorm
  @StateDictName("features.15")
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
