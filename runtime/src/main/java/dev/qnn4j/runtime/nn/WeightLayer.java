package dev.qnn4j.runtime.nn;

import dev.qnn4j.runtime.Parameter;
import dev.qnn4j.runtime.QuantTensor;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.kernels.NdArrays;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A float layer with a weight and an optional bias (PyTorch's convolution and linear layers). Its
 * quantized forms ({@link QuantConv2d}, {@link QuantLinear}) extend its float forms and add a
 * {@link WeightLayerQuantizers}; a {@code WeightLayer} that is not a {@link QuantWeightLayer} has
 * no quantizer at all.
 */
public abstract class WeightLayer extends Module {
  protected final Parameter weight;
  protected final Parameter bias;
  private final int fanIn;

  protected WeightLayer(String name, long[] weightShape, int biasSize, int fanIn) {
    super(name);
    this.weight =
        new Parameter(name + ".weight", new float[(int) NdArrays.numel(weightShape)], weightShape);
    this.bias = biasSize > 0 ? new Parameter(name + ".bias", new float[biasSize], biasSize) : null;
    this.fanIn = fanIn;
    resetParameters(new Random(0));
  }

  /** Re-initialises weight and bias with PyTorch's default distributions from {@code rng}. */
  public void resetParameters(Random rng) {
    double bound = Init.defaultBound(fanIn);
    weight.set(Init.uniform(rng, (int) weight.numel(), bound));
    if (bias != null) {
      bias.set(Init.uniform(rng, (int) bias.numel(), bound));
    }
  }

  /** Checks the input's rank and channels, naming this layer and both shapes on a mismatch. */
  protected abstract void checkInput(Tensor x);

  /** The layer's float computation on (possibly already quantized) operands. */
  public abstract Tensor compute(Tensor input, Tensor weight, Tensor bias);

  /**
   * The products summed per output, as Brevitas counts them for an output's bit width: kernel
   * elements times {@code weight.shape[1]} (the fan-in for convolutions and linear layers).
   */
  protected long accumulatorPatch() {
    return fanIn;
  }

  /** The axis of the output that per-channel weight scales run along. */
  protected abstract int outputChannelAxis();

  public Parameter weight() {
    return weight;
  }

  public Parameter bias() {
    return bias;
  }

  @Override
  public void zeroGrad() {
    weight.zeroGrad();
    if (bias != null) {
      bias.zeroGrad();
    }
  }

  @Override
  public List<Parameter> parameters() {
    List<Parameter> ps = new ArrayList<>();
    ps.add(weight);
    if (bias != null) {
      ps.add(bias);
    }
    return ps;
  }

  public Tensor forward(Tensor x) {
    return Tracer.layer(this, forwardUntraced(x), x);
  }

  /**
   * The layer's result, without recording the call; the quantized layers add their quantizers here.
   */
  protected Tensor forwardUntraced(Tensor x) {
    checkInput(x);
    return compute(x, weight, bias);
  }

  /** A QuantTensor's value without its metadata (Brevitas' return_quant_tensor = False). */
  static Tensor plain(QuantTensor q) {
    return new Tensor(q) {};
  }

  /** The quantizers' part of {@link #describe()}: empty for a float layer. */
  protected String quantDescription() {
    return "";
  }
}
