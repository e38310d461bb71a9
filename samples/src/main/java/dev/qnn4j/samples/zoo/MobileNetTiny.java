package dev.qnn4j.samples.zoo;

import dev.qnn4j.annotations.BatchNorm2d;
import dev.qnn4j.annotations.Int32Bias;
import dev.qnn4j.annotations.QuantConv2d;
import dev.qnn4j.annotations.QuantIdentity;
import dev.qnn4j.annotations.QuantLinear;
import dev.qnn4j.annotations.QuantModel;
import dev.qnn4j.annotations.QuantReLU;
import dev.qnn4j.annotations.StateDictName;
import dev.qnn4j.annotations.TruncAdaptiveAvgPool2d;
import dev.qnn4j.runtime.QuantTensor;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.nn.F;

/**
 * A small MobileNet-style network for 3x32x32 images (CIFAR-10): an 8-bit input quantizer, a 3x3
 * stem, four depthwise separable blocks (a 3x3 depthwise convolution, {@code groups} = channels,
 * then a 1x1 pointwise one, each followed by BatchNorm and a 4-bit ReLU; 16 to 128 channels, three
 * of them halving the resolution), a global average pool as integer hardware does it ({@code
 * TruncAdaptiveAvgPool2d}, rounding, so QCDQ holds it) and an 8-bit classifier with a 32-bit bias.
 * Weights are 4-bit per output channel.
 */
@QuantModel(inputShape = {3, 32, 32})
public abstract class MobileNetTiny {
  @QuantIdentity(bitWidth = 8, returnQuantTensor = true)
  abstract QuantTensor inputQuant(Tensor x);

  @QuantConv2d(
      inChannels = 3,
      outChannels = 16,
      kernelSize = 3,
      padding = 1,
      bias = false,
      bitWidth = 4,
      perChannel = true)
  @StateDictName("features.0.conv")
  abstract Tensor stemConv(QuantTensor x);

  @BatchNorm2d(numFeatures = 16)
  @StateDictName("features.0.bn")
  abstract Tensor stemBn(Tensor x);

  @QuantReLU(bitWidth = 4, returnQuantTensor = true)
  @StateDictName("features.0.relu")
  abstract QuantTensor stemRelu(Tensor x);

  @QuantConv2d(
      inChannels = 16,
      outChannels = 16,
      kernelSize = 3,
      stride = 2,
      padding = 1,
      groups = 16,
      bias = false,
      bitWidth = 4,
      perChannel = true)
  @StateDictName("features.1.depthwise")
  abstract Tensor dw1(QuantTensor x);

  @BatchNorm2d(numFeatures = 16)
  @StateDictName("features.1.depthwise_bn")
  abstract Tensor dwBn1(Tensor x);

  @QuantReLU(bitWidth = 4, returnQuantTensor = true)
  @StateDictName("features.1.depthwise_relu")
  abstract QuantTensor dwRelu1(Tensor x);

  @QuantConv2d(
      inChannels = 16,
      outChannels = 32,
      kernelSize = 1,
      bias = false,
      bitWidth = 4,
      perChannel = true)
  @StateDictName("features.1.pointwise")
  abstract Tensor pw1(QuantTensor x);

  @BatchNorm2d(numFeatures = 32)
  @StateDictName("features.1.pointwise_bn")
  abstract Tensor pwBn1(Tensor x);

  @QuantReLU(bitWidth = 4, returnQuantTensor = true)
  @StateDictName("features.1.pointwise_relu")
  abstract QuantTensor pwRelu1(Tensor x);

  @QuantConv2d(
      inChannels = 32,
      outChannels = 32,
      kernelSize = 3,
      stride = 2,
      padding = 1,
      groups = 32,
      bias = false,
      bitWidth = 4,
      perChannel = true)
  @StateDictName("features.2.depthwise")
  abstract Tensor dw2(QuantTensor x);

  @BatchNorm2d(numFeatures = 32)
  @StateDictName("features.2.depthwise_bn")
  abstract Tensor dwBn2(Tensor x);

  @QuantReLU(bitWidth = 4, returnQuantTensor = true)
  @StateDictName("features.2.depthwise_relu")
  abstract QuantTensor dwRelu2(Tensor x);

  @QuantConv2d(
      inChannels = 32,
      outChannels = 64,
      kernelSize = 1,
      bias = false,
      bitWidth = 4,
      perChannel = true)
  @StateDictName("features.2.pointwise")
  abstract Tensor pw2(QuantTensor x);

  @BatchNorm2d(numFeatures = 64)
  @StateDictName("features.2.pointwise_bn")
  abstract Tensor pwBn2(Tensor x);

  @QuantReLU(bitWidth = 4, returnQuantTensor = true)
  @StateDictName("features.2.pointwise_relu")
  abstract QuantTensor pwRelu2(Tensor x);

  @QuantConv2d(
      inChannels = 64,
      outChannels = 64,
      kernelSize = 3,
      stride = 1,
      padding = 1,
      groups = 64,
      bias = false,
      bitWidth = 4,
      perChannel = true)
  @StateDictName("features.3.depthwise")
  abstract Tensor dw3(QuantTensor x);

  @BatchNorm2d(numFeatures = 64)
  @StateDictName("features.3.depthwise_bn")
  abstract Tensor dwBn3(Tensor x);

  @QuantReLU(bitWidth = 4, returnQuantTensor = true)
  @StateDictName("features.3.depthwise_relu")
  abstract QuantTensor dwRelu3(Tensor x);

  @QuantConv2d(
      inChannels = 64,
      outChannels = 64,
      kernelSize = 1,
      bias = false,
      bitWidth = 4,
      perChannel = true)
  @StateDictName("features.3.pointwise")
  abstract Tensor pw3(QuantTensor x);

  @BatchNorm2d(numFeatures = 64)
  @StateDictName("features.3.pointwise_bn")
  abstract Tensor pwBn3(Tensor x);

  @QuantReLU(bitWidth = 4, returnQuantTensor = true)
  @StateDictName("features.3.pointwise_relu")
  abstract QuantTensor pwRelu3(Tensor x);

  @QuantConv2d(
      inChannels = 64,
      outChannels = 64,
      kernelSize = 3,
      stride = 2,
      padding = 1,
      groups = 64,
      bias = false,
      bitWidth = 4,
      perChannel = true)
  @StateDictName("features.4.depthwise")
  abstract Tensor dw4(QuantTensor x);

  @BatchNorm2d(numFeatures = 64)
  @StateDictName("features.4.depthwise_bn")
  abstract Tensor dwBn4(Tensor x);

  @QuantReLU(bitWidth = 4, returnQuantTensor = true)
  @StateDictName("features.4.depthwise_relu")
  abstract QuantTensor dwRelu4(Tensor x);

  @QuantConv2d(
      inChannels = 64,
      outChannels = 128,
      kernelSize = 1,
      bias = false,
      bitWidth = 4,
      perChannel = true)
  @StateDictName("features.4.pointwise")
  abstract Tensor pw4(QuantTensor x);

  @BatchNorm2d(numFeatures = 128)
  @StateDictName("features.4.pointwise_bn")
  abstract Tensor pwBn4(Tensor x);

  @QuantReLU(bitWidth = 4, returnQuantTensor = true)
  @StateDictName("features.4.pointwise_relu")
  abstract QuantTensor pwRelu4(Tensor x);

  /** The global average pool: the 4x4 window sum of 4-bit integers, rounded to 8 bits. */
  @TruncAdaptiveAvgPool2d(outputSize = 1)
  abstract QuantTensor pool(QuantTensor x);

  @QuantLinear(inFeatures = 128, outFeatures = 10, bitWidth = 8)
  @Int32Bias
  abstract Tensor classifier(QuantTensor x);

  public Tensor forward(Tensor image) {
    QuantTensor x = inputQuant(image);
    x = stemRelu(stemBn(stemConv(x)));
    x = dwRelu1(dwBn1(dw1(x)));
    x = pwRelu1(pwBn1(pw1(x)));
    x = dwRelu2(dwBn2(dw2(x)));
    x = pwRelu2(pwBn2(pw2(x)));
    x = dwRelu3(dwBn3(dw3(x)));
    x = pwRelu3(pwBn3(pw3(x)));
    x = dwRelu4(dwBn4(dw4(x)));
    x = pwRelu4(pwBn4(pw4(x)));
    return classifier(F.flatten(pool(x)));
  }
}
