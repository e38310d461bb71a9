package dev.qnn4j.samples.zoo;

import dev.qnn4j.annotations.BatchNorm2d;
import dev.qnn4j.annotations.Int32Bias;
import dev.qnn4j.annotations.QuantCat;
import dev.qnn4j.annotations.QuantConv2d;
import dev.qnn4j.annotations.QuantConvTranspose2d;
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
 * A tiny UNet-style encoder-decoder for 3x32x32 images: an encoder level at full resolution, a
 * strided convolution down to 16x16, a bottleneck, a 2x2 transposed convolution back up to 32x32,
 * (no BatchNorm after it: the exporters fold BatchNorm into the layer before, and a transposed
 * convolution's output channels are its weight's axis 1), and the skip connection concatenated with
 * it ({@code QuantCat}), then a decoder convolution. A global average pool and a linear layer make
 * it a classifier, so it trains on CIFAR-10 like the other samples; the decoder's feature map is
 * the part an image-to-image network would keep.
 *
 * <p>The two inputs of the concatenation come from one quantizer, so their scales agree in
 * evaluation (Brevitas' rule for {@code torch.cat} of QuantTensors): the encoder's ReLU is called
 * again after the transposed convolution, declared by {@code @StateDictName(aliases)} as a module
 * registered under two names.
 */
@QuantModel(inputShape = {3, 32, 32})
public abstract class UNetTiny {
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
  @StateDictName("enc1.conv")
  abstract Tensor enc1Conv(QuantTensor x);

  @BatchNorm2d(numFeatures = 16)
  @StateDictName("enc1.bn")
  abstract Tensor enc1Bn(Tensor x);

  /** Shared with the upsampling path, so both inputs of the concatenation have one scale. */
  @QuantReLU(bitWidth = 4, returnQuantTensor = true)
  @StateDictName(value = "enc1.relu", aliases = "up.relu")
  abstract QuantTensor enc1Relu(Tensor x);

  @QuantConv2d(
      inChannels = 16,
      outChannels = 32,
      kernelSize = 3,
      stride = 2,
      padding = 1,
      bias = false,
      bitWidth = 4,
      perChannel = true)
  @StateDictName("down.conv")
  abstract Tensor downConv(QuantTensor x);

  @BatchNorm2d(numFeatures = 32)
  @StateDictName("down.bn")
  abstract Tensor downBn(Tensor x);

  @QuantReLU(bitWidth = 4, returnQuantTensor = true)
  @StateDictName("down.relu")
  abstract QuantTensor downRelu(Tensor x);

  @QuantConv2d(
      inChannels = 32,
      outChannels = 32,
      kernelSize = 3,
      padding = 1,
      bias = false,
      bitWidth = 4,
      perChannel = true)
  @StateDictName("bottleneck.conv")
  abstract Tensor bottleneckConv(QuantTensor x);

  @BatchNorm2d(numFeatures = 32)
  @StateDictName("bottleneck.bn")
  abstract Tensor bottleneckBn(Tensor x);

  @QuantReLU(bitWidth = 4, returnQuantTensor = true)
  @StateDictName("bottleneck.relu")
  abstract QuantTensor bottleneckRelu(Tensor x);

  @QuantConvTranspose2d(
      inChannels = 32,
      outChannels = 16,
      kernelSize = 2,
      stride = 2,
      bias = false,
      bitWidth = 4)
  @StateDictName("up.conv")
  abstract Tensor upConv(QuantTensor x);

  @QuantCat
  abstract QuantTensor skip(QuantTensor up, QuantTensor encoder);

  @QuantConv2d(
      inChannels = 32,
      outChannels = 16,
      kernelSize = 3,
      padding = 1,
      bias = false,
      bitWidth = 4,
      perChannel = true)
  @StateDictName("dec1.conv")
  abstract Tensor decConv(QuantTensor x);

  @BatchNorm2d(numFeatures = 16)
  @StateDictName("dec1.bn")
  abstract Tensor decBn(Tensor x);

  @QuantReLU(bitWidth = 4, returnQuantTensor = true)
  @StateDictName("dec1.relu")
  abstract QuantTensor decRelu(Tensor x);

  /** The 32x32 window sum of 4-bit integers, rounded to 8 bits. */
  @TruncAdaptiveAvgPool2d(outputSize = 1)
  abstract QuantTensor pool(QuantTensor x);

  @QuantLinear(inFeatures = 16, outFeatures = 10, bitWidth = 8)
  @Int32Bias
  abstract Tensor classifier(QuantTensor x);

  public Tensor forward(Tensor image) {
    QuantTensor x = inputQuant(image);
    QuantTensor e1 = enc1Relu(enc1Bn(enc1Conv(x)));
    QuantTensor e2 = downRelu(downBn(downConv(e1)));
    QuantTensor b = bottleneckRelu(bottleneckBn(bottleneckConv(e2)));
    QuantTensor up = enc1Relu(upConv(b));
    QuantTensor d = decRelu(decBn(decConv(skip(up, e1))));
    return classifier(F.flatten(pool(d)));
  }
}
