package dev.qnn4j.samples.zoo;

import dev.qnn4j.annotations.BatchNorm1d;
import dev.qnn4j.annotations.BatchNorm2d;
import dev.qnn4j.annotations.QuantConv2d;
import dev.qnn4j.annotations.QuantIdentity;
import dev.qnn4j.annotations.QuantLinear;
import dev.qnn4j.annotations.QuantModel;
import dev.qnn4j.annotations.Scaling;
import dev.qnn4j.annotations.ScalingImpl;
import dev.qnn4j.annotations.StateDictName;
import dev.qnn4j.annotations.TensorNorm;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.nn.F;

/**
 * Brevitas' bnn_pynq {@code cnv_2w2a} ({@code CNV.py} with {@code cfg/cnv_2w2a.ini}): six unpadded
 * 3x3 convolutions (64, 64, 128, 128, 256, 256 channels, max-pooling after the second and the
 * fourth), two fully connected layers of 512 and a last one of 10 followed by {@code TensorNorm},
 * for 3x32x32 CIFAR-10 images in {@code [0, 1]}. Weights are 2-bit with the constant scale 1
 * ({@code CommonWeightQuant}), activations 2-bit over {@code [-1, 1]} ({@code CommonActQuant});
 * {@code forward} maps the input to {@code [-1, 1]} ({@code 2x - 1}) and quantizes it to the 8-bit
 * Q1.7 fixed-point format. State-dict keys are Brevitas' own ({@code conv_features.1.weight},
 * {@code linear_features.1.running_mean}, ...).
 */
@QuantModel(inputShape = {3, 32, 32})
public abstract class Cnv2W2A {
  /** The Q1.7 input format: 8 bits, scale 2^-7, range [-1, 1 - 2^-7]. */
  @QuantIdentity(
      bitWidth = 8,
      scalingImpl = ScalingImpl.CONST,
      scaling = Scaling.POWER_OF_TWO,
      minVal = -1f,
      maxVal = 1f - 1f / 128)
  @StateDictName("conv_features.0")
  abstract Tensor inputQuant(Tensor x);

  @QuantConv2d(
      inChannels = 3,
      outChannels = 64,
      kernelSize = 3,
      bias = false,
      bitWidth = 2,
      scalingImpl = ScalingImpl.CONST,
      scalingConst = 1f)
  @StateDictName("conv_features.1")
  abstract Tensor conv1(Tensor x);

  @BatchNorm2d(numFeatures = 64, eps = 1e-4)
  @StateDictName("conv_features.2")
  abstract Tensor bn1(Tensor x);

  @QuantIdentity(
      bitWidth = 2,
      scalingImpl = ScalingImpl.CONST,
      minVal = -1f,
      maxVal = 1f,
      narrowRange = true)
  @StateDictName("conv_features.3")
  abstract Tensor act1(Tensor x);

  @QuantConv2d(
      inChannels = 64,
      outChannels = 64,
      kernelSize = 3,
      bias = false,
      bitWidth = 2,
      scalingImpl = ScalingImpl.CONST,
      scalingConst = 1f)
  @StateDictName("conv_features.4")
  abstract Tensor conv2(Tensor x);

  @BatchNorm2d(numFeatures = 64, eps = 1e-4)
  @StateDictName("conv_features.5")
  abstract Tensor bn2(Tensor x);

  @QuantIdentity(
      bitWidth = 2,
      scalingImpl = ScalingImpl.CONST,
      minVal = -1f,
      maxVal = 1f,
      narrowRange = true)
  @StateDictName("conv_features.6")
  abstract Tensor act2(Tensor x);

  @QuantConv2d(
      inChannels = 64,
      outChannels = 128,
      kernelSize = 3,
      bias = false,
      bitWidth = 2,
      scalingImpl = ScalingImpl.CONST,
      scalingConst = 1f)
  @StateDictName("conv_features.8")
  abstract Tensor conv3(Tensor x);

  @BatchNorm2d(numFeatures = 128, eps = 1e-4)
  @StateDictName("conv_features.9")
  abstract Tensor bn3(Tensor x);

  @QuantIdentity(
      bitWidth = 2,
      scalingImpl = ScalingImpl.CONST,
      minVal = -1f,
      maxVal = 1f,
      narrowRange = true)
  @StateDictName("conv_features.10")
  abstract Tensor act3(Tensor x);

  @QuantConv2d(
      inChannels = 128,
      outChannels = 128,
      kernelSize = 3,
      bias = false,
      bitWidth = 2,
      scalingImpl = ScalingImpl.CONST,
      scalingConst = 1f)
  @StateDictName("conv_features.11")
  abstract Tensor conv4(Tensor x);

  @BatchNorm2d(numFeatures = 128, eps = 1e-4)
  @StateDictName("conv_features.12")
  abstract Tensor bn4(Tensor x);

  @QuantIdentity(
      bitWidth = 2,
      scalingImpl = ScalingImpl.CONST,
      minVal = -1f,
      maxVal = 1f,
      narrowRange = true)
  @StateDictName("conv_features.13")
  abstract Tensor act4(Tensor x);

  @QuantConv2d(
      inChannels = 128,
      outChannels = 256,
      kernelSize = 3,
      bias = false,
      bitWidth = 2,
      scalingImpl = ScalingImpl.CONST,
      scalingConst = 1f)
  @StateDictName("conv_features.15")
  abstract Tensor conv5(Tensor x);

  @BatchNorm2d(numFeatures = 256, eps = 1e-4)
  @StateDictName("conv_features.16")
  abstract Tensor bn5(Tensor x);

  @QuantIdentity(
      bitWidth = 2,
      scalingImpl = ScalingImpl.CONST,
      minVal = -1f,
      maxVal = 1f,
      narrowRange = true)
  @StateDictName("conv_features.17")
  abstract Tensor act5(Tensor x);

  @QuantConv2d(
      inChannels = 256,
      outChannels = 256,
      kernelSize = 3,
      bias = false,
      bitWidth = 2,
      scalingImpl = ScalingImpl.CONST,
      scalingConst = 1f)
  @StateDictName("conv_features.18")
  abstract Tensor conv6(Tensor x);

  @BatchNorm2d(numFeatures = 256, eps = 1e-4)
  @StateDictName("conv_features.19")
  abstract Tensor bn6(Tensor x);

  @QuantIdentity(
      bitWidth = 2,
      scalingImpl = ScalingImpl.CONST,
      minVal = -1f,
      maxVal = 1f,
      narrowRange = true)
  @StateDictName("conv_features.20")
  abstract Tensor act6(Tensor x);

  @QuantLinear(
      inFeatures = 256,
      outFeatures = 512,
      bias = false,
      bitWidth = 2,
      scalingImpl = ScalingImpl.CONST,
      scalingConst = 1f)
  @StateDictName("linear_features.0")
  abstract Tensor fc1(Tensor x);

  @BatchNorm1d(numFeatures = 512, eps = 1e-4)
  @StateDictName("linear_features.1")
  abstract Tensor fcBn1(Tensor x);

  @QuantIdentity(
      bitWidth = 2,
      scalingImpl = ScalingImpl.CONST,
      minVal = -1f,
      maxVal = 1f,
      narrowRange = true)
  @StateDictName("linear_features.2")
  abstract Tensor fcAct1(Tensor x);

  @QuantLinear(
      inFeatures = 512,
      outFeatures = 512,
      bias = false,
      bitWidth = 2,
      scalingImpl = ScalingImpl.CONST,
      scalingConst = 1f)
  @StateDictName("linear_features.3")
  abstract Tensor fc2(Tensor x);

  @BatchNorm1d(numFeatures = 512, eps = 1e-4)
  @StateDictName("linear_features.4")
  abstract Tensor fcBn2(Tensor x);

  @QuantIdentity(
      bitWidth = 2,
      scalingImpl = ScalingImpl.CONST,
      minVal = -1f,
      maxVal = 1f,
      narrowRange = true)
  @StateDictName("linear_features.5")
  abstract Tensor fcAct2(Tensor x);

  @QuantLinear(
      inFeatures = 512,
      outFeatures = 10,
      bias = false,
      bitWidth = 2,
      scalingImpl = ScalingImpl.CONST,
      scalingConst = 1f)
  @StateDictName("linear_features.6")
  abstract Tensor fc3(Tensor x);

  @TensorNorm
  @StateDictName("linear_features.7")
  abstract Tensor tensorNorm(Tensor x);

  public Tensor forward(Tensor image) {
    Tensor x = inputQuant(F.affine(image, 2f, -1f));
    x = act1(bn1(conv1(x)));
    x = F.maxPool2d(act2(bn2(conv2(x))), 2);
    x = act3(bn3(conv3(x)));
    x = F.maxPool2d(act4(bn4(conv4(x))), 2);
    x = act5(bn5(conv5(x)));
    x = act6(bn6(conv6(x)));
    x = F.flatten(x);
    x = fcAct1(fcBn1(fc1(x)));
    x = fcAct2(fcBn2(fc2(x)));
    return tensorNorm(fc3(x));
  }
}
