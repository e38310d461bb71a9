package dev.qnn4j.samples.zoo;

import dev.qnn4j.annotations.BatchNorm2d;
import dev.qnn4j.annotations.Int32Bias;
import dev.qnn4j.annotations.QuantConv2d;
import dev.qnn4j.annotations.QuantLinear;
import dev.qnn4j.annotations.QuantModel;
import dev.qnn4j.annotations.QuantReLU;
import dev.qnn4j.annotations.StateDictName;
import dev.qnn4j.annotations.TruncAvgPool2d;
import dev.qnn4j.annotations.TruncRounding;
import dev.qnn4j.runtime.QuantTensor;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.nn.F;

/**
 * Brevitas' bnn_pynq {@code resnet18_4w4a} ({@code resnet.py}, {@code cfg/resnet18_4w4a.ini}) for
 * 3x32x32 CIFAR-10 images: a 3x3 stem (8-bit per-channel weights, no input quantizer, as Brevitas),
 * four stages of two basic blocks (64, 128, 256, 512 channels; 4-bit per-channel weights, 4-bit
 * ReLUs), a truncated 4x4 average pool to 8 bits and an 8-bit linear layer with a 32-bit bias.
 *
 * <p>As in Brevitas, both inputs of every residual add come from one quantizer, so their scales are
 * equal: a block's second ReLU is the previous block's output ReLU (the stem's ReLU for the first
 * block), or the ReLU of its own downsampling shortcut. Such a shared ReLU is one layer method
 * called at two places; {@code @StateDictName(aliases)} names its second path, so the state dict
 * holds it under both keys, as PyTorch saves it ({@code relu...} and {@code layer1.0.relu2...}).
 * State-dict keys are Brevitas' own ({@code layer1.0.conv1.weight}, ...).
 */
@QuantModel(inputShape = {3, 32, 32})
public abstract class Resnet18W4A4 {
  @QuantConv2d(
      inChannels = 3,
      outChannels = 64,
      kernelSize = 3,
      padding = 1,
      bias = false,
      bitWidth = 8,
      perChannel = true)
  abstract Tensor conv1(Tensor x);

  @BatchNorm2d(numFeatures = 64)
  abstract Tensor bn1(Tensor x);

  @QuantReLU(bitWidth = 4, returnQuantTensor = true)
  @StateDictName(value = "relu", aliases = "layer1.0.relu2")
  abstract QuantTensor relu(Tensor x);

  @QuantConv2d(
      inChannels = 64,
      outChannels = 64,
      kernelSize = 3,
      stride = 1,
      padding = 1,
      bias = false,
      bitWidth = 4,
      perChannel = true)
  @StateDictName("layer1.0.conv1")
  abstract Tensor l1b0Conv1(Tensor x);

  @BatchNorm2d(numFeatures = 64)
  @StateDictName("layer1.0.bn1")
  abstract Tensor l1b0Bn1(Tensor x);

  @QuantReLU(bitWidth = 4, returnQuantTensor = true)
  @StateDictName("layer1.0.relu1")
  abstract QuantTensor l1b0Relu1(Tensor x);

  @QuantConv2d(
      inChannels = 64,
      outChannels = 64,
      kernelSize = 3,
      padding = 1,
      bias = false,
      bitWidth = 4,
      perChannel = true)
  @StateDictName("layer1.0.conv2")
  abstract Tensor l1b0Conv2(Tensor x);

  @BatchNorm2d(numFeatures = 64)
  @StateDictName("layer1.0.bn2")
  abstract Tensor l1b0Bn2(Tensor x);

  @QuantReLU(bitWidth = 4, returnQuantTensor = true)
  @StateDictName(value = "layer1.0.relu_out", aliases = "layer1.1.relu2")
  abstract QuantTensor l1b0ReluOut(Tensor x);

  @QuantConv2d(
      inChannels = 64,
      outChannels = 64,
      kernelSize = 3,
      stride = 1,
      padding = 1,
      bias = false,
      bitWidth = 4,
      perChannel = true)
  @StateDictName("layer1.1.conv1")
  abstract Tensor l1b1Conv1(Tensor x);

  @BatchNorm2d(numFeatures = 64)
  @StateDictName("layer1.1.bn1")
  abstract Tensor l1b1Bn1(Tensor x);

  @QuantReLU(bitWidth = 4, returnQuantTensor = true)
  @StateDictName("layer1.1.relu1")
  abstract QuantTensor l1b1Relu1(Tensor x);

  @QuantConv2d(
      inChannels = 64,
      outChannels = 64,
      kernelSize = 3,
      padding = 1,
      bias = false,
      bitWidth = 4,
      perChannel = true)
  @StateDictName("layer1.1.conv2")
  abstract Tensor l1b1Conv2(Tensor x);

  @BatchNorm2d(numFeatures = 64)
  @StateDictName("layer1.1.bn2")
  abstract Tensor l1b1Bn2(Tensor x);

  @QuantReLU(bitWidth = 4, returnQuantTensor = true)
  @StateDictName("layer1.1.relu_out")
  abstract QuantTensor l1b1ReluOut(Tensor x);

  @QuantConv2d(
      inChannels = 64,
      outChannels = 128,
      kernelSize = 3,
      stride = 2,
      padding = 1,
      bias = false,
      bitWidth = 4,
      perChannel = true)
  @StateDictName("layer2.0.conv1")
  abstract Tensor l2b0Conv1(Tensor x);

  @BatchNorm2d(numFeatures = 128)
  @StateDictName("layer2.0.bn1")
  abstract Tensor l2b0Bn1(Tensor x);

  @QuantReLU(bitWidth = 4, returnQuantTensor = true)
  @StateDictName("layer2.0.relu1")
  abstract QuantTensor l2b0Relu1(Tensor x);

  @QuantConv2d(
      inChannels = 128,
      outChannels = 128,
      kernelSize = 3,
      padding = 1,
      bias = false,
      bitWidth = 4,
      perChannel = true)
  @StateDictName("layer2.0.conv2")
  abstract Tensor l2b0Conv2(Tensor x);

  @BatchNorm2d(numFeatures = 128)
  @StateDictName("layer2.0.bn2")
  abstract Tensor l2b0Bn2(Tensor x);

  @QuantConv2d(
      inChannels = 64,
      outChannels = 128,
      kernelSize = 1,
      stride = 2,
      bias = false,
      bitWidth = 4,
      perChannel = true)
  @StateDictName("layer2.0.downsample.0")
  abstract Tensor l2b0DownConv(Tensor x);

  @BatchNorm2d(numFeatures = 128)
  @StateDictName("layer2.0.downsample.1")
  abstract Tensor l2b0DownBn(Tensor x);

  /** The ReLU of the shortcut, shared with this block's second ReLU (FINN adds equal signs). */
  @QuantReLU(bitWidth = 4, returnQuantTensor = true)
  @StateDictName(value = "layer2.0.downsample.2", aliases = "layer2.0.relu2")
  abstract QuantTensor l2b0DownRelu(Tensor x);

  @QuantReLU(bitWidth = 4, returnQuantTensor = true)
  @StateDictName(value = "layer2.0.relu_out", aliases = "layer2.1.relu2")
  abstract QuantTensor l2b0ReluOut(Tensor x);

  @QuantConv2d(
      inChannels = 128,
      outChannels = 128,
      kernelSize = 3,
      stride = 1,
      padding = 1,
      bias = false,
      bitWidth = 4,
      perChannel = true)
  @StateDictName("layer2.1.conv1")
  abstract Tensor l2b1Conv1(Tensor x);

  @BatchNorm2d(numFeatures = 128)
  @StateDictName("layer2.1.bn1")
  abstract Tensor l2b1Bn1(Tensor x);

  @QuantReLU(bitWidth = 4, returnQuantTensor = true)
  @StateDictName("layer2.1.relu1")
  abstract QuantTensor l2b1Relu1(Tensor x);

  @QuantConv2d(
      inChannels = 128,
      outChannels = 128,
      kernelSize = 3,
      padding = 1,
      bias = false,
      bitWidth = 4,
      perChannel = true)
  @StateDictName("layer2.1.conv2")
  abstract Tensor l2b1Conv2(Tensor x);

  @BatchNorm2d(numFeatures = 128)
  @StateDictName("layer2.1.bn2")
  abstract Tensor l2b1Bn2(Tensor x);

  @QuantReLU(bitWidth = 4, returnQuantTensor = true)
  @StateDictName("layer2.1.relu_out")
  abstract QuantTensor l2b1ReluOut(Tensor x);

  @QuantConv2d(
      inChannels = 128,
      outChannels = 256,
      kernelSize = 3,
      stride = 2,
      padding = 1,
      bias = false,
      bitWidth = 4,
      perChannel = true)
  @StateDictName("layer3.0.conv1")
  abstract Tensor l3b0Conv1(Tensor x);

  @BatchNorm2d(numFeatures = 256)
  @StateDictName("layer3.0.bn1")
  abstract Tensor l3b0Bn1(Tensor x);

  @QuantReLU(bitWidth = 4, returnQuantTensor = true)
  @StateDictName("layer3.0.relu1")
  abstract QuantTensor l3b0Relu1(Tensor x);

  @QuantConv2d(
      inChannels = 256,
      outChannels = 256,
      kernelSize = 3,
      padding = 1,
      bias = false,
      bitWidth = 4,
      perChannel = true)
  @StateDictName("layer3.0.conv2")
  abstract Tensor l3b0Conv2(Tensor x);

  @BatchNorm2d(numFeatures = 256)
  @StateDictName("layer3.0.bn2")
  abstract Tensor l3b0Bn2(Tensor x);

  @QuantConv2d(
      inChannels = 128,
      outChannels = 256,
      kernelSize = 1,
      stride = 2,
      bias = false,
      bitWidth = 4,
      perChannel = true)
  @StateDictName("layer3.0.downsample.0")
  abstract Tensor l3b0DownConv(Tensor x);

  @BatchNorm2d(numFeatures = 256)
  @StateDictName("layer3.0.downsample.1")
  abstract Tensor l3b0DownBn(Tensor x);

  /** The ReLU of the shortcut, shared with this block's second ReLU (FINN adds equal signs). */
  @QuantReLU(bitWidth = 4, returnQuantTensor = true)
  @StateDictName(value = "layer3.0.downsample.2", aliases = "layer3.0.relu2")
  abstract QuantTensor l3b0DownRelu(Tensor x);

  @QuantReLU(bitWidth = 4, returnQuantTensor = true)
  @StateDictName(value = "layer3.0.relu_out", aliases = "layer3.1.relu2")
  abstract QuantTensor l3b0ReluOut(Tensor x);

  @QuantConv2d(
      inChannels = 256,
      outChannels = 256,
      kernelSize = 3,
      stride = 1,
      padding = 1,
      bias = false,
      bitWidth = 4,
      perChannel = true)
  @StateDictName("layer3.1.conv1")
  abstract Tensor l3b1Conv1(Tensor x);

  @BatchNorm2d(numFeatures = 256)
  @StateDictName("layer3.1.bn1")
  abstract Tensor l3b1Bn1(Tensor x);

  @QuantReLU(bitWidth = 4, returnQuantTensor = true)
  @StateDictName("layer3.1.relu1")
  abstract QuantTensor l3b1Relu1(Tensor x);

  @QuantConv2d(
      inChannels = 256,
      outChannels = 256,
      kernelSize = 3,
      padding = 1,
      bias = false,
      bitWidth = 4,
      perChannel = true)
  @StateDictName("layer3.1.conv2")
  abstract Tensor l3b1Conv2(Tensor x);

  @BatchNorm2d(numFeatures = 256)
  @StateDictName("layer3.1.bn2")
  abstract Tensor l3b1Bn2(Tensor x);

  @QuantReLU(bitWidth = 4, returnQuantTensor = true)
  @StateDictName("layer3.1.relu_out")
  abstract QuantTensor l3b1ReluOut(Tensor x);

  @QuantConv2d(
      inChannels = 256,
      outChannels = 512,
      kernelSize = 3,
      stride = 2,
      padding = 1,
      bias = false,
      bitWidth = 4,
      perChannel = true)
  @StateDictName("layer4.0.conv1")
  abstract Tensor l4b0Conv1(Tensor x);

  @BatchNorm2d(numFeatures = 512)
  @StateDictName("layer4.0.bn1")
  abstract Tensor l4b0Bn1(Tensor x);

  @QuantReLU(bitWidth = 4, returnQuantTensor = true)
  @StateDictName("layer4.0.relu1")
  abstract QuantTensor l4b0Relu1(Tensor x);

  @QuantConv2d(
      inChannels = 512,
      outChannels = 512,
      kernelSize = 3,
      padding = 1,
      bias = false,
      bitWidth = 4,
      perChannel = true)
  @StateDictName("layer4.0.conv2")
  abstract Tensor l4b0Conv2(Tensor x);

  @BatchNorm2d(numFeatures = 512)
  @StateDictName("layer4.0.bn2")
  abstract Tensor l4b0Bn2(Tensor x);

  @QuantConv2d(
      inChannels = 256,
      outChannels = 512,
      kernelSize = 1,
      stride = 2,
      bias = false,
      bitWidth = 4,
      perChannel = true)
  @StateDictName("layer4.0.downsample.0")
  abstract Tensor l4b0DownConv(Tensor x);

  @BatchNorm2d(numFeatures = 512)
  @StateDictName("layer4.0.downsample.1")
  abstract Tensor l4b0DownBn(Tensor x);

  /** The ReLU of the shortcut, shared with this block's second ReLU (FINN adds equal signs). */
  @QuantReLU(bitWidth = 4, returnQuantTensor = true)
  @StateDictName(value = "layer4.0.downsample.2", aliases = "layer4.0.relu2")
  abstract QuantTensor l4b0DownRelu(Tensor x);

  @QuantReLU(bitWidth = 4, returnQuantTensor = true)
  @StateDictName(value = "layer4.0.relu_out", aliases = "layer4.1.relu2")
  abstract QuantTensor l4b0ReluOut(Tensor x);

  @QuantConv2d(
      inChannels = 512,
      outChannels = 512,
      kernelSize = 3,
      stride = 1,
      padding = 1,
      bias = false,
      bitWidth = 4,
      perChannel = true)
  @StateDictName("layer4.1.conv1")
  abstract Tensor l4b1Conv1(Tensor x);

  @BatchNorm2d(numFeatures = 512)
  @StateDictName("layer4.1.bn1")
  abstract Tensor l4b1Bn1(Tensor x);

  @QuantReLU(bitWidth = 4, returnQuantTensor = true)
  @StateDictName("layer4.1.relu1")
  abstract QuantTensor l4b1Relu1(Tensor x);

  @QuantConv2d(
      inChannels = 512,
      outChannels = 512,
      kernelSize = 3,
      padding = 1,
      bias = false,
      bitWidth = 4,
      perChannel = true)
  @StateDictName("layer4.1.conv2")
  abstract Tensor l4b1Conv2(Tensor x);

  @BatchNorm2d(numFeatures = 512)
  @StateDictName("layer4.1.bn2")
  abstract Tensor l4b1Bn2(Tensor x);

  @QuantReLU(bitWidth = 4, returnQuantTensor = true)
  @StateDictName("layer4.1.relu_out")
  abstract QuantTensor l4b1ReluOut(Tensor x);

  /** Brevitas' TruncTo8bit: the 4x4 window sum of 4-bit integers, floored to 8 bits. */
  @TruncAvgPool2d(kernelSize = 4, rounding = TruncRounding.FLOOR)
  @StateDictName("final_pool")
  abstract QuantTensor finalPool(QuantTensor x);

  @QuantLinear(inFeatures = 512, outFeatures = 10, bitWidth = 8)
  @Int32Bias
  abstract Tensor linear(QuantTensor x);

  public Tensor forward(Tensor image) {
    QuantTensor x = relu(bn1(conv1(image)));
    QuantTensor l1b0Out = l1b0Relu1(l1b0Bn1(l1b0Conv1(x)));
    l1b0Out = relu(l1b0Bn2(l1b0Conv2(l1b0Out)));
    x = l1b0ReluOut(F.add(l1b0Out, x));
    QuantTensor l1b1Out = l1b1Relu1(l1b1Bn1(l1b1Conv1(x)));
    l1b1Out = l1b0ReluOut(l1b1Bn2(l1b1Conv2(l1b1Out)));
    x = l1b1ReluOut(F.add(l1b1Out, x));
    QuantTensor l2b0Out = l2b0Relu1(l2b0Bn1(l2b0Conv1(x)));
    l2b0Out = l2b0DownRelu(l2b0Bn2(l2b0Conv2(l2b0Out)));
    QuantTensor l2b0Shortcut = l2b0DownRelu(l2b0DownBn(l2b0DownConv(x)));
    x = l2b0ReluOut(F.add(l2b0Out, l2b0Shortcut));
    QuantTensor l2b1Out = l2b1Relu1(l2b1Bn1(l2b1Conv1(x)));
    l2b1Out = l2b0ReluOut(l2b1Bn2(l2b1Conv2(l2b1Out)));
    x = l2b1ReluOut(F.add(l2b1Out, x));
    QuantTensor l3b0Out = l3b0Relu1(l3b0Bn1(l3b0Conv1(x)));
    l3b0Out = l3b0DownRelu(l3b0Bn2(l3b0Conv2(l3b0Out)));
    QuantTensor l3b0Shortcut = l3b0DownRelu(l3b0DownBn(l3b0DownConv(x)));
    x = l3b0ReluOut(F.add(l3b0Out, l3b0Shortcut));
    QuantTensor l3b1Out = l3b1Relu1(l3b1Bn1(l3b1Conv1(x)));
    l3b1Out = l3b0ReluOut(l3b1Bn2(l3b1Conv2(l3b1Out)));
    x = l3b1ReluOut(F.add(l3b1Out, x));
    QuantTensor l4b0Out = l4b0Relu1(l4b0Bn1(l4b0Conv1(x)));
    l4b0Out = l4b0DownRelu(l4b0Bn2(l4b0Conv2(l4b0Out)));
    QuantTensor l4b0Shortcut = l4b0DownRelu(l4b0DownBn(l4b0DownConv(x)));
    x = l4b0ReluOut(F.add(l4b0Out, l4b0Shortcut));
    QuantTensor l4b1Out = l4b1Relu1(l4b1Bn1(l4b1Conv1(x)));
    l4b1Out = l4b0ReluOut(l4b1Bn2(l4b1Conv2(l4b1Out)));
    x = l4b1ReluOut(F.add(l4b1Out, x));
    return linear(F.flatten(finalPool(x)));
  }
}
