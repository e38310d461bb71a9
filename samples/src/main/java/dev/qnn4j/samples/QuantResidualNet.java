package dev.qnn4j.samples;

import dev.qnn4j.annotations.AdaptiveAvgPool2d;
import dev.qnn4j.annotations.BatchNorm1d;
import dev.qnn4j.annotations.BatchNorm2d;
import dev.qnn4j.annotations.QuantConv2d;
import dev.qnn4j.annotations.QuantIdentity;
import dev.qnn4j.annotations.QuantLinear;
import dev.qnn4j.annotations.QuantModel;
import dev.qnn4j.annotations.QuantReLU;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.nn.F;

/**
 * A small residual CNN with 4-bit weights and activations: conv, batch norm and ReLU, one residual
 * block whose sum {@code F.add} joins the block's input, average pooling (a fixed window, then an
 * adaptive one) and a batch-normalised hidden linear layer. It trains through a compiled step.
 */
@QuantModel(inputShape = {3, 32, 32})
public abstract class QuantResidualNet {
  @QuantIdentity(bitWidth = 4)
  abstract Tensor quantInp(Tensor x);

  @QuantConv2d(
      inChannels = 3,
      outChannels = 8,
      kernelSize = 3,
      padding = 1,
      bias = false,
      bitWidth = 4)
  abstract Tensor conv1(Tensor x);

  @BatchNorm2d(numFeatures = 8)
  abstract Tensor bn1(Tensor x);

  @QuantReLU(bitWidth = 4)
  abstract Tensor relu1(Tensor x);

  @QuantConv2d(
      inChannels = 8,
      outChannels = 8,
      kernelSize = 3,
      padding = 1,
      bias = false,
      bitWidth = 4)
  abstract Tensor conv2(Tensor x);

  @BatchNorm2d(numFeatures = 8)
  abstract Tensor bn2(Tensor x);

  @QuantReLU(bitWidth = 4)
  abstract Tensor relu2(Tensor x);

  @QuantConv2d(
      inChannels = 8,
      outChannels = 8,
      kernelSize = 3,
      padding = 1,
      bias = false,
      bitWidth = 4)
  abstract Tensor conv3(Tensor x);

  @BatchNorm2d(numFeatures = 8)
  abstract Tensor bn3(Tensor x);

  @QuantReLU(bitWidth = 4)
  abstract Tensor relu3(Tensor x);

  @AdaptiveAvgPool2d(outputSize = 2)
  abstract Tensor pool(Tensor x);

  @QuantLinear(inFeatures = 8 * 2 * 2, outFeatures = 16, bias = false, bitWidth = 4)
  abstract Tensor fc1(Tensor x);

  @BatchNorm1d(numFeatures = 16)
  abstract Tensor bn4(Tensor x);

  @QuantReLU(bitWidth = 4)
  abstract Tensor relu4(Tensor x);

  @QuantLinear(inFeatures = 16, outFeatures = 10, bitWidth = 4)
  abstract Tensor fc2(Tensor x);

  public Tensor forward(Tensor x) {
    Tensor out = quantInp(x);
    out = relu1(bn1(conv1(out)));
    out = F.maxPool2d(out, 2);
    Tensor skip = out;
    out = relu2(bn2(conv2(out)));
    out = bn3(conv3(out));
    out = relu3(F.add(out, skip));
    out = F.avgPool2d(out, 2);
    out = pool(out);
    out = F.flatten(out);
    out = relu4(bn4(fc1(out)));
    return fc2(out);
  }
}
