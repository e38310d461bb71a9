package dev.qnn4j.runtime.bench;

import dev.qnn4j.runtime.Parameter;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.autograd.Ops;
import dev.qnn4j.runtime.kernels.FakeQuant;
import dev.qnn4j.runtime.kernels.NdArrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * JMH benchmarks of the kernels on the seed LeNet's shapes at batch 64: fused fake quantization
 * (forward and backward), convolution forward and backward, and linear. Run with {@code
 * benchmarks/jmh.sh} (see BENCHMARKS.md).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class KernelBenchmarks {
  /** conv1 of the LeNet (3 -> 6 channels on 32x32) or conv2 (6 -> 16 on 14x14). */
  @Param({"conv1", "conv2"})
  public String layer;

  private Parameter input;
  private Parameter weight;
  private Parameter bias;
  private Tensor convOut;
  private INDArrayHolder upstream;
  private float[] activations;
  private float[] fakeQuantOut;
  private float[] gradIn;
  private Parameter fcIn;
  private Parameter fcWeight;
  private Parameter fcBias;

  /** Keeps the upstream gradient out of the JMH state's public surface. */
  private static final class INDArrayHolder {
    final org.nd4j.linalg.api.ndarray.INDArray value;

    INDArrayHolder(org.nd4j.linalg.api.ndarray.INDArray value) {
      this.value = value;
    }
  }

  @Setup
  public void setup() {
    Random rng = new Random(1);
    boolean first = layer.equals("conv1");
    int c = first ? 3 : 6;
    int o = first ? 6 : 16;
    int side = first ? 32 : 14;
    input = random(rng, "x", 64, c, side, side);
    weight = random(rng, "w", o, c, 5, 5);
    bias = random(rng, "b", o);
    convOut =
        Ops.conv2d(input, weight, bias, new int[] {1, 1}, new int[] {0, 0}, new int[] {1, 1}, 1);
    upstream = new INDArrayHolder(random(rng, "g", convOut.shape()).value());
    activations = convOut.toFloatArray();
    fakeQuantOut = new float[activations.length];
    gradIn = new float[activations.length];
    fcIn = random(rng, "fx", 64, 400);
    fcWeight = random(rng, "fw", 120, 400);
    fcBias = random(rng, "fb", 120);
  }

  private static Parameter random(Random rng, String name, long... shape) {
    float[] v = new float[(int) NdArrays.numel(shape)];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) rng.nextGaussian();
    }
    return new Parameter(name, v, shape);
  }

  @Benchmark
  public void fakeQuantForward(Blackhole bh) {
    FakeQuant.forward(activations, new float[] {0.1f}, 1, 0f, 0f, 15f, fakeQuantOut);
    bh.consume(fakeQuantOut);
  }

  @Benchmark
  public float[] fakeQuantBackward() {
    return FakeQuant.backward(
        activations, new float[] {0.1f}, 1, 0f, 0f, 15f, activations, false, gradIn);
  }

  @Benchmark
  public Tensor convForward() {
    return Ops.conv2d(input, weight, bias, new int[] {1, 1}, new int[] {0, 0}, new int[] {1, 1}, 1);
  }

  @Benchmark
  public void convForwardBackward() {
    Tensor out =
        Ops.conv2d(input, weight, bias, new int[] {1, 1}, new int[] {0, 0}, new int[] {1, 1}, 1);
    out.backward(upstream.value);
    input.zeroGrad();
    weight.zeroGrad();
    bias.zeroGrad();
  }

  @Benchmark
  public Tensor linearForward() {
    return Ops.linear(fcIn, fcWeight, fcBias);
  }
}
