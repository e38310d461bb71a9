package dev.qnn4j.samples;

import dev.qnn4j.runtime.QuantTensor;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.nn.Conv2dOptions;
import dev.qnn4j.runtime.nn.F;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.nn.ModelFactory;
import dev.qnn4j.runtime.nn.Module;
import dev.qnn4j.runtime.nn.QuantConv2d;
import dev.qnn4j.runtime.nn.QuantLinear;
import dev.qnn4j.runtime.nn.QuantReLU;
import dev.qnn4j.runtime.quant.ActQuantConfig;
import dev.qnn4j.runtime.quant.BiasQuantConfig;
import dev.qnn4j.runtime.quant.WeightQuantConfig;
import java.util.List;
import javax.annotation.processing.Generated;

/**
 * The generated implementation of {@link AutoLeNet}: {@link FloatLeNet} quantized by the rules of its
 * {@code @QuantizeFrom}, its layers named as in the float model's state dict.
 */
@Generated("dev.qnn4j.processor.QuantModelProcessor")
public final class QuantModel_AutoLeNet extends AutoLeNet implements Model {
  private final QuantConv2d conv1 = QuantConv2d.builder("conv1", Conv2dOptions.of(3, 6, 5))
      .weightQuant(WeightQuantConfig.perTensorFloat(4))
      .biasQuant(BiasQuantConfig.int32())
      .inputQuant(ActQuantConfig.signed(4))
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

  private final List<Module> layers = List.of(conv1, relu1, conv2, relu2, fc1, relu3, fc2, relu4, fc3);

  /**
   * {@link FloatLeNet#forward}, with each value typed by what the quantized layers return, so that
   * {@code F.maxPool2d} and {@code F.flatten} keep a {@code QuantTensor}'s metadata.
   */
  @Override
  public Tensor forward(Tensor x) {
    QuantTensor out = relu1(conv1(x));
    out = F.maxPool2d(out, 2);
    out = relu2(conv2(out));
    out = F.maxPool2d(out, 2);
    out = F.flatten(out);
    out = relu3(fc1(out));
    out = relu4(fc2(out));
    return fc3(out);
  }

  private Tensor conv1(Tensor x) {
    return conv1.forward(x);
  }

  private QuantTensor relu1(Tensor x) {
    return relu1.forwardQuant(x);
  }

  private Tensor conv2(Tensor x) {
    return conv2.forward(x);
  }

  private QuantTensor relu2(Tensor x) {
    return relu2.forwardQuant(x);
  }

  private Tensor fc1(Tensor x) {
    return fc1.forward(x);
  }

  private QuantTensor relu3(Tensor x) {
    return relu3.forwardQuant(x);
  }

  private Tensor fc2(Tensor x) {
    return fc2.forward(x);
  }

  private QuantTensor relu4(Tensor x) {
    return relu4.forwardQuant(x);
  }

  private Tensor fc3(Tensor x) {
    return fc3.forward(x);
  }

  @Override
  public String modelName() {
    return "AutoLeNet";
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
    StringBuilder description = new StringBuilder("AutoLeNet(\n");
    for (Module layer : layers) {
      description.append("  (").append(layer.name()).append("): ").append(layer.describe()).append('\n');
    }
    return description.append(')').toString();
  }

  /**
   * Creates {@link AutoLeNet}; registered in {@code META-INF/services/dev.qnn4j.runtime.nn.ModelFactory}.
   */
  public static final class Factory implements ModelFactory {
    @Override
    public String modelName() {
      return "AutoLeNet";
    }

    @Override
    public String declaringClassName() {
      return "dev.qnn4j.samples.AutoLeNet";
    }

    @Override
    public Model create() {
      return new QuantModel_AutoLeNet();
    }
  }
}
