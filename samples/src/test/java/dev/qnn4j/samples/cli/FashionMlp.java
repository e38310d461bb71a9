package dev.qnn4j.samples.cli;

import dev.qnn4j.annotations.QuantIdentity;
import dev.qnn4j.annotations.QuantLinear;
import dev.qnn4j.annotations.QuantModel;
import dev.qnn4j.annotations.QuantReLU;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.nn.F;

/** A user's 4-bit MLP on native Fashion-MNIST images, as a newcomer would declare it. */
@QuantModel(inputShape = {1, 28, 28})
public abstract class FashionMlp {
  @QuantIdentity(bitWidth = 4)
  abstract Tensor quantInp(Tensor x);

  @QuantLinear(inFeatures = 784, outFeatures = 32, bitWidth = 4)
  abstract Tensor fc1(Tensor x);

  @QuantReLU(bitWidth = 4)
  abstract Tensor relu1(Tensor x);

  @QuantLinear(inFeatures = 32, outFeatures = 10, bitWidth = 4)
  abstract Tensor fc2(Tensor x);

  public Tensor forward(Tensor x) {
    return fc2(relu1(fc1(quantInp(F.flatten(x)))));
  }
}
