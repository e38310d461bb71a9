package dev.qnn4j.samples;

import dev.qnn4j.runtime.QuantTensor;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.kernels.Activations;
import dev.qnn4j.runtime.kernels.ConvGeometry;
import dev.qnn4j.runtime.kernels.Convolution;
import dev.qnn4j.runtime.kernels.Dense;
import dev.qnn4j.runtime.nn.CompiledStep;
import dev.qnn4j.runtime.nn.Conv2dOptions;
import dev.qnn4j.runtime.nn.F;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.nn.ModelFactory;
import dev.qnn4j.runtime.nn.Module;
import dev.qnn4j.runtime.nn.QuantConv2d;
import dev.qnn4j.runtime.nn.QuantLinear;
import dev.qnn4j.runtime.nn.QuantReLU;
import dev.qnn4j.runtime.quant.ActQuantConfig;
import dev.qnn4j.runtime.quant.ActQuantizer;
import dev.qnn4j.runtime.quant.BiasQuantConfig;
import dev.qnn4j.runtime.quant.WeightQuantConfig;
import dev.qnn4j.runtime.train.CrossEntropyLoss;
import java.util.List;
import java.util.Optional;
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

  private final Step step = new Step();

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

  @Override
  public Optional<CompiledStep> compiledStep() {
    return Optional.of(step);
  }

  /**
   * The compiled forward and backward pass: the kernels the tape would call, in the same order.
   */
  private final class Step implements CompiledStep {
    private int batch = -1;

    /**
     * The last forward's input, which the backward pass reads.
     */
    private float[] input;

    private int[] labels;

    private float[] softmax;

    /**
     * The gradient conv1InputQuant's scale receives through the bias quantizer that reads it.
     */
    private float conv1InputQuantScaleGrad;

    /**
     * The gradient relu1's scale receives through the bias quantizer that reads it.
     */
    private float relu1ScaleGrad;

    /**
     * The gradient relu2's scale receives through the bias quantizer that reads it.
     */
    private float relu2ScaleGrad;

    /**
     * The gradient relu3's scale receives through the bias quantizer that reads it.
     */
    private float relu3ScaleGrad;

    /**
     * The gradient relu4's scale receives through the bias quantizer that reads it.
     */
    private float relu4ScaleGrad;

    private float[] conv1InputQuantOut;

    private float[] conv1InputQuantGrad;

    private final ActQuantizer.StepRecord conv1InputQuantRecord = new ActQuantizer.StepRecord();

    private float[] conv1Out;

    private float[] conv1Grad;

    private ConvGeometry conv1Geometry;

    private float[][] conv1WeightPartials;

    private float[] conv1WeightGrad;

    private float[] conv1BiasGrad;

    private float[] conv1QuantWeight;

    private float[] conv1QuantWeightGrad;

    private float[] conv1WeightStats;

    private float[] conv1WeightScale;

    private float[] conv1QuantBias;

    private float[] conv1QuantBiasGrad;

    private float[] conv1BiasScale;

    private float[] conv1WeightScaleGrad;

    private float[] relu1Out;

    private float[] relu1Grad;

    private final ActQuantizer.StepRecord relu1Record = new ActQuantizer.StepRecord();

    private float[] relu1ActOut;

    private float[] relu1ActGrad;

    private float[] maxPool1Out;

    private float[] maxPool1Grad;

    private ConvGeometry maxPool1Geometry;

    private int[] maxPool1Argmax;

    private float[] conv2Out;

    private float[] conv2Grad;

    private ConvGeometry conv2Geometry;

    private float[][] conv2WeightPartials;

    private float[] conv2WeightGrad;

    private float[] conv2BiasGrad;

    private float[] conv2QuantWeight;

    private float[] conv2QuantWeightGrad;

    private float[] conv2WeightStats;

    private float[] conv2WeightScale;

    private float[] conv2QuantBias;

    private float[] conv2QuantBiasGrad;

    private float[] conv2BiasScale;

    private float[] conv2WeightScaleGrad;

    private float[] relu2Out;

    private float[] relu2Grad;

    private final ActQuantizer.StepRecord relu2Record = new ActQuantizer.StepRecord();

    private float[] relu2ActOut;

    private float[] relu2ActGrad;

    private float[] maxPool2Out;

    private float[] maxPool2Grad;

    private ConvGeometry maxPool2Geometry;

    private int[] maxPool2Argmax;

    private float[] fc1Out;

    private float[] fc1Grad;

    private float[] fc1WeightGrad;

    private float[] fc1BiasGrad;

    private float[] fc1QuantWeight;

    private float[] fc1QuantWeightGrad;

    private float[] fc1WeightStats;

    private float[] fc1WeightScale;

    private float[] fc1QuantBias;

    private float[] fc1QuantBiasGrad;

    private float[] fc1BiasScale;

    private float[] fc1WeightScaleGrad;

    private float[] relu3Out;

    private float[] relu3Grad;

    private final ActQuantizer.StepRecord relu3Record = new ActQuantizer.StepRecord();

    private float[] relu3ActOut;

    private float[] relu3ActGrad;

    private float[] fc2Out;

    private float[] fc2Grad;

    private float[] fc2WeightGrad;

    private float[] fc2BiasGrad;

    private float[] fc2QuantWeight;

    private float[] fc2QuantWeightGrad;

    private float[] fc2WeightStats;

    private float[] fc2WeightScale;

    private float[] fc2QuantBias;

    private float[] fc2QuantBiasGrad;

    private float[] fc2BiasScale;

    private float[] fc2WeightScaleGrad;

    private float[] relu4Out;

    private float[] relu4Grad;

    private final ActQuantizer.StepRecord relu4Record = new ActQuantizer.StepRecord();

    private float[] relu4ActOut;

    private float[] relu4ActGrad;

    private float[] fc3Out;

    private float[] fc3Grad;

    private float[] fc3WeightGrad;

    private float[] fc3BiasGrad;

    private float[] fc3QuantWeight;

    private float[] fc3QuantWeightGrad;

    private float[] fc3WeightStats;

    private float[] fc3WeightScale;

    private float[] fc3QuantBias;

    private float[] fc3QuantBiasGrad;

    private float[] fc3BiasScale;

    private float[] fc3WeightScaleGrad;

    @Override
    public float[] forward(float[] input, int n) {
      if (input.length != n * 3072) {
        throw new IllegalArgumentException("expected " + n * 3072 + " input values, got " + input.length);
      }
      allocate(n);
      this.input = input;
      conv1.inputQuantizer().forwardInto(input, conv1.isTraining(), conv1InputQuantOut, conv1InputQuantRecord);
      if (conv1.weightQuantizer().enabled()) {
        conv1.weightQuantizer().quantizeInto(conv1.weight().data(), 6, conv1WeightStats, conv1WeightScale, conv1QuantWeight);
      } else {
        System.arraycopy(conv1.weight().data(), 0, conv1QuantWeight, 0, conv1QuantWeight.length);
      }
      if (conv1.biasQuantizer().enabled()) {
        conv1.biasQuantizer().quantizeInto(conv1.bias().data(), conv1WeightScale, conv1InputQuantRecord.scale(), conv1BiasScale, conv1QuantBias);
      } else {
        System.arraycopy(conv1.bias().data(), 0, conv1QuantBias, 0, conv1QuantBias.length);
      }
      Convolution.forward(conv1InputQuantOut, conv1Geometry, 6, 1, conv1QuantWeight, conv1QuantBias, conv1Out);
      Activations.relu(conv1Out, relu1ActOut, n * 4704);
      relu1.quantizer().forwardMaxPoolInto(relu1ActOut, relu1.isTraining(), relu1Out, maxPool1Geometry, maxPool1Argmax, maxPool1Out, relu1Record);
      if (conv2.weightQuantizer().enabled()) {
        conv2.weightQuantizer().quantizeInto(conv2.weight().data(), 16, conv2WeightStats, conv2WeightScale, conv2QuantWeight);
      } else {
        System.arraycopy(conv2.weight().data(), 0, conv2QuantWeight, 0, conv2QuantWeight.length);
      }
      if (conv2.biasQuantizer().enabled()) {
        conv2.biasQuantizer().quantizeInto(conv2.bias().data(), conv2WeightScale, relu1Record.scale(), conv2BiasScale, conv2QuantBias);
      } else {
        System.arraycopy(conv2.bias().data(), 0, conv2QuantBias, 0, conv2QuantBias.length);
      }
      Convolution.forward(maxPool1Out, conv2Geometry, 16, 1, conv2QuantWeight, conv2QuantBias, conv2Out);
      Activations.relu(conv2Out, relu2ActOut, n * 1600);
      relu2.quantizer().forwardMaxPoolInto(relu2ActOut, relu2.isTraining(), relu2Out, maxPool2Geometry, maxPool2Argmax, maxPool2Out, relu2Record);
      if (fc1.weightQuantizer().enabled()) {
        fc1.weightQuantizer().quantizeInto(fc1.weight().data(), 120, fc1WeightStats, fc1WeightScale, fc1QuantWeight);
      } else {
        System.arraycopy(fc1.weight().data(), 0, fc1QuantWeight, 0, fc1QuantWeight.length);
      }
      if (fc1.biasQuantizer().enabled()) {
        fc1.biasQuantizer().quantizeInto(fc1.bias().data(), fc1WeightScale, relu2Record.scale(), fc1BiasScale, fc1QuantBias);
      } else {
        System.arraycopy(fc1.bias().data(), 0, fc1QuantBias, 0, fc1QuantBias.length);
      }
      Dense.forward(maxPool2Out, n, 400, 120, fc1QuantWeight, fc1QuantBias, fc1Out);
      Activations.relu(fc1Out, relu3ActOut, n * 120);
      relu3.quantizer().forwardInto(relu3ActOut, relu3.isTraining(), relu3Out, relu3Record);
      if (fc2.weightQuantizer().enabled()) {
        fc2.weightQuantizer().quantizeInto(fc2.weight().data(), 84, fc2WeightStats, fc2WeightScale, fc2QuantWeight);
      } else {
        System.arraycopy(fc2.weight().data(), 0, fc2QuantWeight, 0, fc2QuantWeight.length);
      }
      if (fc2.biasQuantizer().enabled()) {
        fc2.biasQuantizer().quantizeInto(fc2.bias().data(), fc2WeightScale, relu3Record.scale(), fc2BiasScale, fc2QuantBias);
      } else {
        System.arraycopy(fc2.bias().data(), 0, fc2QuantBias, 0, fc2QuantBias.length);
      }
      Dense.forward(relu3Out, n, 120, 84, fc2QuantWeight, fc2QuantBias, fc2Out);
      Activations.relu(fc2Out, relu4ActOut, n * 84);
      relu4.quantizer().forwardInto(relu4ActOut, relu4.isTraining(), relu4Out, relu4Record);
      if (fc3.weightQuantizer().enabled()) {
        fc3.weightQuantizer().quantizeInto(fc3.weight().data(), 10, fc3WeightStats, fc3WeightScale, fc3QuantWeight);
      } else {
        System.arraycopy(fc3.weight().data(), 0, fc3QuantWeight, 0, fc3QuantWeight.length);
      }
      if (fc3.biasQuantizer().enabled()) {
        fc3.biasQuantizer().quantizeInto(fc3.bias().data(), fc3WeightScale, relu4Record.scale(), fc3BiasScale, fc3QuantBias);
      } else {
        System.arraycopy(fc3.bias().data(), 0, fc3QuantBias, 0, fc3QuantBias.length);
      }
      Dense.forward(relu4Out, n, 84, 10, fc3QuantWeight, fc3QuantBias, fc3Out);
      return fc3Out;
    }

    @Override
    public float loss(int[] labels) {
      if (labels.length != batch) {
        throw new IllegalArgumentException("cross entropy: expected " + batch + " labels, got " + labels.length);
      }
      this.labels = labels;
      return CrossEntropyLoss.forward(fc3Out, batch, 10, labels, softmax);
    }

    @Override
    public void backward() {
      CrossEntropyLoss.backward(softmax, batch, 10, labels, 1f, fc3Grad);
      Dense.backward(fc3Grad, relu4Out, batch, 84, 10, fc3QuantWeight, relu4Grad, fc3QuantWeightGrad, fc3QuantBiasGrad);
      relu4ScaleGrad = fc3.biasQuantizer().backwardInto(fc3.bias().data(), fc3BiasScale, fc3WeightScale, relu4Record.scale(), fc3QuantBiasGrad, fc3BiasGrad, fc3WeightScaleGrad);
      fc3.weightQuantizer().backwardInto(fc3.weight().data(), fc3WeightStats, fc3WeightScale, fc3QuantWeightGrad, fc3WeightScaleGrad, fc3WeightGrad);
      fc3.weight().accumulateGrad(fc3WeightGrad);
      fc3.bias().accumulateGrad(fc3BiasGrad);
      relu4.quantizer().backwardInto(relu4ActOut, relu4Grad, relu4Record, relu4ActGrad, relu4ScaleGrad);
      Activations.reluBackward(relu4ActGrad, relu4ActOut, fc2Grad, batch * 84);
      Dense.backward(fc2Grad, relu3Out, batch, 120, 84, fc2QuantWeight, relu3Grad, fc2QuantWeightGrad, fc2QuantBiasGrad);
      relu3ScaleGrad = fc2.biasQuantizer().backwardInto(fc2.bias().data(), fc2BiasScale, fc2WeightScale, relu3Record.scale(), fc2QuantBiasGrad, fc2BiasGrad, fc2WeightScaleGrad);
      fc2.weightQuantizer().backwardInto(fc2.weight().data(), fc2WeightStats, fc2WeightScale, fc2QuantWeightGrad, fc2WeightScaleGrad, fc2WeightGrad);
      fc2.weight().accumulateGrad(fc2WeightGrad);
      fc2.bias().accumulateGrad(fc2BiasGrad);
      relu3.quantizer().backwardInto(relu3ActOut, relu3Grad, relu3Record, relu3ActGrad, relu3ScaleGrad);
      Activations.reluBackward(relu3ActGrad, relu3ActOut, fc1Grad, batch * 120);
      Dense.backward(fc1Grad, maxPool2Out, batch, 400, 120, fc1QuantWeight, maxPool2Grad, fc1QuantWeightGrad, fc1QuantBiasGrad);
      relu2ScaleGrad = fc1.biasQuantizer().backwardInto(fc1.bias().data(), fc1BiasScale, fc1WeightScale, relu2Record.scale(), fc1QuantBiasGrad, fc1BiasGrad, fc1WeightScaleGrad);
      fc1.weightQuantizer().backwardInto(fc1.weight().data(), fc1WeightStats, fc1WeightScale, fc1QuantWeightGrad, fc1WeightScaleGrad, fc1WeightGrad);
      fc1.weight().accumulateGrad(fc1WeightGrad);
      fc1.bias().accumulateGrad(fc1BiasGrad);
      relu2.quantizer().backwardMaxPoolInto(relu2ActOut, maxPool2Grad, maxPool2Geometry, maxPool2Argmax, relu2Record, true, relu2Grad, relu2ActGrad, conv2Grad, relu2ScaleGrad);
      Convolution.backward(conv2Grad, maxPool1Out, conv2Geometry, 16, 1, conv2QuantWeight, maxPool1Grad, conv2QuantWeightGrad, conv2QuantBiasGrad, conv2WeightPartials);
      relu1ScaleGrad = conv2.biasQuantizer().backwardInto(conv2.bias().data(), conv2BiasScale, conv2WeightScale, relu1Record.scale(), conv2QuantBiasGrad, conv2BiasGrad, conv2WeightScaleGrad);
      conv2.weightQuantizer().backwardInto(conv2.weight().data(), conv2WeightStats, conv2WeightScale, conv2QuantWeightGrad, conv2WeightScaleGrad, conv2WeightGrad);
      conv2.weight().accumulateGrad(conv2WeightGrad);
      conv2.bias().accumulateGrad(conv2BiasGrad);
      relu1.quantizer().backwardMaxPoolInto(relu1ActOut, maxPool1Grad, maxPool1Geometry, maxPool1Argmax, relu1Record, true, relu1Grad, relu1ActGrad, conv1Grad, relu1ScaleGrad);
      Convolution.backward(conv1Grad, conv1InputQuantOut, conv1Geometry, 6, 1, conv1QuantWeight, conv1InputQuantGrad, conv1QuantWeightGrad, conv1QuantBiasGrad, conv1WeightPartials);
      conv1InputQuantScaleGrad = conv1.biasQuantizer().backwardInto(conv1.bias().data(), conv1BiasScale, conv1WeightScale, conv1InputQuantRecord.scale(), conv1QuantBiasGrad, conv1BiasGrad, conv1WeightScaleGrad);
      conv1.weightQuantizer().backwardInto(conv1.weight().data(), conv1WeightStats, conv1WeightScale, conv1QuantWeightGrad, conv1WeightScaleGrad, conv1WeightGrad);
      conv1.weight().accumulateGrad(conv1WeightGrad);
      conv1.bias().accumulateGrad(conv1BiasGrad);
      conv1.inputQuantizer().backwardInto(input, conv1InputQuantGrad, conv1InputQuantRecord, null, conv1InputQuantScaleGrad);
    }

    @Override
    public int classes() {
      return 10;
    }

    /**
     * Sizes every buffer for {@code n} samples, once per batch size.
     */
    private void allocate(int n) {
      if (n == batch) {
        return;
      }
      batch = n;
      conv1InputQuantOut = new float[n * 3072];
      conv1InputQuantGrad = new float[n * 3072];
      conv1Out = new float[n * 4704];
      conv1Grad = new float[n * 4704];
      conv1WeightGrad = new float[conv1.weight().data().length];
      conv1BiasGrad = new float[conv1.bias().data().length];
      conv1Geometry = new ConvGeometry(n, 3, 32, 32, 5, 5, 1, 1, 0, 0, 1, 1);
      conv1WeightPartials = new float[Convolution.partials(conv1Geometry, 6, 1)][conv1.weight().data().length];
      conv1QuantWeight = new float[conv1.weight().data().length];
      conv1QuantWeightGrad = new float[conv1.weight().data().length];
      conv1WeightStats = new float[conv1.weightQuantizer().config().perChannel() ? 6 : 1];
      conv1WeightScale = new float[conv1WeightStats.length];
      conv1QuantBias = new float[conv1.bias().data().length];
      conv1QuantBiasGrad = new float[conv1.bias().data().length];
      conv1BiasScale = new float[conv1WeightScale.length];
      conv1WeightScaleGrad = new float[conv1WeightScale.length];
      relu1Out = new float[n * 4704];
      relu1Grad = new float[n * 4704];
      relu1ActOut = new float[n * 4704];
      relu1ActGrad = new float[n * 4704];
      maxPool1Out = new float[n * 1176];
      maxPool1Grad = new float[n * 1176];
      maxPool1Geometry = new ConvGeometry(n, 6, 28, 28, 2, 2, 2, 2, 0, 0, 1, 1);
      maxPool1Argmax = new int[n * 1176];
      conv2Out = new float[n * 1600];
      conv2Grad = new float[n * 1600];
      conv2WeightGrad = new float[conv2.weight().data().length];
      conv2BiasGrad = new float[conv2.bias().data().length];
      conv2Geometry = new ConvGeometry(n, 6, 14, 14, 5, 5, 1, 1, 0, 0, 1, 1);
      conv2WeightPartials = new float[Convolution.partials(conv2Geometry, 16, 1)][conv2.weight().data().length];
      conv2QuantWeight = new float[conv2.weight().data().length];
      conv2QuantWeightGrad = new float[conv2.weight().data().length];
      conv2WeightStats = new float[conv2.weightQuantizer().config().perChannel() ? 16 : 1];
      conv2WeightScale = new float[conv2WeightStats.length];
      conv2QuantBias = new float[conv2.bias().data().length];
      conv2QuantBiasGrad = new float[conv2.bias().data().length];
      conv2BiasScale = new float[conv2WeightScale.length];
      conv2WeightScaleGrad = new float[conv2WeightScale.length];
      relu2Out = new float[n * 1600];
      relu2Grad = new float[n * 1600];
      relu2ActOut = new float[n * 1600];
      relu2ActGrad = new float[n * 1600];
      maxPool2Out = new float[n * 400];
      maxPool2Grad = new float[n * 400];
      maxPool2Geometry = new ConvGeometry(n, 16, 10, 10, 2, 2, 2, 2, 0, 0, 1, 1);
      maxPool2Argmax = new int[n * 400];
      fc1Out = new float[n * 120];
      fc1Grad = new float[n * 120];
      fc1WeightGrad = new float[fc1.weight().data().length];
      fc1BiasGrad = new float[fc1.bias().data().length];
      fc1QuantWeight = new float[fc1.weight().data().length];
      fc1QuantWeightGrad = new float[fc1.weight().data().length];
      fc1WeightStats = new float[fc1.weightQuantizer().config().perChannel() ? 120 : 1];
      fc1WeightScale = new float[fc1WeightStats.length];
      fc1QuantBias = new float[fc1.bias().data().length];
      fc1QuantBiasGrad = new float[fc1.bias().data().length];
      fc1BiasScale = new float[fc1WeightScale.length];
      fc1WeightScaleGrad = new float[fc1WeightScale.length];
      relu3Out = new float[n * 120];
      relu3Grad = new float[n * 120];
      relu3ActOut = new float[n * 120];
      relu3ActGrad = new float[n * 120];
      fc2Out = new float[n * 84];
      fc2Grad = new float[n * 84];
      fc2WeightGrad = new float[fc2.weight().data().length];
      fc2BiasGrad = new float[fc2.bias().data().length];
      fc2QuantWeight = new float[fc2.weight().data().length];
      fc2QuantWeightGrad = new float[fc2.weight().data().length];
      fc2WeightStats = new float[fc2.weightQuantizer().config().perChannel() ? 84 : 1];
      fc2WeightScale = new float[fc2WeightStats.length];
      fc2QuantBias = new float[fc2.bias().data().length];
      fc2QuantBiasGrad = new float[fc2.bias().data().length];
      fc2BiasScale = new float[fc2WeightScale.length];
      fc2WeightScaleGrad = new float[fc2WeightScale.length];
      relu4Out = new float[n * 84];
      relu4Grad = new float[n * 84];
      relu4ActOut = new float[n * 84];
      relu4ActGrad = new float[n * 84];
      fc3Out = new float[n * 10];
      fc3Grad = new float[n * 10];
      fc3WeightGrad = new float[fc3.weight().data().length];
      fc3BiasGrad = new float[fc3.bias().data().length];
      fc3QuantWeight = new float[fc3.weight().data().length];
      fc3QuantWeightGrad = new float[fc3.weight().data().length];
      fc3WeightStats = new float[fc3.weightQuantizer().config().perChannel() ? 10 : 1];
      fc3WeightScale = new float[fc3WeightStats.length];
      fc3QuantBias = new float[fc3.bias().data().length];
      fc3QuantBiasGrad = new float[fc3.bias().data().length];
      fc3BiasScale = new float[fc3WeightScale.length];
      fc3WeightScaleGrad = new float[fc3WeightScale.length];
      softmax = new float[n * 10];
    }
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
