package dev.qnn4j.samples;

import dev.qnn4j.annotations.Conv2d;
import dev.qnn4j.annotations.Linear;
import dev.qnn4j.annotations.QuantModel;
import dev.qnn4j.annotations.ReLU;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.nn.F;

/**
 * The seed's LeNet-5 in float, as PyTorch declares it: the starting point of automated quantization
 * ({@link AutoLeNet}). Train it, then carry its weights over by name.
 */
@QuantModel(inputShape = {3, 32, 32})
public abstract class FloatLeNet {
  @Conv2d(inChannels = 3, outChannels = 6, kernelSize = 5)
  abstract Tensor conv1(Tensor x);

  @ReLU
  abstract Tensor relu1(Tensor x);

  @Conv2d(inChannels = 6, outChannels = 16, kernelSize = 5)
  abstract Tensor conv2(Tensor x);

  @ReLU
  abstract Tensor relu2(Tensor x);

  @Linear(inFeatures = 16 * 5 * 5, outFeatures = 120)
  abstract Tensor fc1(Tensor x);

  @ReLU
  abstract Tensor relu3(Tensor x);

  @Linear(inFeatures = 120, outFeatures = 84)
  abstract Tensor fc2(Tensor x);

  @ReLU
  abstract Tensor relu4(Tensor x);

  @Linear(inFeatures = 84, outFeatures = 10)
  abstract Tensor fc3(Tensor x);

  public Tensor forward(Tensor x) {
    Tensor out = relu1(conv1(x));
    out = F.maxPool2d(out, 2);
    out = relu2(conv2(out));
    out = F.maxPool2d(out, 2);
    out = F.flatten(out);
    out = relu3(fc1(out));
    out = relu4(fc2(out));
    return fc3(out);
  }
}
