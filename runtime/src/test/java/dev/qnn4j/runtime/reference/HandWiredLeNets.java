package dev.qnn4j.runtime.reference;

import dev.qnn4j.runtime.QuantTensor;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.nn.Conv2dOptions;
import dev.qnn4j.runtime.nn.F;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.nn.Module;
import dev.qnn4j.runtime.nn.QuantConv2d;
import dev.qnn4j.runtime.nn.QuantIdentity;
import dev.qnn4j.runtime.nn.QuantLinear;
import dev.qnn4j.runtime.nn.QuantReLU;
import dev.qnn4j.runtime.nn.ReLU;
import dev.qnn4j.runtime.quant.BiasQuantConfig;
import dev.qnn4j.runtime.quant.WeightQuantConfig;
import java.util.List;

/**
 * The seed tutorial's three LeNets wired by hand from runtime layers, independent of the annotation
 * processor, so the runtime's numerics are tested on their own.
 */
public final class HandWiredLeNets {
  private HandWiredLeNets() {}

  public static Model create(String modelName) {
    return switch (modelName) {
      case "QuantWeightLeNet" -> new WeightOnly();
      case "QuantWeightActLeNet" -> new WeightAct();
      case "QuantWeightActBiasLeNet" -> new WeightActBias();
      default -> throw new IllegalArgumentException(modelName);
    };
  }

  static QuantConv2d conv(String name, int in, int out, int bits, BiasQuantConfig bias) {
    return new QuantConv2d(
        name,
        Conv2dOptions.of(in, out, 5),
        WeightQuantConfig.perTensorFloat(bits),
        bias,
        null,
        null,
        false);
  }

  static QuantLinear fc(String name, int in, int out, int bits, BiasQuantConfig bias) {
    return new QuantLinear(
        name, in, out, true, WeightQuantConfig.perTensorFloat(bits), bias, null, null, false);
  }

  static final class WeightOnly implements Model {
    final QuantConv2d conv1 = conv("conv1", 3, 6, 4, null);
    final ReLU relu1 = new ReLU("relu1");
    final QuantConv2d conv2 = conv("conv2", 6, 16, 4, null);
    final ReLU relu2 = new ReLU("relu2");
    final QuantLinear fc1 = fc("fc1", 400, 120, 4, null);
    final ReLU relu3 = new ReLU("relu3");
    final QuantLinear fc2 = fc("fc2", 120, 84, 4, null);
    final ReLU relu4 = new ReLU("relu4");
    final QuantLinear fc3 = fc("fc3", 84, 10, 4, null);

    @Override
    public String modelName() {
      return "QuantWeightLeNet";
    }

    @Override
    public List<Module> layers() {
      return List.of(conv1, relu1, conv2, relu2, fc1, relu3, fc2, relu4, fc3);
    }

    @Override
    public Tensor forward(Tensor x) {
      Tensor out = F.maxPool2d(relu1.forward(conv1.forward(x)), 2);
      out = F.maxPool2d(relu2.forward(conv2.forward(out)), 2);
      out = F.flatten(out);
      out = relu3.forward(fc1.forward(out));
      out = relu4.forward(fc2.forward(out));
      return fc3.forward(out);
    }
  }

  static final class WeightAct implements Model {
    final QuantIdentity quantInp = new QuantIdentity("quant_inp", 4, false);
    final QuantConv2d conv1 = conv("conv1", 3, 6, 4, null);
    final QuantReLU relu1 = new QuantReLU("relu1", 4, false);
    final QuantConv2d conv2 = conv("conv2", 6, 16, 4, null);
    final QuantReLU relu2 = new QuantReLU("relu2", 3, false);
    final QuantLinear fc1 = fc("fc1", 400, 120, 4, null);
    final QuantReLU relu3 = new QuantReLU("relu3", 4, false);
    final QuantLinear fc2 = fc("fc2", 120, 84, 4, null);
    final QuantReLU relu4 = new QuantReLU("relu4", 4, false);
    final QuantLinear fc3 = fc("fc3", 84, 10, 8, null);

    @Override
    public String modelName() {
      return "QuantWeightActLeNet";
    }

    @Override
    public List<Module> layers() {
      return List.of(quantInp, conv1, relu1, conv2, relu2, fc1, relu3, fc2, relu4, fc3);
    }

    @Override
    public Tensor forward(Tensor x) {
      Tensor out = quantInp.forward(x);
      out = F.maxPool2d(relu1.forward(conv1.forward(out)), 2);
      out = F.maxPool2d(relu2.forward(conv2.forward(out)), 2);
      out = F.flatten(out);
      out = relu3.forward(fc1.forward(out));
      out = relu4.forward(fc2.forward(out));
      return fc3.forward(out);
    }
  }

  static final class WeightActBias implements Model {
    final QuantIdentity quantInp = new QuantIdentity("quant_inp", 4, true);
    final QuantConv2d conv1 = conv("conv1", 3, 6, 4, BiasQuantConfig.int32());
    final QuantReLU relu1 = new QuantReLU("relu1", 4, true);
    final QuantConv2d conv2 = conv("conv2", 6, 16, 4, BiasQuantConfig.int32());
    final QuantReLU relu2 = new QuantReLU("relu2", 4, true);
    final QuantLinear fc1 = fc("fc1", 400, 120, 4, BiasQuantConfig.int32());
    final QuantReLU relu3 = new QuantReLU("relu3", 4, true);
    final QuantLinear fc2 = fc("fc2", 120, 84, 4, BiasQuantConfig.int32());
    final QuantReLU relu4 = new QuantReLU("relu4", 4, true);
    final QuantLinear fc3 = fc("fc3", 84, 10, 4, BiasQuantConfig.int32());

    @Override
    public String modelName() {
      return "QuantWeightActBiasLeNet";
    }

    @Override
    public List<Module> layers() {
      return List.of(quantInp, conv1, relu1, conv2, relu2, fc1, relu3, fc2, relu4, fc3);
    }

    @Override
    public Tensor forward(Tensor x) {
      QuantTensor out = quantInp.forwardQuant(x);
      out = F.maxPool2d(relu1.forwardQuant(conv1.forward(out)), 2);
      out = F.maxPool2d(relu2.forwardQuant(conv2.forward(out)), 2);
      out = F.flatten(out);
      out = relu3.forwardQuant(fc1.forward(out));
      out = relu4.forwardQuant(fc2.forward(out));
      return fc3.forward(out);
    }
  }
}
