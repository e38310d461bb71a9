package dev.qnn4j.runtime.fuzz;

import dev.qnn4j.runtime.QuantTensor;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.nn.BatchNorm2d;
import dev.qnn4j.runtime.nn.Conv2dOptions;
import dev.qnn4j.runtime.nn.F;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.nn.Module;
import dev.qnn4j.runtime.nn.QuantConv2d;
import dev.qnn4j.runtime.nn.QuantIdentity;
import dev.qnn4j.runtime.nn.QuantLinear;
import dev.qnn4j.runtime.nn.QuantReLU;
import java.util.List;

/**
 * The model the checkpoint fuzz test loads into: every kind of checkpoint entry (conv and linear
 * weights and biases, BatchNorm running statistics and its I64 batch counter, two activation
 * quantizers' state) at a size that keeps each fuzz iteration cheap. Input 1x4x4, 3 classes.
 */
final class FuzzNet implements Model {
  final QuantIdentity quantInp = new QuantIdentity("quant_inp", 4, true);
  final QuantConv2d conv1 = new QuantConv2d("conv1", Conv2dOptions.of(1, 2, 3), 4);
  final BatchNorm2d bn1 = new BatchNorm2d("bn1", 2);
  final QuantReLU relu1 = new QuantReLU("relu1", 4, true);
  final QuantLinear fc1 = new QuantLinear("fc1", 8, 3, 4);
  private final String name;

  FuzzNet() {
    this("FuzzNet");
  }

  /** The same layers under another model name. */
  FuzzNet(String name) {
    this.name = name;
  }

  @Override
  public String modelName() {
    return name;
  }

  @Override
  public List<Module> layers() {
    return List.of(quantInp, conv1, bn1, relu1, fc1);
  }

  @Override
  public long[] inputShape() {
    return new long[] {1, 4, 4};
  }

  @Override
  public Tensor forward(Tensor x) {
    QuantTensor q = quantInp.forwardQuant(x);
    Tensor h = bn1.forward(conv1.forward(q));
    return fc1.forward(F.flatten(relu1.forwardQuant(h)));
  }
}
