package dev.qnn4j.runtime.train;

import dev.qnn4j.runtime.QuantTensor;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.data.Dataset;
import dev.qnn4j.runtime.nn.Conv2dOptions;
import dev.qnn4j.runtime.nn.F;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.nn.Module;
import dev.qnn4j.runtime.nn.QuantConv2d;
import dev.qnn4j.runtime.nn.QuantIdentity;
import dev.qnn4j.runtime.nn.QuantLinear;
import dev.qnn4j.runtime.nn.QuantReLU;
import dev.qnn4j.runtime.nn.ReLU;
import dev.qnn4j.runtime.quant.ActQuantConfig;
import dev.qnn4j.runtime.quant.BiasQuantConfig;
import dev.qnn4j.runtime.quant.ScaleRestriction;
import dev.qnn4j.runtime.quant.WeightQuantConfig;
import java.util.List;
import java.util.Random;

/** Small models and data sets for the training tests. */
public final class TestModels {
  private TestModels() {}

  /** An activation quantizer that collects statistics for only {@code steps} steps. */
  static ActQuantConfig act(boolean signed, int steps) {
    return new ActQuantConfig(
        4,
        signed,
        false,
        ScaleRestriction.FLOAT,
        steps,
        ActQuantConfig.DEFAULT_PERCENTILE,
        ActQuantConfig.DEFAULT_STATS_MOMENTUM);
  }

  /**
   * A fully quantized net on 1x8x8 inputs, 4 classes, whose activation quantizers leave their
   * statistics phase after 3 steps, so short runs cover the switch to learned scales.
   */
  public static final class TinyQuantNet implements Model {
    final QuantIdentity quantInp = new QuantIdentity("quant_inp", act(true, 3), true);
    final QuantConv2d conv1 =
        new QuantConv2d(
            "conv1",
            Conv2dOptions.of(1, 4, 3),
            WeightQuantConfig.perTensorFloat(4),
            BiasQuantConfig.int32(),
            null,
            null,
            false);
    final QuantReLU relu1 = new QuantReLU("relu1", act(false, 3), true);
    public final QuantLinear fc1 =
        new QuantLinear(
            "fc1",
            36,
            4,
            true,
            WeightQuantConfig.perTensorFloat(4),
            BiasQuantConfig.int32(),
            null,
            null,
            false);

    @Override
    public String modelName() {
      return "TinyQuantNet";
    }

    @Override
    public List<Module> layers() {
      return List.of(quantInp, conv1, relu1, fc1);
    }

    @Override
    public long[] inputShape() {
      return new long[] {1, 8, 8};
    }

    @Override
    public Tensor forward(Tensor x) {
      QuantTensor out = quantInp.forwardQuant(x);
      out = F.maxPool2d(relu1.forwardQuant(conv1.forward(out)), 2);
      return fc1.forward(F.flatten(out));
    }
  }

  /** Same layers and names as {@link TinyQuantNet}, but another model. */
  static final class OtherNet implements Model {
    final TinyQuantNet inner = new TinyQuantNet();

    @Override
    public String modelName() {
      return "OtherNet";
    }

    @Override
    public List<Module> layers() {
      return inner.layers();
    }

    @Override
    public Tensor forward(Tensor x) {
      return inner.forward(x);
    }
  }

  /**
   * A float or weight-quantized net on 3x12x12 inputs: conv, ReLU, max-pool, conv, ReLU, flatten,
   * linear, ReLU, linear. {@code weightBits} 0 makes it a float model.
   */
  static final class ChainNet implements Model {
    final QuantConv2d conv1;
    final ReLU relu1 = new ReLU("relu1");
    final QuantConv2d conv2;
    final ReLU relu2 = new ReLU("relu2");
    final QuantLinear fc1;
    final ReLU relu3 = new ReLU("relu3");
    final QuantLinear fc2;

    ChainNet(int weightBits) {
      WeightQuantConfig wq = weightBits == 0 ? null : WeightQuantConfig.perTensorFloat(weightBits);
      conv1 = new QuantConv2d("conv1", Conv2dOptions.of(3, 8, 3), wq, null, null, null, false);
      conv2 = new QuantConv2d("conv2", Conv2dOptions.of(8, 6, 3), wq, null, null, null, false);
      fc1 = new QuantLinear("fc1", 6 * 3 * 3, 16, true, wq, null, null, null, false);
      fc2 = new QuantLinear("fc2", 16, 5, true, wq, null, null, null, false);
    }

    @Override
    public String modelName() {
      return "ChainNet";
    }

    @Override
    public List<Module> layers() {
      return List.of(conv1, relu1, conv2, relu2, fc1, relu3, fc2);
    }

    @Override
    public Tensor forward(Tensor x) {
      Tensor out = F.maxPool2d(relu1.forward(conv1.forward(x)), 2); // 12 -> 10 -> 5
      out = relu2.forward(conv2.forward(out)); // 5 -> 3
      out = relu3.forward(fc1.forward(F.flatten(out)));
      return fc2.forward(out);
    }
  }

  /**
   * {@code n} images of {@code channels x size x size}: dim noise plus one bright quadrant, whose
   * index (0..3) is the label.
   */
  public static Dataset quadrants(int n, int channels, int size, long seed) {
    Random rng = new Random(seed);
    int half = size / 2;
    float[] images = new float[n * channels * size * size];
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      int label = rng.nextInt(4);
      labels[i] = label;
      int top = label / 2 * half;
      int left = label % 2 * half;
      for (int c = 0; c < channels; c++) {
        for (int y = 0; y < size; y++) {
          for (int x = 0; x < size; x++) {
            boolean bright = y >= top && y < top + half && x >= left && x < left + half;
            images[((i * channels + c) * size + y) * size + x] =
                (float) ((bright ? 1.0 : 0.0) + 0.3 * rng.nextGaussian());
          }
        }
      }
    }
    return Dataset.of(images, labels, channels, size, size, 4);
  }

  /** A batch of uniform [0, 1) values. */
  static Tensor uniform(long seed, long... shape) {
    Random rng = new Random(seed);
    int n = 1;
    for (long d : shape) {
      n *= (int) d;
    }
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = rng.nextFloat();
    }
    return Tensor.of(v, shape);
  }
}
