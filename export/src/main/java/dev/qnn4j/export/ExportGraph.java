package dev.qnn4j.export;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a traced forward pass computes, independent of the ONNX format it will be written in: the
 * steps in execution order, connected by {@link Value}s, with every quantizer resolved to the
 * constants evaluation mode uses (scales, integer weights and biases, bit widths). {@link
 * GraphCapture} builds it; the format emitters only translate it.
 */
final class ExportGraph {

  /** A tensor passed between steps. Compared by identity; the shape includes the traced batch. */
  static final class Value {
    private final long[] shape;

    Value(long[] shape) {
      this.shape = shape.clone();
    }

    long[] shape() {
      return shape.clone();
    }

    /** The dimensions after the batch dimension. */
    long[] dimsAfterBatch() {
      return Arrays.copyOfRange(shape, 1, shape.length);
    }
  }

  /**
   * An activation quantizer as evaluation mode applies it: per-tensor scale, zero point 0; {@code
   * binary}: {@code sign(x) * scale} with sign(0) = +1 (bit width 1).
   */
  record ActQuant(float scale, int bitWidth, boolean signed, boolean narrow, boolean binary) {}

  /**
   * Integer weights {@code ints * scale}: one scale, or one per output channel (axis 0).
   *
   * @param ints the integers, row-major in the weight's shape
   */
  record WeightQuant(
      int[] ints,
      float[] scales,
      boolean perChannel,
      int bitWidth,
      boolean narrow,
      boolean binary) {}

  /**
   * A layer's weight.
   *
   * @param values float values that quantize to {@code quant} (the layer's own float weights, or
   *     the dequantized ones after folding); the weight itself when {@code quant} is null
   * @param dims PyTorch layout: {@code [out, in/groups, kh, kw]} or {@code [out, in]}
   * @param quant the quantized form, null for a float layer
   */
  record Weights(float[] values, long[] dims, WeightQuant quant) {}

  /**
   * A signed integer bias with scale {@code inputScale * weightScales[i]}.
   *
   * @param weightScales one per-tensor scale, or one per output channel
   */
  record BiasQuant(int[] ints, float inputScale, float[] weightScales, int bitWidth) {}

  /**
   * A layer's bias.
   *
   * @param values the float bias (quantizing it with {@code quant} gives the integers)
   * @param quant the quantized form, null for a float bias
   */
  record Bias(float[] values, BiasQuant quant) {}

  /** Convolution attributes in ONNX form: pads {@code [top, left, bottom, right]}. */
  /** A convolution's attributes; {@code outputPadding} non-null for a transposed convolution. */
  record ConvAttrs(
      long[] kernel,
      long[] strides,
      long[] pads,
      long[] dilations,
      long group,
      long[] outputPadding) {
    ConvAttrs(long[] kernel, long[] strides, long[] pads, long[] dilations, long group) {
      this(kernel, strides, pads, dilations, group, null);
    }

    boolean transposed() {
      return outputPadding != null;
    }
  }

  /** The emitters' double dispatch on steps (Java 17 has no pattern matching for switch). */
  interface StepVisitor {
    void quantize(Quantize step);

    void compute(Compute step);

    void relu(Relu step);

    void elementwise(Elementwise step);

    void affine(Affine step);

    void batchNorm(BatchNormalization step);

    void pool(Pool step);

    void flatten(Flatten step);

    void reshape(Reshape step);

    void add(Add step);

    void concat(Concat step);

    void upsample(Upsample step);

    void truncPool(TruncPool step);
  }

  /** One operation. {@code layer} names it in errors; {@code scope} prefixes its ONNX names. */
  interface Step {
    String layer();

    String scope();

    List<Value> inputs();

    Value output();

    void accept(StepVisitor visitor);
  }

  /** A step with one input. */
  interface UnaryStep extends Step {
    Value input();

    @Override
    default List<Value> inputs() {
      return List.of(input());
    }
  }

  /** Activation quantization (a QuantIdentity, a QuantReLU after its Relu, a layer's own). */
  record Quantize(String layer, String scope, Value input, Value output, ActQuant quant)
      implements UnaryStep {
    @Override
    public void accept(StepVisitor visitor) {
      visitor.quantize(this);
    }
  }

  /**
   * A convolution ({@code conv} set) or a fully connected layer ({@code conv} null) on its possibly
   * quantized weight and bias ({@code bias} may be null).
   */
  record Compute(
      String layer, Value input, Value output, Weights weights, Bias bias, ConvAttrs conv)
      implements UnaryStep {
    @Override
    public String scope() {
      return layer;
    }

    @Override
    public void accept(StepVisitor visitor) {
      visitor.compute(this);
    }
  }

  record Relu(String layer, String scope, Value input, Value output) implements UnaryStep {
    @Override
    public void accept(StepVisitor visitor) {
      visitor.relu(this);
    }
  }

  /** A float elementwise function by its ONNX operator name ({@code Sigmoid}, {@code Tanh}). */
  record Elementwise(String layer, String scope, Value input, Value output, String onnxOp)
      implements UnaryStep {
    @Override
    public void accept(StepVisitor visitor) {
      visitor.elementwise(this);
    }
  }

  /** {@code input * scale + shift} with float constants ({@code F.affine}). */
  record Affine(String layer, String scope, Value input, Value output, float scale, float shift)
      implements UnaryStep {
    @Override
    public void accept(StepVisitor visitor) {
      visitor.affine(this);
    }
  }

  /**
   * Evaluation-mode batch normalisation over dimension 1, kept as a step of its own (not folded):
   * {@code (x - mean) / sqrt(var + eps) * scale + bias} per channel, ONNX's BatchNormalization.
   */
  record BatchNormalization(
      String layer,
      String scope,
      Value input,
      Value output,
      float[] scale,
      float[] bias,
      float[] mean,
      float[] var,
      float eps)
      implements UnaryStep {
    @Override
    public void accept(StepVisitor visitor) {
      visitor.batchNorm(this);
    }
  }

  /** Square max or average pooling, floor mode; average pooling counts padding (PyTorch). */
  record Pool(
      String layer,
      String scope,
      Value input,
      Value output,
      boolean max,
      long kernel,
      long stride,
      long padding)
      implements UnaryStep {
    @Override
    public void accept(StepVisitor visitor) {
      visitor.pool(this);
    }
  }

  /** {@code [N, d1, d2, ...] -> [N, d1*d2*...]}. */
  record Flatten(String layer, String scope, Value input, Value output) implements UnaryStep {
    @Override
    public void accept(StepVisitor visitor) {
      visitor.flatten(this);
    }
  }

  /** A reshape to a literal target shape ({@code -1} infers one dimension). */
  record Reshape(String layer, String scope, Value input, Value output, long[] shape)
      implements UnaryStep {
    @Override
    public void accept(StepVisitor visitor) {
      visitor.reshape(this);
    }
  }

  /** Channel concatenation (axis 1) of QuantCat / F.cat. */
  record Concat(String layer, String scope, List<Value> parts, Value output) implements Step {
    @Override
    public List<Value> inputs() {
      return parts;
    }

    @Override
    public void accept(StepVisitor visitor) {
      visitor.concat(this);
    }
  }

  /** Nearest-neighbour upsampling by integer factors along H and W. */
  record Upsample(String layer, String scope, Value input, Value output, long factorH, long factorW)
      implements UnaryStep {
    @Override
    public void accept(StepVisitor visitor) {
      visitor.upsample(this);
    }
  }

  /**
   * Brevitas' truncated average pooling: the window sum of a QuantTensor of per-tensor {@code
   * scale}, whose integers need {@code accBits}, shifted right by {@code accBits - outBits} bits
   * (left when negative) and floored or rounded half to even; the output keeps {@code scale}.
   */
  record TruncPool(
      String layer,
      String scope,
      Value input,
      Value output,
      long[] kernel,
      long[] strides,
      float scale,
      boolean signed,
      int accBits,
      int outBits,
      boolean floor)
      implements UnaryStep {
    @Override
    public void accept(StepVisitor visitor) {
      visitor.truncPool(this);
    }

    /** The right shift, negative for a left shift. */
    int shift() {
      return accBits - outBits;
    }
  }

  record Add(String layer, String scope, Value a, Value b, Value output) implements Step {
    @Override
    public List<Value> inputs() {
      return List.of(a, b);
    }

    @Override
    public void accept(StepVisitor visitor) {
      visitor.add(this);
    }
  }

  private final String modelName;
  private final Value input;
  private final Value output;
  private final List<Step> steps;
  private final Map<Value, List<Step>> consumers = new IdentityHashMap<>();

  ExportGraph(String modelName, Value input, Value output, List<Step> steps) {
    this.modelName = modelName;
    this.input = input;
    this.output = output;
    this.steps = List.copyOf(steps);
    for (Step step : this.steps) {
      for (Value v : step.inputs()) {
        consumers.computeIfAbsent(v, k -> new ArrayList<>()).add(step);
      }
    }
  }

  String modelName() {
    return modelName;
  }

  Value input() {
    return input;
  }

  Value output() {
    return output;
  }

  List<Step> steps() {
    return steps;
  }

  /** The steps that read {@code v}, in order. */
  List<Step> consumers(Value v) {
    return consumers.getOrDefault(v, List.of());
  }

  /** Whether {@code v} is read by exactly one step and is not the graph output. */
  boolean hasSingleUse(Value v) {
    return v != output && consumers(v).size() == 1;
  }
}
