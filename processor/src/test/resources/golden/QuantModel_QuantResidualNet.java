package dev.qnn4j.samples;

import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.kernels.Activations;
import dev.qnn4j.runtime.kernels.ConvGeometry;
import dev.qnn4j.runtime.kernels.Convolution;
import dev.qnn4j.runtime.kernels.Dense;
import dev.qnn4j.runtime.kernels.Elementwise;
import dev.qnn4j.runtime.kernels.Pooling;
import dev.qnn4j.runtime.nn.AdaptiveAvgPool2d;
import dev.qnn4j.runtime.nn.BatchNorm1d;
import dev.qnn4j.runtime.nn.BatchNorm2d;
import dev.qnn4j.runtime.nn.CompiledStep;
import dev.qnn4j.runtime.nn.Conv2dOptions;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.nn.ModelFactory;
import dev.qnn4j.runtime.nn.Module;
import dev.qnn4j.runtime.nn.QuantConv2d;
import dev.qnn4j.runtime.nn.QuantIdentity;
import dev.qnn4j.runtime.nn.QuantLinear;
import dev.qnn4j.runtime.nn.QuantReLU;
import dev.qnn4j.runtime.quant.ActQuantConfig;
import dev.qnn4j.runtime.quant.ActQuantizer;
import dev.qnn4j.runtime.quant.WeightQuantConfig;
import dev.qnn4j.runtime.train.CrossEntropyLoss;
import java.util.List;
import java.util.Optional;
import javax.annotation.processing.Generated;

/**
 * The generated implementation of {@link QuantResidualNet}: its layers as runtime modules, named as in
 * its PyTorch state dict.
 */
@Generated("dev.qnn4j.processor.QuantModelProcessor")
public final class QuantModel_QuantResidualNet extends QuantResidualNet implements Model {
  private final QuantIdentity quantInp = new QuantIdentity("quant_inp", ActQuantConfig.signed(4));

  private final QuantConv2d conv1 = QuantConv2d.builder("conv1", Conv2dOptions.of(3, 8, 3).withPadding(1))
      .withoutBias()
      .weightQuant(WeightQuantConfig.perTensorFloat(4))
      .build();

  private final BatchNorm2d bn1 = new BatchNorm2d("bn1", 8, 1.0E-5f, 0.1f);

  private final QuantReLU relu1 = new QuantReLU("relu1", ActQuantConfig.unsigned(4));

  private final QuantConv2d conv2 = QuantConv2d.builder("conv2", Conv2dOptions.of(8, 8, 3).withPadding(1))
      .withoutBias()
      .weightQuant(WeightQuantConfig.perTensorFloat(4))
      .build();

  private final BatchNorm2d bn2 = new BatchNorm2d("bn2", 8, 1.0E-5f, 0.1f);

  private final QuantReLU relu2 = new QuantReLU("relu2", ActQuantConfig.unsigned(4));

  private final QuantConv2d conv3 = QuantConv2d.builder("conv3", Conv2dOptions.of(8, 8, 3).withPadding(1))
      .withoutBias()
      .weightQuant(WeightQuantConfig.perTensorFloat(4))
      .build();

  private final BatchNorm2d bn3 = new BatchNorm2d("bn3", 8, 1.0E-5f, 0.1f);

  private final QuantReLU relu3 = new QuantReLU("relu3", ActQuantConfig.unsigned(4));

  private final AdaptiveAvgPool2d pool = new AdaptiveAvgPool2d("pool", 2);

  private final QuantLinear fc1 = QuantLinear.builder("fc1", 32, 16)
      .withoutBias()
      .weightQuant(WeightQuantConfig.perTensorFloat(4))
      .build();

  private final BatchNorm1d bn4 = new BatchNorm1d("bn4", 16, 1.0E-5f, 0.1f);

  private final QuantReLU relu4 = new QuantReLU("relu4", ActQuantConfig.unsigned(4));

  private final QuantLinear fc2 = QuantLinear.builder("fc2", 16, 10)
      .weightQuant(WeightQuantConfig.perTensorFloat(4))
      .build();

  private final List<Module> layers = List.of(quantInp, conv1, bn1, relu1, conv2, bn2, relu2, conv3, bn3, relu3, pool, fc1, bn4, relu4, fc2);

  private final Step step = new Step();

  @Override
  Tensor quantInp(Tensor x) {
    return quantInp.forward(x);
  }

  @Override
  Tensor conv1(Tensor x) {
    return conv1.forward(x);
  }

  @Override
  Tensor bn1(Tensor x) {
    return bn1.forward(x);
  }

  @Override
  Tensor relu1(Tensor x) {
    return relu1.forward(x);
  }

  @Override
  Tensor conv2(Tensor x) {
    return conv2.forward(x);
  }

  @Override
  Tensor bn2(Tensor x) {
    return bn2.forward(x);
  }

  @Override
  Tensor relu2(Tensor x) {
    return relu2.forward(x);
  }

  @Override
  Tensor conv3(Tensor x) {
    return conv3.forward(x);
  }

  @Override
  Tensor bn3(Tensor x) {
    return bn3.forward(x);
  }

  @Override
  Tensor relu3(Tensor x) {
    return relu3.forward(x);
  }

  @Override
  Tensor pool(Tensor x) {
    return pool.forward(x);
  }

  @Override
  Tensor fc1(Tensor x) {
    return fc1.forward(x);
  }

  @Override
  Tensor bn4(Tensor x) {
    return bn4.forward(x);
  }

  @Override
  Tensor relu4(Tensor x) {
    return relu4.forward(x);
  }

  @Override
  Tensor fc2(Tensor x) {
    return fc2.forward(x);
  }

  @Override
  public String modelName() {
    return "QuantResidualNet";
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
    StringBuilder description = new StringBuilder("QuantResidualNet(\n");
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

    private float[] quantInpOut;

    private float[] quantInpGrad;

    private final ActQuantizer.StepRecord quantInpRecord = new ActQuantizer.StepRecord();

    private float[] conv1Out;

    private float[] conv1Grad;

    private ConvGeometry conv1Geometry;

    private float[][] conv1WeightPartials;

    private float[] conv1WeightGrad;

    private float[] conv1QuantWeight;

    private float[] conv1QuantWeightGrad;

    private float[] conv1WeightStats;

    private float[] conv1WeightScale;

    private float[] bn1Out;

    private float[] bn1Grad;

    private float[] bn1Mean;

    private float[] bn1InvStd;

    private float[] bn1Xhat;

    private float[] bn1WeightGrad;

    private float[] bn1BiasGrad;

    /**
     * Whether the last forward normalised with the batch's statistics.
     */
    private boolean bn1BatchStats;

    private float[] relu1Out;

    private float[] relu1Grad;

    private final ActQuantizer.StepRecord relu1Record = new ActQuantizer.StepRecord();

    private float[] relu1ActOut;

    private float[] relu1ActGrad;

    private float[] maxPool1Out;

    private float[] maxPool1Grad;

    private ConvGeometry maxPool1Geometry;

    private int[] maxPool1Argmax;

    private float[] maxPool1GradPart;

    private float[] conv2Out;

    private float[] conv2Grad;

    private ConvGeometry conv2Geometry;

    private float[][] conv2WeightPartials;

    private float[] conv2WeightGrad;

    private float[] conv2QuantWeight;

    private float[] conv2QuantWeightGrad;

    private float[] conv2WeightStats;

    private float[] conv2WeightScale;

    private float[] bn2Out;

    private float[] bn2Grad;

    private float[] bn2Mean;

    private float[] bn2InvStd;

    private float[] bn2Xhat;

    private float[] bn2WeightGrad;

    private float[] bn2BiasGrad;

    /**
     * Whether the last forward normalised with the batch's statistics.
     */
    private boolean bn2BatchStats;

    private float[] relu2Out;

    private float[] relu2Grad;

    private final ActQuantizer.StepRecord relu2Record = new ActQuantizer.StepRecord();

    private float[] relu2ActOut;

    private float[] relu2ActGrad;

    private float[] conv3Out;

    private float[] conv3Grad;

    private ConvGeometry conv3Geometry;

    private float[][] conv3WeightPartials;

    private float[] conv3WeightGrad;

    private float[] conv3QuantWeight;

    private float[] conv3QuantWeightGrad;

    private float[] conv3WeightStats;

    private float[] conv3WeightScale;

    private float[] bn3Out;

    private float[] bn3Grad;

    private float[] bn3Mean;

    private float[] bn3InvStd;

    private float[] bn3Xhat;

    private float[] bn3WeightGrad;

    private float[] bn3BiasGrad;

    /**
     * Whether the last forward normalised with the batch's statistics.
     */
    private boolean bn3BatchStats;

    private float[] add1Out;

    private float[] add1Grad;

    private float[] relu3Out;

    private float[] relu3Grad;

    private final ActQuantizer.StepRecord relu3Record = new ActQuantizer.StepRecord();

    private float[] relu3ActOut;

    private float[] relu3ActGrad;

    private float[] avgPool1Out;

    private float[] avgPool1Grad;

    private ConvGeometry avgPool1Geometry;

    private float[] poolOut;

    private float[] poolGrad;

    private ConvGeometry poolGeometry;

    private float[] fc1Out;

    private float[] fc1Grad;

    private float[] fc1WeightGrad;

    private float[] fc1QuantWeight;

    private float[] fc1QuantWeightGrad;

    private float[] fc1WeightStats;

    private float[] fc1WeightScale;

    private float[] bn4Out;

    private float[] bn4Grad;

    private float[] bn4Mean;

    private float[] bn4InvStd;

    private float[] bn4Xhat;

    private float[] bn4WeightGrad;

    private float[] bn4BiasGrad;

    /**
     * Whether the last forward normalised with the batch's statistics.
     */
    private boolean bn4BatchStats;

    private float[] relu4Out;

    private float[] relu4Grad;

    private final ActQuantizer.StepRecord relu4Record = new ActQuantizer.StepRecord();

    private float[] relu4ActOut;

    private float[] relu4ActGrad;

    private float[] fc2Out;

    private float[] fc2Grad;

    private float[] fc2WeightGrad;

    private float[] fc2BiasGrad;

    private float[] fc2QuantWeight;

    private float[] fc2QuantWeightGrad;

    private float[] fc2WeightStats;

    private float[] fc2WeightScale;

    @Override
    public float[] forward(float[] input, int n) {
      if (input.length != n * 3072) {
        throw new IllegalArgumentException("expected " + n * 3072 + " input values, got " + input.length);
      }
      allocate(n);
      this.input = input;
      quantInp.quantizer().forwardInto(input, quantInp.isTraining(), quantInpOut, quantInpRecord);
      if (conv1.weightQuantizer().enabled()) {
        conv1.weightQuantizer().quantizeInto(conv1.weight().data(), 8, conv1WeightStats, conv1WeightScale, conv1QuantWeight);
      } else {
        System.arraycopy(conv1.weight().data(), 0, conv1QuantWeight, 0, conv1QuantWeight.length);
      }
      Convolution.forward(quantInpOut, conv1Geometry, 8, 1, conv1QuantWeight, null, conv1Out);
      bn1BatchStats = bn1.forwardInto(conv1Out, n, 1024, bn1Mean, bn1InvStd, bn1Xhat, bn1Out);
      Activations.relu(bn1Out, relu1ActOut, n * 8192);
      relu1.quantizer().forwardMaxPoolInto(relu1ActOut, relu1.isTraining(), relu1Out, maxPool1Geometry, maxPool1Argmax, maxPool1Out, relu1Record);
      if (conv2.weightQuantizer().enabled()) {
        conv2.weightQuantizer().quantizeInto(conv2.weight().data(), 8, conv2WeightStats, conv2WeightScale, conv2QuantWeight);
      } else {
        System.arraycopy(conv2.weight().data(), 0, conv2QuantWeight, 0, conv2QuantWeight.length);
      }
      Convolution.forward(maxPool1Out, conv2Geometry, 8, 1, conv2QuantWeight, null, conv2Out);
      bn2BatchStats = bn2.forwardInto(conv2Out, n, 256, bn2Mean, bn2InvStd, bn2Xhat, bn2Out);
      Activations.relu(bn2Out, relu2ActOut, n * 2048);
      relu2.quantizer().forwardInto(relu2ActOut, relu2.isTraining(), relu2Out, relu2Record);
      if (conv3.weightQuantizer().enabled()) {
        conv3.weightQuantizer().quantizeInto(conv3.weight().data(), 8, conv3WeightStats, conv3WeightScale, conv3QuantWeight);
      } else {
        System.arraycopy(conv3.weight().data(), 0, conv3QuantWeight, 0, conv3QuantWeight.length);
      }
      Convolution.forward(relu2Out, conv3Geometry, 8, 1, conv3QuantWeight, null, conv3Out);
      bn3BatchStats = bn3.forwardInto(conv3Out, n, 256, bn3Mean, bn3InvStd, bn3Xhat, bn3Out);
      Elementwise.add(bn3Out, maxPool1Out, add1Out, n * 2048);
      Activations.relu(add1Out, relu3ActOut, n * 2048);
      relu3.quantizer().forwardInto(relu3ActOut, relu3.isTraining(), relu3Out, relu3Record);
      Pooling.avgForward(relu3Out, avgPool1Geometry, avgPool1Out);
      Pooling.avgForward(avgPool1Out, poolGeometry, poolOut);
      if (fc1.weightQuantizer().enabled()) {
        fc1.weightQuantizer().quantizeInto(fc1.weight().data(), 16, fc1WeightStats, fc1WeightScale, fc1QuantWeight);
      } else {
        System.arraycopy(fc1.weight().data(), 0, fc1QuantWeight, 0, fc1QuantWeight.length);
      }
      Dense.forward(poolOut, n, 32, 16, fc1QuantWeight, null, fc1Out);
      bn4BatchStats = bn4.forwardInto(fc1Out, n, 1, bn4Mean, bn4InvStd, bn4Xhat, bn4Out);
      Activations.relu(bn4Out, relu4ActOut, n * 16);
      relu4.quantizer().forwardInto(relu4ActOut, relu4.isTraining(), relu4Out, relu4Record);
      if (fc2.weightQuantizer().enabled()) {
        fc2.weightQuantizer().quantizeInto(fc2.weight().data(), 10, fc2WeightStats, fc2WeightScale, fc2QuantWeight);
      } else {
        System.arraycopy(fc2.weight().data(), 0, fc2QuantWeight, 0, fc2QuantWeight.length);
      }
      Dense.forward(relu4Out, n, 16, 10, fc2QuantWeight, fc2.bias().data(), fc2Out);
      return fc2Out;
    }

    @Override
    public float loss(int[] labels) {
      if (labels.length != batch) {
        throw new IllegalArgumentException("cross entropy: expected " + batch + " labels, got " + labels.length);
      }
      this.labels = labels;
      return CrossEntropyLoss.forward(fc2Out, batch, 10, labels, softmax);
    }

    @Override
    public void backward() {
      CrossEntropyLoss.backward(softmax, batch, 10, labels, 1f, fc2Grad);
      Dense.backward(fc2Grad, relu4Out, batch, 16, 10, fc2QuantWeight, relu4Grad, fc2QuantWeightGrad, fc2BiasGrad);
      fc2.weightQuantizer().backwardInto(fc2.weight().data(), fc2WeightStats, fc2WeightScale, fc2QuantWeightGrad, fc2WeightGrad);
      fc2.weight().accumulateGrad(fc2WeightGrad);
      fc2.bias().accumulateGrad(fc2BiasGrad);
      relu4.quantizer().backwardInto(relu4ActOut, relu4Grad, relu4Record, relu4ActGrad);
      Activations.reluBackward(relu4ActGrad, relu4ActOut, bn4Grad, batch * 16);
      bn4.backwardInto(bn4Grad, batch, 1, bn4BatchStats, bn4InvStd, bn4Xhat, fc1Grad, bn4WeightGrad, bn4BiasGrad);
      Dense.backward(fc1Grad, poolOut, batch, 32, 16, fc1QuantWeight, poolGrad, fc1QuantWeightGrad, null);
      fc1.weightQuantizer().backwardInto(fc1.weight().data(), fc1WeightStats, fc1WeightScale, fc1QuantWeightGrad, fc1WeightGrad);
      fc1.weight().accumulateGrad(fc1WeightGrad);
      Pooling.avgBackward(poolGrad, poolGeometry, avgPool1Grad);
      Pooling.avgBackward(avgPool1Grad, avgPool1Geometry, relu3Grad);
      relu3.quantizer().backwardInto(relu3ActOut, relu3Grad, relu3Record, relu3ActGrad);
      Activations.reluBackward(relu3ActGrad, relu3ActOut, add1Grad, batch * 2048);
      System.arraycopy(add1Grad, 0, bn3Grad, 0, batch * 2048);
      System.arraycopy(add1Grad, 0, maxPool1Grad, 0, batch * 2048);
      bn3.backwardInto(bn3Grad, batch, 256, bn3BatchStats, bn3InvStd, bn3Xhat, conv3Grad, bn3WeightGrad, bn3BiasGrad);
      Convolution.backward(conv3Grad, relu2Out, conv3Geometry, 8, 1, conv3QuantWeight, relu2Grad, conv3QuantWeightGrad, null, conv3WeightPartials);
      conv3.weightQuantizer().backwardInto(conv3.weight().data(), conv3WeightStats, conv3WeightScale, conv3QuantWeightGrad, conv3WeightGrad);
      conv3.weight().accumulateGrad(conv3WeightGrad);
      relu2.quantizer().backwardInto(relu2ActOut, relu2Grad, relu2Record, relu2ActGrad);
      Activations.reluBackward(relu2ActGrad, relu2ActOut, bn2Grad, batch * 2048);
      bn2.backwardInto(bn2Grad, batch, 256, bn2BatchStats, bn2InvStd, bn2Xhat, conv2Grad, bn2WeightGrad, bn2BiasGrad);
      Convolution.backward(conv2Grad, maxPool1Out, conv2Geometry, 8, 1, conv2QuantWeight, maxPool1GradPart, conv2QuantWeightGrad, null, conv2WeightPartials);
      conv2.weightQuantizer().backwardInto(conv2.weight().data(), conv2WeightStats, conv2WeightScale, conv2QuantWeightGrad, conv2WeightGrad);
      conv2.weight().accumulateGrad(conv2WeightGrad);
      Elementwise.accumulate(maxPool1GradPart, maxPool1Grad, batch * 2048);
      relu1.quantizer().backwardMaxPoolInto(relu1ActOut, maxPool1Grad, maxPool1Geometry, maxPool1Argmax, relu1Record, true, relu1Grad, relu1ActGrad, bn1Grad);
      bn1.backwardInto(bn1Grad, batch, 1024, bn1BatchStats, bn1InvStd, bn1Xhat, conv1Grad, bn1WeightGrad, bn1BiasGrad);
      Convolution.backward(conv1Grad, quantInpOut, conv1Geometry, 8, 1, conv1QuantWeight, quantInpGrad, conv1QuantWeightGrad, null, conv1WeightPartials);
      conv1.weightQuantizer().backwardInto(conv1.weight().data(), conv1WeightStats, conv1WeightScale, conv1QuantWeightGrad, conv1WeightGrad);
      conv1.weight().accumulateGrad(conv1WeightGrad);
      quantInp.quantizer().backwardInto(input, quantInpGrad, quantInpRecord, null);
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
      quantInpOut = new float[n * 3072];
      quantInpGrad = new float[n * 3072];
      conv1Out = new float[n * 8192];
      conv1Grad = new float[n * 8192];
      conv1WeightGrad = new float[conv1.weight().data().length];
      conv1Geometry = new ConvGeometry(n, 3, 32, 32, 3, 3, 1, 1, 1, 1, 1, 1);
      conv1WeightPartials = new float[Convolution.partials(conv1Geometry, 8, 1)][conv1.weight().data().length];
      conv1QuantWeight = new float[conv1.weight().data().length];
      conv1QuantWeightGrad = new float[conv1.weight().data().length];
      conv1WeightStats = new float[conv1.weightQuantizer().config().perChannel() ? 8 : 1];
      conv1WeightScale = new float[conv1WeightStats.length];
      bn1Out = new float[n * 8192];
      bn1Grad = new float[n * 8192];
      bn1Mean = new float[8];
      bn1InvStd = new float[8];
      bn1WeightGrad = new float[8];
      bn1BiasGrad = new float[8];
      bn1Xhat = new float[n * 8192];
      relu1Out = new float[n * 8192];
      relu1Grad = new float[n * 8192];
      relu1ActOut = new float[n * 8192];
      relu1ActGrad = new float[n * 8192];
      maxPool1Out = new float[n * 2048];
      maxPool1Grad = new float[n * 2048];
      maxPool1Geometry = new ConvGeometry(n, 8, 32, 32, 2, 2, 2, 2, 0, 0, 1, 1);
      maxPool1Argmax = new int[n * 2048];
      maxPool1GradPart = new float[n * 2048];
      conv2Out = new float[n * 2048];
      conv2Grad = new float[n * 2048];
      conv2WeightGrad = new float[conv2.weight().data().length];
      conv2Geometry = new ConvGeometry(n, 8, 16, 16, 3, 3, 1, 1, 1, 1, 1, 1);
      conv2WeightPartials = new float[Convolution.partials(conv2Geometry, 8, 1)][conv2.weight().data().length];
      conv2QuantWeight = new float[conv2.weight().data().length];
      conv2QuantWeightGrad = new float[conv2.weight().data().length];
      conv2WeightStats = new float[conv2.weightQuantizer().config().perChannel() ? 8 : 1];
      conv2WeightScale = new float[conv2WeightStats.length];
      bn2Out = new float[n * 2048];
      bn2Grad = new float[n * 2048];
      bn2Mean = new float[8];
      bn2InvStd = new float[8];
      bn2WeightGrad = new float[8];
      bn2BiasGrad = new float[8];
      bn2Xhat = new float[n * 2048];
      relu2Out = new float[n * 2048];
      relu2Grad = new float[n * 2048];
      relu2ActOut = new float[n * 2048];
      relu2ActGrad = new float[n * 2048];
      conv3Out = new float[n * 2048];
      conv3Grad = new float[n * 2048];
      conv3WeightGrad = new float[conv3.weight().data().length];
      conv3Geometry = new ConvGeometry(n, 8, 16, 16, 3, 3, 1, 1, 1, 1, 1, 1);
      conv3WeightPartials = new float[Convolution.partials(conv3Geometry, 8, 1)][conv3.weight().data().length];
      conv3QuantWeight = new float[conv3.weight().data().length];
      conv3QuantWeightGrad = new float[conv3.weight().data().length];
      conv3WeightStats = new float[conv3.weightQuantizer().config().perChannel() ? 8 : 1];
      conv3WeightScale = new float[conv3WeightStats.length];
      bn3Out = new float[n * 2048];
      bn3Grad = new float[n * 2048];
      bn3Mean = new float[8];
      bn3InvStd = new float[8];
      bn3WeightGrad = new float[8];
      bn3BiasGrad = new float[8];
      bn3Xhat = new float[n * 2048];
      add1Out = new float[n * 2048];
      add1Grad = new float[n * 2048];
      relu3Out = new float[n * 2048];
      relu3Grad = new float[n * 2048];
      relu3ActOut = new float[n * 2048];
      relu3ActGrad = new float[n * 2048];
      avgPool1Out = new float[n * 512];
      avgPool1Grad = new float[n * 512];
      avgPool1Geometry = new ConvGeometry(n, 8, 16, 16, 2, 2, 2, 2, 0, 0, 1, 1);
      poolOut = new float[n * 32];
      poolGrad = new float[n * 32];
      poolGeometry = new ConvGeometry(n, 8, 8, 8, 4, 4, 4, 4, 0, 0, 1, 1);
      fc1Out = new float[n * 16];
      fc1Grad = new float[n * 16];
      fc1WeightGrad = new float[fc1.weight().data().length];
      fc1QuantWeight = new float[fc1.weight().data().length];
      fc1QuantWeightGrad = new float[fc1.weight().data().length];
      fc1WeightStats = new float[fc1.weightQuantizer().config().perChannel() ? 16 : 1];
      fc1WeightScale = new float[fc1WeightStats.length];
      bn4Out = new float[n * 16];
      bn4Grad = new float[n * 16];
      bn4Mean = new float[16];
      bn4InvStd = new float[16];
      bn4WeightGrad = new float[16];
      bn4BiasGrad = new float[16];
      bn4Xhat = new float[n * 16];
      relu4Out = new float[n * 16];
      relu4Grad = new float[n * 16];
      relu4ActOut = new float[n * 16];
      relu4ActGrad = new float[n * 16];
      fc2Out = new float[n * 10];
      fc2Grad = new float[n * 10];
      fc2WeightGrad = new float[fc2.weight().data().length];
      fc2BiasGrad = new float[fc2.bias().data().length];
      fc2QuantWeight = new float[fc2.weight().data().length];
      fc2QuantWeightGrad = new float[fc2.weight().data().length];
      fc2WeightStats = new float[fc2.weightQuantizer().config().perChannel() ? 10 : 1];
      fc2WeightScale = new float[fc2WeightStats.length];
      softmax = new float[n * 10];
    }
  }

  /**
   * Creates {@link QuantResidualNet}; registered in {@code META-INF/services/dev.qnn4j.runtime.nn.ModelFactory}.
   */
  public static final class Factory implements ModelFactory {
    @Override
    public String modelName() {
      return "QuantResidualNet";
    }

    @Override
    public String declaringClassName() {
      return "dev.qnn4j.samples.QuantResidualNet";
    }

    @Override
    public Model create() {
      return new QuantModel_QuantResidualNet();
    }
  }
}
