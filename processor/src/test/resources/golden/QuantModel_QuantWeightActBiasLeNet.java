package dev.qnn4j.samples;

import dev.qnn4j.runtime.QuantTensor;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.nn.Conv2dOptions;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.nn.ModelFactory;
import dev.qnn4j.runtime.nn.Module;
import dev.qnn4j.runtime.nn.QuantConv2d;
import dev.qnn4j.runtime.nn.QuantIdentity;
import dev.qnn4j.runtime.nn.QuantLinear;
import dev.qnn4j.runtime.nn.QuantReLU;
import dev.qnn4j.runtime.quant.ActQuantConfig;
import dev.qnn4j.runtime.quant.BiasQuantConfig;
import dev.qnn4j.runtime.quant.WeightQuantConfig;
import java.util.List;
import javax.annotation.processing.Generated;

/**
 * The generated implementation of {@link QuantWeightActBiasLeNet}: its layers as runtime modules, named as in
 * its PyTorch state dict.
 */
@Generated("dev.qnn4j.processor.QuantModelProcessor")
public final class QuantModel_QuantWeightActBiasLeNet extends QuantWeightActBiasLeNet implements Model {
  private final QuantIdentity quantInp = QuantIdentity.returningQuantTensor("quant_inp", ActQuantConfig.signed(4));

  private final QuantConv2d conv1 = QuantConv2d.builder("conv1", Conv2dOptions.of(3, 6, 5))
      .weightQuant(WeightQuantConfig.perTensorFloat(4))
      .biasQuant(BiasQuantConfig.int32())
      .build();

  private final QuantReLU relu1 = QuantReLU.returningQuantTensor("relu1", ActQuantConfig.unsigned(4));

  private final QuantConv2d conv2 = QuantConv2d.builder("conv2", Conv2dOptions.of(6, 16, 5))
      .weightQuant(WeightQuantConfig.perTensorFloat(4))
      .biasQuant(BiasQuantConfig.int32())
      .build();

  private final QuantReLU relu2 = QuantReLU.returningQuantTensor("relu2", ActQuantConfig.unsigned(4));

  private final QuantLinear fc1 = QuantLinear.builder("fc1", 400, 120)
      .weightQuant(WeightQuantConfig.perTensorFloat(4))
      .biasQuant(BiasQuantConfig.int32())
      .build();

  private final QuantReLU relu3 = QuantReLU.returningQuantTensor("relu3", ActQuantConfig.unsigned(4));

  private final QuantLinear fc2 = QuantLinear.builder("fc2", 120, 84)
      .weightQuant(WeightQuantConfig.perTensorFloat(4))
      .biasQuant(BiasQuantConfig.int32())
      .build();

  private final QuantReLU relu4 = QuantReLU.returningQuantTensor("relu4", ActQuantConfig.unsigned(4));

  private final QuantLinear fc3 = QuantLinear.builder("fc3", 84, 10)
      .weightQuant(WeightQuantConfig.perTensorFloat(4))
      .biasQuant(BiasQuantConfig.int32())
      .build();

  private final List<Module> layers = List.of(quantInp, conv1, relu1, conv2, relu2, fc1, relu3, fc2, relu4, fc3);

  @Override
  QuantTensor quantInp(Tensor x) {
    return quantInp.forwardQuant(x);
  }

  @Override
  Tensor conv1(QuantTensor x) {
    return conv1.forward(x);
  }

  @Override
  QuantTensor relu1(Tensor x) {
    return relu1.forwardQuant(x);
  }

  @Override
  Tensor conv2(QuantTensor x) {
    return conv2.forward(x);
  }

  @Override
  QuantTensor relu2(Tensor x) {
    return relu2.forwardQuant(x);
  }

  @Override
  Tensor fc1(QuantTensor x) {
    return fc1.forward(x);
  }

  @Override
  QuantTensor relu3(Tensor x) {
    return relu3.forwardQuant(x);
  }

  @Override
  Tensor fc2(QuantTensor x) {
    return fc2.forward(x);
  }

  @Override
  QuantTensor relu4(Tensor x) {
    return relu4.forwardQuant(x);
  }

  @Override
  Tensor fc3(QuantTensor x) {
    return fc3.forward(x);
  }

  @Override
  public String modelName() {
    return "QuantWeightActBiasLeNet";
  }

  @Override
  public List<Module> layers() {
    return layers;
  }

  @Override
  public long[] inputShape() {
    return new long[] {3, 32, 32};
  }

  /**
   * The layer tree, as Brevitas prints a module.
   */
  @Override
  public String toString() {
    StringBuilder description = new StringBuilder("QuantWeightActBiasLeNet(\n");
    for (Module layer : layers) {
      description.append("  (").append(layer.name()).append("): ").append(layer.describe()).append('\n');
    }
    return description.append(')').toString();
  }

  /**
   * Creates {@link QuantWeightActBiasLeNet}; registered in {@code META-INF/services/dev.qnn4j.runtime.nn.ModelFactory}.
   */
  public static final class Factory implements ModelFactory {
    @Override
    public String modelName() {
      return "QuantWeightActBiasLeNet";
    }

    @Override
    public String declaringClassName() {
      return "dev.qnn4j.samples.QuantWeightActBiasLeNet";
    }

    @Override
    public Model create() {
      return new QuantModel_QuantWeightActBiasLeNet();
    }
  }
}
