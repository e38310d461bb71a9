package dev.qnn4j.export.onnx;

import com.google.protobuf.ByteString;
import dev.qnn4j.export.onnx.proto.AttributeProto;
import dev.qnn4j.export.onnx.proto.AttributeProto.AttributeType;
import dev.qnn4j.export.onnx.proto.GraphProto;
import dev.qnn4j.export.onnx.proto.ModelProto;
import dev.qnn4j.export.onnx.proto.NodeProto;
import dev.qnn4j.export.onnx.proto.OperatorSetIdProto;
import dev.qnn4j.export.onnx.proto.StringStringEntryProto;
import dev.qnn4j.export.onnx.proto.TensorProto;
import dev.qnn4j.export.onnx.proto.TensorProto.DataType;
import dev.qnn4j.export.onnx.proto.TensorShapeProto;
import dev.qnn4j.export.onnx.proto.TypeProto;
import dev.qnn4j.export.onnx.proto.ValueInfoProto;
import dev.qnn4j.runtime.quant.IntRange;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Builds an ONNX {@link ModelProto} node by node, plus the QCDQ patterns that quantized layers
 * export to.
 *
 * <h2>Low level</h2>
 *
 * Graph inputs ({@link #addFloatInput}: float32, dynamic batch dimension {@value #BATCH_DIM}),
 * graph outputs, initializers (always {@code raw_data}, little-endian), nodes with attributes,
 * unique names ({@link #uniqueName}) and model metadata. Every name passed in is checked when it is
 * added: a node input must already be defined, a new value name must not be. {@link #build()} runs
 * {@link OnnxModelChecker} and refuses an invalid model.
 *
 * <h2>QCDQ conventions (taken from Brevitas 0.11 {@code export_onnx_qcdq}, opset 13)</h2>
 *
 * What the three Brevitas LeNet reference exports show, and what the helpers here emit:
 *
 * <ul>
 *   <li><b>Activations</b> ({@link #activationQcdq}): {@code QuantizeLinear(x, scale, zp) ->
 *       Clip(q, min, max) -> DequantizeLinear(c, scale, zp)}. Scale is a float scalar, the zero
 *       point a scalar 0 of type int8 (signed) or uint8 (unsigned), and the Clip bounds are scalars
 *       of the same type: 4-bit signed input quantizer {@code -8..7} (int8), 4-bit QuantReLU {@code
 *       0..15} (uint8), 3-bit QuantReLU {@code 0..7}. QuantReLU is a plain {@code Relu} followed by
 *       the QCDQ triple. Brevitas leaves the Clip out when the range is the storage type's full
 *       range (non-narrow 8 bits, non-narrow 32 bits), see {@link OnnxIntegers#needsClip}.
 *   <li><b>Weights</b> ({@link #weightQcdq}, {@link #weightQcdqPerChannel}): no QuantizeLinear; the
 *       integer weight is stored as an int8 tensor and goes {@code Clip(w_int, min, max) ->
 *       DequantizeLinear(c, scale, zp)}. 4-bit narrow weights clip to {@code -7..7}, 8-bit narrow
 *       to {@code -127..127} (so 8-bit narrow weights keep their Clip). Per-tensor scale and zero
 *       point are scalars and DequantizeLinear has no attribute; per-channel scale and zero point
 *       are 1-D of length {@code C_out} (the zero point expanded to the scale's shape) with {@code
 *       axis=0}.
 *   <li><b>Bias</b> ({@link #int32Bias}): an int32 tensor fed straight to {@code DequantizeLinear}
 *       (no Clip) with scale {@code input_scale * weight_scale} (float32 product) and an int32 zero
 *       point 0; the result is the Conv/Gemm's third input. Unquantized biases are plain float
 *       initializers ({@link #floatBias}).
 *   <li><b>Layers</b>: {@code Conv} with explicit {@code dilations, group, kernel_shape, pads,
 *       strides}; {@code MaxPool} with {@code ceil_mode=0, kernel_shape, pads, strides}; {@code
 *       Gemm} with {@code alpha=1, beta=1, transB=1} (PyTorch Linear, weight {@code [out, in]});
 *       activations quantized after {@code Relu}. Brevitas' flatten is {@code Reshape(x, [1, -1])}
 *       with an int64 shape constant, which fixes the batch to the traced 1; {@link #flatten} emits
 *       {@code Flatten(axis=1)} instead so the batch stays dynamic.
 *   <li><b>Constants</b>: Brevitas emits every constant as a {@code Constant} node (and lets layers
 *       share equal ones); this builder uses named initializers, one set per quantizer.
 * </ul>
 *
 * <p>Reference op sequence, QuantWeightActBiasLeNet (Constant nodes omitted): {@code Q C DQ | C DQ
 * | DQ | Conv Relu Q C DQ MaxPool | C DQ | DQ | Conv Relu Q C DQ MaxPool Reshape | C DQ | DQ | Gemm
 * Relu Q C DQ | C DQ | DQ | Gemm Relu Q C DQ | C DQ | DQ | Gemm}.
 */
public final class OnnxGraphBuilder {

  /** ONNX IR version written: 8 (2021-07-30) pairs with opset 13 and ONNX Runtime 1.10+. */
  public static final long IR_VERSION = 8;

  /** Default-domain opset version written unless {@link #opsetVersion(int)} says otherwise. */
  public static final int DEFAULT_OPSET = 13;

  /** {@code ModelProto.producer_name}. */
  public static final String PRODUCER_NAME = "qnn4j";

  /** Symbolic name of the dynamic batch dimension of graph inputs and outputs. */
  public static final String BATCH_DIM = "N";

  private final String graphName;
  private int opsetVersion = DEFAULT_OPSET;
  private String producerVersion = "";
  private String docString = "";
  private final Map<String, String> metadata = new LinkedHashMap<>();

  /** Opset imports of domains other than the default one, in the order they were added. */
  private final Map<String, Integer> customOpsets = new LinkedHashMap<>();

  private final List<ValueInfoProto> inputs = new ArrayList<>();
  private final List<ValueInfoProto> outputs = new ArrayList<>();
  private final List<TensorProto> initializers = new ArrayList<>();
  private final List<NodeProto> nodes = new ArrayList<>();

  /** Value names that exist: graph inputs, initializers and node outputs. */
  private final Set<String> definedValues = new HashSet<>();

  /** Node names in use. */
  private final Set<String> nodeNames = new HashSet<>();

  /** Every name handed out or used, values and nodes alike, so generated names never collide. */
  private final Set<String> reservedNames = new HashSet<>();

  /** A builder for a graph called {@code graphName}. */
  public OnnxGraphBuilder(String graphName) {
    this.graphName = requireName(graphName, "graph name");
  }

  // ---------------------------------------------------------------------------------------------
  // Model metadata

  /** Sets the default-domain opset version (13 or later; the QCDQ helpers need opset 13). */
  public OnnxGraphBuilder opsetVersion(int version) {
    if (version < 13) {
      throw new IllegalArgumentException(
          "opset " + version + " is too old: per-axis DequantizeLinear needs opset 13");
    }
    this.opsetVersion = version;
    return this;
  }

  /**
   * Imports operator set {@code version} of a domain other than the default one (e.g. {@code
   * qonnx.custom_op.general}), so that {@link #op(String, String, String, List, AttributeProto...)}
   * can add its operators.
   */
  public OnnxGraphBuilder importOpset(String domain, int version) {
    requireName(domain, "opset domain");
    if (domain.equals("ai.onnx")) {
      throw new IllegalArgumentException("the default domain is set with opsetVersion");
    }
    if (version < 1) {
      throw new IllegalArgumentException("opset version " + version + " of " + domain);
    }
    customOpsets.put(domain, version);
    return this;
  }

  /** Sets {@code producer_version}. */
  public OnnxGraphBuilder producerVersion(String version) {
    this.producerVersion = Objects.requireNonNull(version);
    return this;
  }

  /** Sets the model's {@code doc_string}. */
  public OnnxGraphBuilder docString(String doc) {
    this.docString = Objects.requireNonNull(doc);
    return this;
  }

  /** Adds or replaces one {@code metadata_props} entry. */
  public OnnxGraphBuilder metadata(String key, String value) {
    metadata.put(requireName(key, "metadata key"), Objects.requireNonNull(value));
    return this;
  }

  // ---------------------------------------------------------------------------------------------
  // Names

  /**
   * Returns {@code base} if no value or node uses it yet, otherwise the first free {@code base_1},
   * {@code base_2}, ...; the returned name is reserved, so it can then be given to any add method.
   */
  public String uniqueName(String base) {
    requireName(base, "name");
    String name = base;
    for (int i = 1; reservedNames.contains(name); i++) {
      name = base + "_" + i;
    }
    reservedNames.add(name);
    return name;
  }

  /** Whether {@code name} is a graph input, an initializer or a node output added so far. */
  public boolean isDefined(String name) {
    return definedValues.contains(name);
  }

  private void defineValue(String name, String what) {
    requireName(name, what);
    if (!definedValues.add(name)) {
      throw new IllegalArgumentException(what + " '" + name + "' is already defined in the graph");
    }
    reservedNames.add(name);
  }

  private void requireDefined(String name, String usedBy) {
    if (!definedValues.contains(name)) {
      throw new IllegalArgumentException(
          usedBy
              + " uses '"
              + name
              + "', which is not a graph input, initializer or earlier node"
              + " output");
    }
  }

  private static String requireName(String name, String what) {
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException(what + " must not be empty");
    }
    return name;
  }

  private static String scoped(String scope, String leaf) {
    return scope.isEmpty() ? leaf : scope + "." + leaf;
  }

  // ---------------------------------------------------------------------------------------------
  // Graph inputs and outputs

  /** A fixed dimension. */
  public static TensorShapeProto.Dimension dim(long value) {
    if (value < 0) {
      throw new IllegalArgumentException("dimension " + value + " is negative");
    }
    return TensorShapeProto.Dimension.newBuilder().setDimValue(value).build();
  }

  /** A symbolic dimension such as {@value #BATCH_DIM}. */
  public static TensorShapeProto.Dimension dimParam(String name) {
    return TensorShapeProto.Dimension.newBuilder()
        .setDimParam(requireName(name, "dim_param"))
        .build();
  }

  /** A dimension of unknown size (neither value nor name). */
  public static TensorShapeProto.Dimension unknownDim() {
    return TensorShapeProto.Dimension.getDefaultInstance();
  }

  /** A tensor {@link ValueInfoProto}. */
  public static ValueInfoProto tensorValueInfo(
      String name, DataType elemType, List<TensorShapeProto.Dimension> dims) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder().addAllDim(dims);
    TypeProto type =
        TypeProto.newBuilder()
            .setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(elemType.getNumber()).setShape(shape))
            .build();
    return ValueInfoProto.newBuilder().setName(name).setType(type).build();
  }

  /**
   * Adds a float32 graph input of shape {@code [N, dimsAfterBatch...]} with {@code N} the dynamic
   * batch dimension; returns {@code name}.
   */
  public String addFloatInput(String name, long... dimsAfterBatch) {
    return addInput(name, DataType.FLOAT, withBatch(dimsAfterBatch, false));
  }

  /** Adds a graph input of any tensor type and shape; returns {@code name}. */
  public String addInput(String name, DataType elemType, List<TensorShapeProto.Dimension> dims) {
    defineValue(name, "graph input");
    inputs.add(tensorValueInfo(name, elemType, dims));
    return name;
  }

  /**
   * Declares the existing value {@code name} a float32 graph output of shape {@code [N,
   * dimsAfterBatch...]}; a negative entry leaves that dimension unknown.
   */
  public void addFloatOutput(String name, long... dimsAfterBatch) {
    addOutput(name, DataType.FLOAT, withBatch(dimsAfterBatch, true));
  }

  /** Declares the existing value {@code name} a graph output with the given type and shape. */
  public void addOutput(String name, DataType elemType, List<TensorShapeProto.Dimension> dims) {
    requireDefined(name, "graph output");
    for (ValueInfoProto out : outputs) {
      if (out.getName().equals(name)) {
        throw new IllegalArgumentException("'" + name + "' is already a graph output");
      }
    }
    outputs.add(tensorValueInfo(name, elemType, dims));
  }

  private static List<TensorShapeProto.Dimension> withBatch(long[] dims, boolean allowUnknown) {
    List<TensorShapeProto.Dimension> out = new ArrayList<>();
    out.add(dimParam(BATCH_DIM));
    for (long d : dims) {
      if (d < 0 && !allowUnknown) {
        throw new IllegalArgumentException(
            "input dimensions must be fixed: " + Arrays.toString(dims));
      }
      out.add(d < 0 ? unknownDim() : dim(d));
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // Initializers (raw_data, little-endian)

  /** Adds a prepared initializer (it must carry its name); returns the name. */
  public String addInitializer(TensorProto tensor) {
    defineValue(tensor.getName(), "initializer");
    initializers.add(tensor);
    return tensor.getName();
  }

  /** Adds a FLOAT initializer of shape {@code dims}; returns {@code name}. */
  public String addFloatInitializer(String name, float[] values, long... dims) {
    return addInitializer(OnnxTensors.floatTensor(requireName(name, "initializer"), values, dims));
  }

  /** Adds an INT8 initializer (each byte a signed element); returns {@code name}. */
  public String addInt8Initializer(String name, byte[] values, long... dims) {
    return addInitializer(OnnxTensors.int8Tensor(requireName(name, "initializer"), values, dims));
  }

  /** Adds a UINT8 initializer (each byte an unsigned element, 0..255); returns {@code name}. */
  public String addUint8Initializer(String name, byte[] values, long... dims) {
    return addInitializer(OnnxTensors.uint8Tensor(requireName(name, "initializer"), values, dims));
  }

  /** Adds an INT32 initializer; returns {@code name}. */
  public String addInt32Initializer(String name, int[] values, long... dims) {
    return addInitializer(OnnxTensors.int32Tensor(requireName(name, "initializer"), values, dims));
  }

  /** Adds an INT64 initializer; returns {@code name}. */
  public String addInt64Initializer(String name, long[] values, long... dims) {
    return addInitializer(OnnxTensors.int64Tensor(requireName(name, "initializer"), values, dims));
  }

  /** Adds a FLOAT scalar (no dims) initializer; returns {@code name}. */
  public String addFloatScalar(String name, float value) {
    return addFloatInitializer(name, new float[] {value});
  }

  /** Adds an INT32 scalar initializer; returns {@code name}. */
  public String addInt32Scalar(String name, int value) {
    return addInt32Initializer(name, new int[] {value});
  }

  /**
   * Adds a scalar of an integer storage type (INT8, UINT8 or INT32), range-checked; returns {@code
   * name}.
   */
  public String addIntScalar(String name, DataType type, long value) {
    return addIntInitializer(name, type, new long[] {value});
  }

  /** Adds an INT8, UINT8 or INT32 initializer from range-checked longs; returns {@code name}. */
  private String addIntInitializer(String name, DataType type, long[] values, long... dims) {
    switch (type) {
      case INT8:
      case UINT8:
        {
          long lo = type == DataType.INT8 ? Byte.MIN_VALUE : 0;
          long hi = type == DataType.INT8 ? Byte.MAX_VALUE : 255;
          byte[] bytes = new byte[values.length];
          for (int i = 0; i < values.length; i++) {
            bytes[i] = (byte) checkRange(name, values[i], lo, hi);
          }
          return type == DataType.INT8
              ? addInt8Initializer(name, bytes, dims)
              : addUint8Initializer(name, bytes, dims);
        }
      case INT32:
        {
          int[] ints = new int[values.length];
          for (int i = 0; i < values.length; i++) {
            ints[i] = (int) checkRange(name, values[i], Integer.MIN_VALUE, Integer.MAX_VALUE);
          }
          return addInt32Initializer(name, ints, dims);
        }
      default:
        throw new IllegalArgumentException(type + " is not an integer storage type");
    }
  }

  private static long checkRange(String name, long v, long lo, long hi) {
    if (v < lo || v > hi) {
      throw new IllegalArgumentException(
          "initializer '" + name + "': " + v + " is outside [" + lo + ", " + hi + "]");
    }
    return v;
  }

  // ---------------------------------------------------------------------------------------------
  // Attributes

  /** An INT attribute. */
  public static AttributeProto intAttr(String name, long value) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeType.INT).setI(value).build();
  }

  /** An INTS attribute. */
  public static AttributeProto intsAttr(String name, long... values) {
    AttributeProto.Builder a =
        AttributeProto.newBuilder().setName(name).setType(AttributeType.INTS);
    for (long v : values) {
      a.addInts(v);
    }
    return a.build();
  }

  /** A FLOAT attribute. */
  public static AttributeProto floatAttr(String name, float value) {
    return AttributeProto.newBuilder()
        .setName(name)
        .setType(AttributeType.FLOAT)
        .setF(value)
        .build();
  }

  /** A FLOATS attribute. */
  public static AttributeProto floatsAttr(String name, float... values) {
    AttributeProto.Builder a =
        AttributeProto.newBuilder().setName(name).setType(AttributeType.FLOATS);
    for (float v : values) {
      a.addFloats(v);
    }
    return a.build();
  }

  /** A STRING attribute (UTF-8). */
  public static AttributeProto stringAttr(String name, String value) {
    return AttributeProto.newBuilder()
        .setName(name)
        .setType(AttributeType.STRING)
        .setS(ByteString.copyFrom(value, StandardCharsets.UTF_8))
        .build();
  }

  /** A TENSOR attribute (e.g. a Constant node's {@code value}). */
  public static AttributeProto tensorAttr(String name, TensorProto value) {
    return AttributeProto.newBuilder()
        .setName(name)
        .setType(AttributeType.TENSOR)
        .setT(value)
        .build();
  }

  // ---------------------------------------------------------------------------------------------
  // Nodes

  /**
   * Adds a node with explicit names (default domain). Every non-empty input must be defined; an
   * empty input name marks an omitted optional input. Outputs must be new value names.
   */
  public NodeProto addNode(
      String opType,
      String nodeName,
      List<String> nodeInputs,
      List<String> nodeOutputs,
      AttributeProto... attributes) {
    return addNode("", opType, nodeName, nodeInputs, nodeOutputs, attributes);
  }

  /** Like {@link #addNode(String, String, List, List, AttributeProto...)} in {@code domain}. */
  public NodeProto addNode(
      String domain,
      String opType,
      String nodeName,
      List<String> nodeInputs,
      List<String> nodeOutputs,
      AttributeProto... attributes) {
    if (!domain.isEmpty() && !customOpsets.containsKey(domain)) {
      throw new IllegalArgumentException(
          "node '" + nodeName + "': domain '" + domain + "' has not been imported");
    }
    requireName(opType, "op type");
    requireName(nodeName, "node name");
    if (!nodeNames.add(nodeName)) {
      throw new IllegalArgumentException("node name '" + nodeName + "' is already used");
    }
    reservedNames.add(nodeName);
    for (String in : nodeInputs) {
      if (!in.isEmpty()) {
        requireDefined(in, "node '" + nodeName + "' (" + opType + ")");
      }
    }
    if (nodeOutputs.isEmpty()) {
      throw new IllegalArgumentException("node '" + nodeName + "' has no output");
    }
    for (String out : nodeOutputs) {
      defineValue(out, "output of node '" + nodeName + "'");
    }
    NodeProto.Builder node =
        NodeProto.newBuilder()
            .setName(nodeName)
            .setOpType(opType)
            .addAllInput(nodeInputs)
            .addAllOutput(nodeOutputs)
            .addAllAttribute(Arrays.asList(attributes));
    if (!domain.isEmpty()) {
      node.setDomain(domain);
    }
    NodeProto built = node.build();
    nodes.add(built);
    return built;
  }

  /**
   * Adds a single-output node named {@code <scope>.<opType>} (made unique) and returns its output
   * name, {@code <node name>_output_0}.
   */
  public String op(
      String scope, String opType, List<String> nodeInputs, AttributeProto... attributes) {
    return op(scope, "", opType, nodeInputs, attributes);
  }

  /**
   * Like {@link #op(String, String, List, AttributeProto...)} for an operator of {@code domain}.
   */
  public String op(
      String scope,
      String domain,
      String opType,
      List<String> nodeInputs,
      AttributeProto... attributes) {
    String nodeName = uniqueName(scoped(scope, opType));
    String output = uniqueName(nodeName + "_output_0");
    addNode(domain, opType, nodeName, nodeInputs, List.of(output), attributes);
    return output;
  }

  /**
   * Renames a node output, e.g. the last layer's output to {@code logits} before it becomes a graph
   * output; every node reading it is updated. Returns {@code newName}.
   */
  public String rename(String oldName, String newName) {
    requireName(newName, "value name");
    int producer = -1;
    for (int i = 0; i < nodes.size() && producer < 0; i++) {
      if (nodes.get(i).getOutputList().contains(oldName)) {
        producer = i;
      }
    }
    if (producer < 0) {
      throw new IllegalArgumentException("'" + oldName + "' is not a node output");
    }
    if (reservedNames.contains(newName) || definedValues.contains(newName)) {
      throw new IllegalArgumentException("name '" + newName + "' is already used");
    }
    for (int i = producer; i < nodes.size(); i++) {
      NodeProto node = nodes.get(i);
      NodeProto.Builder edited = node.toBuilder().clearInput().clearOutput();
      node.getInputList().forEach(in -> edited.addInput(in.equals(oldName) ? newName : in));
      node.getOutputList().forEach(out -> edited.addOutput(out.equals(oldName) ? newName : out));
      nodes.set(i, edited.build());
    }
    outputs.replaceAll(
        out -> out.getName().equals(oldName) ? out.toBuilder().setName(newName).build() : out);
    definedValues.remove(oldName);
    definedValues.add(newName);
    reservedNames.add(newName);
    return newName;
  }

  // ---------------------------------------------------------------------------------------------
  // Layer operators, laid out as PyTorch/Brevitas export them

  /**
   * {@code Conv(x, w[, bias])} with every attribute explicit; {@code bias} may be null. 2-D
   * convolutions take 2-element kernel/strides/dilations and 4-element pads {@code [top, left,
   * bottom, right]}.
   */
  public String conv(
      String scope,
      String x,
      String w,
      String bias,
      long[] kernelShape,
      long[] strides,
      long[] pads,
      long[] dilations,
      long group) {
    List<String> in = bias == null ? List.of(x, w) : List.of(x, w, bias);
    return op(
        scope,
        "Conv",
        in,
        intsAttr("dilations", dilations),
        intAttr("group", group),
        intsAttr("kernel_shape", kernelShape),
        intsAttr("pads", pads),
        intsAttr("strides", strides));
  }

  /** PyTorch Linear: {@code Gemm(a, w, bias)} with {@code w} as {@code [out, in]} (transB=1). */
  public String gemm(String scope, String a, String w, String bias) {
    List<String> in = bias == null ? List.of(a, w) : List.of(a, w, bias);
    return op(
        scope, "Gemm", in, floatAttr("alpha", 1.0f), floatAttr("beta", 1.0f), intAttr("transB", 1));
  }

  /** {@code Relu(x)}. */
  public String relu(String scope, String x) {
    return op(scope, "Relu", List.of(x));
  }

  /** {@code Add(a, b)}. */
  public String add(String scope, String a, String b) {
    return op(scope, "Add", List.of(a, b));
  }

  /** {@code MaxPool} with {@code ceil_mode=0}. */
  public String maxPool(String scope, String x, long[] kernelShape, long[] strides, long[] pads) {
    return op(
        scope,
        "MaxPool",
        List.of(x),
        intAttr("ceil_mode", 0),
        intsAttr("kernel_shape", kernelShape),
        intsAttr("pads", pads),
        intsAttr("strides", strides));
  }

  /** {@code AveragePool} with {@code ceil_mode=0}. */
  public String averagePool(
      String scope,
      String x,
      long[] kernelShape,
      long[] strides,
      long[] pads,
      boolean countIncludePad) {
    return op(
        scope,
        "AveragePool",
        List.of(x),
        intAttr("ceil_mode", 0),
        intAttr("count_include_pad", countIncludePad ? 1 : 0),
        intsAttr("kernel_shape", kernelShape),
        intsAttr("pads", pads),
        intsAttr("strides", strides));
  }

  /** {@code Flatten(x, axis=1)}: {@code [N, d1, d2, ...] -> [N, d1*d2*...]}, batch kept dynamic. */
  public String flatten(String scope, String x) {
    return op(scope, "Flatten", List.of(x), intAttr("axis", 1));
  }

  /** {@code Reshape(x, shape)} with the shape as an int64 initializer {@code <scope>.shape}. */
  public String reshape(String scope, String x, long... shape) {
    String shapeName = addInt64Initializer(uniqueName(scoped(scope, "shape")), shape, shape.length);
    return op(scope, "Reshape", List.of(x, shapeName));
  }

  // ---------------------------------------------------------------------------------------------
  // QCDQ patterns

  /**
   * Activation fake quantization, per tensor, zero point 0: {@code QuantizeLinear -> Clip ->
   * DequantizeLinear}, the Clip left out when {@link OnnxIntegers#needsClip} is false (non-narrow
   * 8-bit). Initializers: {@code <scope>.scale} (float), {@code <scope>.zero_point} and {@code
   * <scope>.clip_min/clip_max} (int8 if signed, else uint8). Returns the dequantized float value.
   *
   * @param scope name prefix, e.g. {@code relu1.act_quant}
   * @param bitWidth 2 to 8 (QuantizeLinear produces 8-bit integers only in opset 13)
   */
  public String activationQcdq(
      String scope, String input, float scale, int bitWidth, boolean signed, boolean narrowRange) {
    IntRange range = OnnxIntegers.range(bitWidth, signed, narrowRange);
    if (bitWidth > 8) {
      throw new IllegalArgumentException(
          scope + ": activations wider than 8 bits cannot be quantized with QuantizeLinear");
    }
    requireDefined(input, scope + " activation quantizer");
    QuantParams params = quantParams(scope, scale, OnnxIntegers.storageType(range), 0);
    String q = quantizeLinear(scope, input, params);
    return dequantizeLinear(scope, clipIfNeeded(scope, q, range), params);
  }

  /**
   * Per-tensor weight fake quantization from integer weights: int8 initializer {@code
   * <scope>.int_weight} {@code -> Clip -> DequantizeLinear(scale, int8 0)}. Weights are signed;
   * every value must already lie in the quantizer's range. Returns the dequantized float weight.
   *
   * @param intWeights integer weights, one byte each, row-major with shape {@code dims}
   * @param bitWidth 2 to 8
   */
  public String weightQcdq(
      String scope,
      byte[] intWeights,
      long[] dims,
      float scale,
      int bitWidth,
      boolean narrowRange) {
    return weightQcdq(scope, intWeights, dims, new float[] {scale}, false, bitWidth, narrowRange);
  }

  /**
   * Per-output-channel weight fake quantization: like {@link #weightQcdq} but with a 1-D scale of
   * length {@code dims[0]}, a matching 1-D int8 zero point and {@code axis=0} on the
   * DequantizeLinear.
   */
  public String weightQcdqPerChannel(
      String scope,
      byte[] intWeights,
      long[] dims,
      float[] scales,
      int bitWidth,
      boolean narrowRange) {
    if (dims.length == 0 || dims[0] != scales.length) {
      throw new IllegalArgumentException(
          scope
              + ": "
              + scales.length
              + " per-channel scales for weight dims "
              + Arrays.toString(dims));
    }
    return weightQcdq(scope, intWeights, dims, scales.clone(), true, bitWidth, narrowRange);
  }

  private String weightQcdq(
      String scope,
      byte[] intWeights,
      long[] dims,
      float[] scales,
      boolean perChannel,
      int bitWidth,
      boolean narrowRange) {
    if (bitWidth > 8) {
      throw new IllegalArgumentException(
          scope + ": integer weights are int8, bit width " + bitWidth + " does not fit");
    }
    IntRange range = OnnxIntegers.range(bitWidth, true, narrowRange);
    for (float s : scales) {
      requirePositive(scope, s);
    }
    for (int i = 0; i < intWeights.length; i++) {
      if (!range.contains(intWeights[i])) {
        throw new IllegalArgumentException(
            scope
                + ": integer weight "
                + intWeights[i]
                + " at flat index "
                + i
                + " is outside the "
                + range
                + " range");
      }
    }
    String weight = addInt8Initializer(uniqueName(scope + ".int_weight"), intWeights, dims);
    String clipped = clipIfNeeded(scope, weight, range);
    return dequantize(scope, clipped, scales, perChannel, DataType.INT8);
  }

  /**
   * Quantized bias: int32 initializer {@code <scope>.int_bias} {@code -> DequantizeLinear(scale,
   * int32 0)}, no Clip, with scale {@code inputScale * weightScales[i]} ({@link #biasScales}). One
   * weight scale gives a scalar bias scale, {@code intBias.length} of them a per-channel scale with
   * {@code axis=0}. Returns the dequantized float bias.
   */
  public String int32Bias(String scope, int[] intBias, float inputScale, float[] weightScales) {
    if (weightScales.length != 1 && weightScales.length != intBias.length) {
      throw new IllegalArgumentException(
          scope
              + ": "
              + weightScales.length
              + " weight scales for a bias of "
              + intBias.length
              + " elements");
    }
    float[] scales = biasScales(inputScale, weightScales);
    String bias = addInt32Initializer(uniqueName(scope + ".int_bias"), intBias, intBias.length);
    return dequantize(scope, bias, scales, scales.length > 1, DataType.INT32);
  }

  /**
   * The bias scales Brevitas uses, {@code inputScale * weightScale} in float32; the integer bias
   * must be computed against exactly these values.
   */
  public static float[] biasScales(float inputScale, float[] weightScales) {
    float[] out = new float[weightScales.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = inputScale * weightScales[i];
    }
    return out;
  }

  /** Unquantized bias: a float initializer {@code <layer>.bias}; returns its name. */
  public String floatBias(String layer, float[] bias) {
    return addFloatInitializer(uniqueName(scoped(layer, "bias")), bias, bias.length);
  }

  private String clipIfNeeded(String scope, String value, IntRange range) {
    if (!OnnxIntegers.needsClip(range)) {
      return value;
    }
    return clip(scope, value, OnnxIntegers.storageType(range), range.min(), range.max());
  }

  private String dequantize(
      String scope, String value, float[] scales, boolean perChannel, DataType zeroPointType) {
    QuantParams params =
        perChannel
            ? perAxisQuantParams(scope, scales, zeroPointType)
            : quantParams(scope, scales[0], zeroPointType, 0);
    return dequantizeLinear(scope, value, params);
  }

  // ---------------------------------------------------------------------------------------------
  // Quantization building blocks (the QCDQ patterns above are made of these)

  /**
   * The names of a quantizer's scale and zero-point initializers.
   *
   * @param axis the quantized axis of a 1-D (per-axis) scale, null for a scalar (per-tensor) one
   */
  public record QuantParams(String scale, String zeroPoint, Integer axis) {}

  /**
   * Per-tensor parameters: a float scalar {@code <scope>.scale} and a scalar {@code
   * <scope>.zero_point} of {@code zeroPointType} (INT8, UINT8 or INT32, range-checked).
   */
  public QuantParams quantParams(
      String scope, float scale, DataType zeroPointType, long zeroPoint) {
    requirePositive(scope, scale);
    String scaleName = addFloatScalar(uniqueName(scope + ".scale"), scale);
    String zp = addIntScalar(uniqueName(scope + ".zero_point"), zeroPointType, zeroPoint);
    return new QuantParams(scaleName, zp, null);
  }

  /**
   * Per-axis parameters along axis 0 (output channels): a 1-D float {@code <scope>.scale} and a 1-D
   * zero point of zeros of {@code zeroPointType}, both of length {@code scales.length}.
   */
  public QuantParams perAxisQuantParams(String scope, float[] scales, DataType zeroPointType) {
    for (float v : scales) {
      requirePositive(scope, v);
    }
    String scaleName = addFloatInitializer(uniqueName(scope + ".scale"), scales, scales.length);
    String zp =
        addIntInitializer(
            uniqueName(scope + ".zero_point"),
            zeroPointType,
            new long[scales.length],
            scales.length);
    return new QuantParams(scaleName, zp, 0);
  }

  /** {@code QuantizeLinear(x, scale, zero_point)}: float to the zero point's integer type. */
  public String quantizeLinear(String scope, String x, QuantParams params) {
    return op(
        scope, "QuantizeLinear", List.of(x, params.scale(), params.zeroPoint()), axisAttrs(params));
  }

  /** {@code DequantizeLinear(x, scale, zero_point)}: integers back to float. */
  public String dequantizeLinear(String scope, String x, QuantParams params) {
    return op(
        scope,
        "DequantizeLinear",
        List.of(x, params.scale(), params.zeroPoint()),
        axisAttrs(params));
  }

  private static AttributeProto[] axisAttrs(QuantParams params) {
    return params.axis() == null
        ? new AttributeProto[0]
        : new AttributeProto[] {intAttr("axis", params.axis())};
  }

  /**
   * {@code Clip(x, min, max)} of an integer value, with scalar bounds {@code <scope>.clip_min/max}
   * of {@code type}, the type of {@code x}.
   */
  public String clip(String scope, String x, DataType type, long min, long max) {
    if (min > max) {
      throw new IllegalArgumentException(scope + ": clip range [" + min + ", " + max + "]");
    }
    String minName = addIntScalar(uniqueName(scope + ".clip_min"), type, min);
    String maxName = addIntScalar(uniqueName(scope + ".clip_max"), type, max);
    return op(scope, "Clip", List.of(x, minName, maxName));
  }

  private static void requirePositive(String scope, float scale) {
    if (!(scale > 0) || Float.isInfinite(scale)) {
      throw new IllegalArgumentException(
          scope + ": scale " + scale + " is not a positive finite" + " float");
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Build

  /**
   * The model: IR version {@value #IR_VERSION}, one default-domain opset import, producer {@value
   * #PRODUCER_NAME}. Throws {@link IllegalStateException} listing the problems if {@link
   * OnnxModelChecker} finds any.
   */
  public ModelProto build() {
    if (outputs.isEmpty()) {
      throw new IllegalStateException("graph '" + graphName + "' has no output");
    }
    GraphProto graph =
        GraphProto.newBuilder()
            .setName(graphName)
            .addAllInput(inputs)
            .addAllOutput(outputs)
            .addAllInitializer(initializers)
            .addAllNode(nodes)
            .build();
    ModelProto.Builder model =
        ModelProto.newBuilder()
            .setIrVersion(IR_VERSION)
            .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opsetVersion))
            .setProducerName(PRODUCER_NAME)
            .setGraph(graph);
    customOpsets.forEach(
        (domain, version) ->
            model.addOpsetImport(
                OperatorSetIdProto.newBuilder().setDomain(domain).setVersion(version)));
    if (!producerVersion.isEmpty()) {
      model.setProducerVersion(producerVersion);
    }
    if (!docString.isEmpty()) {
      model.setDocString(docString);
    }
    metadata.forEach(
        (k, v) ->
            model.addMetadataProps(StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
    ModelProto built = model.build();
    List<String> problems = OnnxModelChecker.check(built);
    if (!problems.isEmpty()) {
      throw new IllegalStateException(
          "invalid ONNX graph '" + graphName + "':\n  " + String.join("\n  ", problems));
    }
    return built;
  }
}
