package dev.qnn4j.export.onnx;

import dev.qnn4j.export.onnx.proto.AttributeProto;
import dev.qnn4j.export.onnx.proto.GraphProto;
import dev.qnn4j.export.onnx.proto.ModelProto;
import dev.qnn4j.export.onnx.proto.NodeProto;
import dev.qnn4j.export.onnx.proto.OperatorSetIdProto;
import dev.qnn4j.export.onnx.proto.TensorProto;
import dev.qnn4j.export.onnx.proto.TensorProto.DataType;
import dev.qnn4j.export.onnx.proto.ValueInfoProto;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Structural validity of a {@link ModelProto}, at the level of the ONNX checker plus the QCDQ type
 * rules. {@link #check} returns one line per problem, naming the node, initializer or graph
 * input/output concerned; an empty list means the model is valid.
 *
 * <p>Checked:
 *
 * <ul>
 *   <li>{@code ir_version} set; an opset import for the default domain ({@code ""} or {@code
 *       ai.onnx}); every node domain imported;
 *   <li>names: graph inputs, initializers, node names and node outputs unique; no node output
 *       redefines an input, initializer or earlier output (an initializer may share its name with a
 *       graph input, which older exporters do to give it a default);
 *   <li>topological order: every node input is a graph input, an initializer or the output of an
 *       earlier node ({@code Constant} nodes count as producers); every graph output is defined;
 *   <li>tensor data of initializers and {@code Constant} values: a known data type, non-negative
 *       dims, and {@code raw_data} bytes or the typed field's element count matching the dims;
 *   <li>graph inputs and outputs carry tensor types with an element type;
 *   <li>QCDQ types: QuantizeLinear zero points int8/uint8, DequantizeLinear data int8/uint8/int32
 *       with a zero point of the same type (0 for int32), float scales, zero point shaped like the
 *       scale, per-axis scales as long as the quantized axis, Clip bounds scalars of the clipped
 *       value's type with {@code min <= max}.
 * </ul>
 *
 * Element types are followed through the graph from inputs, initializers and Constant nodes across
 * QuantizeLinear, Clip, DequantizeLinear and type-preserving operators, and the shapes of constants
 * through Clip; where a type or shape is not known the rules that need it are skipped.
 */
public final class OnnxModelChecker {

  /** Operators whose output has the element type of their first input. */
  private static final Set<String> TYPE_PRESERVING =
      Set.of(
          "Relu",
          "LeakyRelu",
          "Sigmoid",
          "Tanh",
          "Add",
          "Sub",
          "Mul",
          "Div",
          "Neg",
          "Abs",
          "MaxPool",
          "AveragePool",
          "GlobalAveragePool",
          "GlobalMaxPool",
          "Flatten",
          "Reshape",
          "Transpose",
          "Identity",
          "Squeeze",
          "Unsqueeze",
          "Concat",
          "Conv",
          "Gemm",
          "MatMul",
          "BatchNormalization",
          "Softmax",
          "Pad");

  private static final java.util.regex.Pattern CONTROL =
      java.util.regex.Pattern.compile("[\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029]");

  private final ModelProto model;
  private final List<String> problems = new ArrayList<>();

  /** Element type (TensorProto.DataType number) of every value whose type is known. */
  private final Map<String, Integer> elemTypes = new HashMap<>();

  /** Tensors of every value whose contents are known: initializers and Constant outputs. */
  private final Map<String, TensorProto> constants = new HashMap<>();

  /** Dims of constants and of values computed from one by a shape-preserving Clip. */
  private final Map<String, List<Long>> shapes = new HashMap<>();

  private OnnxModelChecker(ModelProto model) {
    this.model = model;
  }

  /** The problems found in {@code model}; empty if it is valid. */
  public static List<String> check(ModelProto model) {
    OnnxModelChecker checker = new OnnxModelChecker(model);
    checker.run();
    return List.copyOf(checker.problems);
  }

  private void problem(String message) {
    // Names come from the file: escape control and line-separator characters so that each
    // problem stays on one line (found by OnnxReadFuzzTest).
    problems.add(
        CONTROL
            .matcher(message)
            .replaceAll(m -> String.format("\\\\u%04x", (int) m.group().charAt(0))));
  }

  private void run() {
    checkModelHeader();
    if (!model.hasGraph()) {
      problem("model: has no graph");
      return;
    }
    checkGraph(model.getGraph());
  }

  // ---------------------------------------------------------------------------------------------
  // Model header

  private void checkModelHeader() {
    if (model.getIrVersion() <= 0) {
      problem("model: ir_version is not set");
    }
    Set<String> domains = new HashSet<>();
    boolean defaultDomain = false;
    for (OperatorSetIdProto opset : model.getOpsetImportList()) {
      String domain = normalizeDomain(opset.getDomain());
      if (!domains.add(domain)) {
        problem("model: opset domain '" + opset.getDomain() + "' is imported more than once");
      }
      if (opset.getVersion() <= 0) {
        problem("model: opset import for domain '" + opset.getDomain() + "' has no version");
      }
      defaultDomain |= domain.isEmpty();
    }
    if (!defaultDomain) {
      problem("model: no opset import for the default domain ''");
    }
  }

  private static String normalizeDomain(String domain) {
    return domain.equals("ai.onnx") ? "" : domain;
  }

  private Set<String> importedDomains() {
    Set<String> out = new HashSet<>();
    for (OperatorSetIdProto opset : model.getOpsetImportList()) {
      out.add(normalizeDomain(opset.getDomain()));
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // Graph

  private void checkGraph(GraphProto graph) {
    Set<String> defined = new HashSet<>();

    Set<String> inputNames = new HashSet<>();
    for (ValueInfoProto in : graph.getInputList()) {
      String label = "graph input '" + in.getName() + "'";
      if (in.getName().isEmpty()) {
        problem("graph input: has no name");
        continue;
      }
      if (!inputNames.add(in.getName())) {
        problem(label + ": duplicate name");
      }
      checkTensorType(label, in);
      defined.add(in.getName());
      if (in.getType().hasTensorType() && in.getType().getTensorType().getElemType() != 0) {
        elemTypes.put(in.getName(), in.getType().getTensorType().getElemType());
      }
    }

    Set<String> initializerNames = new HashSet<>();
    for (TensorProto init : graph.getInitializerList()) {
      String label = "initializer '" + init.getName() + "'";
      if (init.getName().isEmpty()) {
        problem("initializer: has no name");
        continue;
      }
      if (!initializerNames.add(init.getName())) {
        problem(label + ": duplicate name");
      }
      checkTensorData(label, init);
      Integer inputType = elemTypes.get(init.getName());
      if (inputType != null && inputType != init.getDataType()) {
        problem(
            label
                + ": is "
                + OnnxTensors.typeName(init.getDataType())
                + " but the graph input of that name is "
                + OnnxTensors.typeName(inputType));
      }
      defined.add(init.getName());
      elemTypes.put(init.getName(), init.getDataType());
      constants.put(init.getName(), init);
      shapes.put(init.getName(), init.getDimsList());
    }

    Set<String> producedAnywhere = new HashSet<>();
    for (NodeProto node : graph.getNodeList()) {
      producedAnywhere.addAll(node.getOutputList());
    }

    Set<String> domains = importedDomains();
    Set<String> nodeNames = new HashSet<>();
    for (int i = 0; i < graph.getNodeCount(); i++) {
      NodeProto node = graph.getNode(i);
      String label = nodeLabel(node, i);
      if (node.getOpType().isEmpty()) {
        problem(label + ": has no op_type");
      }
      if (!node.getName().isEmpty() && !nodeNames.add(node.getName())) {
        problem(label + ": duplicate node name");
      }
      String domain = normalizeDomain(node.getDomain());
      if (!domain.isEmpty() && !domains.contains(domain)) {
        problem(label + ": domain '" + node.getDomain() + "' has no opset import");
      }
      for (String in : node.getInputList()) {
        if (in.isEmpty() || defined.contains(in)) {
          continue;
        }
        if (producedAnywhere.contains(in)) {
          problem(
              label
                  + ": input '"
                  + in
                  + "' is only produced by a later node (nodes are not"
                  + " in topological order)");
        } else {
          problem(
              label
                  + ": input '"
                  + in
                  + "' is not a graph input, initializer or output of an"
                  + " earlier node");
        }
      }
      if (node.getOutputCount() == 0) {
        problem(label + ": has no output");
      }
      for (String out : node.getOutputList()) {
        if (out.isEmpty()) {
          continue;
        }
        if (!defined.add(out)) {
          problem(label + ": output '" + out + "' duplicates the name of an existing value");
        }
      }
      if (node.getOpType().equals("Constant")) {
        checkConstant(label, node);
      }
      checkQuantTypes(label, node);
      inferOutputType(node);
    }

    Set<String> outputNames = new HashSet<>();
    for (ValueInfoProto out : graph.getOutputList()) {
      String label = "graph output '" + out.getName() + "'";
      if (out.getName().isEmpty()) {
        problem("graph output: has no name");
        continue;
      }
      if (!outputNames.add(out.getName())) {
        problem(label + ": duplicate name");
      }
      if (!defined.contains(out.getName())) {
        problem(label + ": is not produced by any node, input or initializer");
      }
      checkTensorType(label, out);
      Integer known = elemTypes.get(out.getName());
      int declared = out.getType().getTensorType().getElemType();
      if (known != null && declared != 0 && known != declared) {
        problem(
            label
                + ": declared "
                + OnnxTensors.typeName(declared)
                + " but the value is "
                + OnnxTensors.typeName(known));
      }
    }
  }

  private static String nodeLabel(NodeProto node, int index) {
    String name = node.getName().isEmpty() ? "#" + index : "'" + node.getName() + "'";
    return "node " + name + " (" + node.getOpType() + ")";
  }

  private void checkTensorType(String label, ValueInfoProto value) {
    if (!value.hasType() || !value.getType().hasTensorType()) {
      problem(label + ": has no tensor type");
      return;
    }
    int elemType = value.getType().getTensorType().getElemType();
    if (elemType == 0 || DataType.forNumber(elemType) == null) {
      problem(label + ": tensor type has no valid element type (" + elemType + ")");
    }
  }

  private void checkConstant(String label, NodeProto node) {
    TensorProto value = null;
    for (AttributeProto a : node.getAttributeList()) {
      if (a.getName().equals("value") && a.hasT()) {
        value = a.getT();
      }
    }
    if (value == null) {
      // value_float, value_ints, ...: valid ONNX, but the type is not followed here.
      return;
    }
    checkTensorData(label + " value", value);
    if (node.getOutputCount() == 1) {
      elemTypes.put(node.getOutput(0), value.getDataType());
      constants.put(node.getOutput(0), value);
      shapes.put(node.getOutput(0), value.getDimsList());
    }
  }

  private void inferOutputType(NodeProto node) {
    if (node.getOutputCount() == 0) {
      return;
    }
    String out = node.getOutput(0);
    switch (node.getOpType()) {
      case "Constant":
        return; // recorded by checkConstant
      case "QuantizeLinear":
        {
          Integer zp = node.getInputCount() > 2 ? elemTypes.get(node.getInput(2)) : null;
          elemTypes.put(out, zp != null ? zp : DataType.UINT8_VALUE);
          return;
        }
      case "DequantizeLinear":
        elemTypes.put(out, DataType.FLOAT_VALUE);
        return;
      case "Clip":
        {
          List<Long> shape = node.getInputCount() > 0 ? shapes.get(node.getInput(0)) : null;
          if (shape != null) {
            shapes.put(out, shape);
          }
          Integer t = node.getInputCount() > 0 ? elemTypes.get(node.getInput(0)) : null;
          if (t != null) {
            elemTypes.put(out, t);
          }
          return;
        }
      default:
        if (TYPE_PRESERVING.contains(node.getOpType()) && node.getInputCount() > 0) {
          Integer t = elemTypes.get(node.getInput(0));
          if (t != null) {
            elemTypes.put(out, t);
          }
        }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Tensor data

  private void checkTensorData(String label, TensorProto t) {
    int type = t.getDataType();
    if (type == 0 || DataType.forNumber(type) == null) {
      problem(label + ": invalid data_type " + type);
      return;
    }
    for (long d : t.getDimsList()) {
      if (d < 0) {
        problem(label + ": negative dimension in dims " + t.getDimsList());
        return;
      }
    }
    if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
      problem(label + ": data is stored externally, which is not supported");
      return;
    }
    long count = OnnxTensors.elementCount(t);
    String what = OnnxTensors.typeName(type) + " " + t.getDimsList();
    int typedFields =
        (t.getFloatDataCount() > 0 ? 1 : 0)
            + (t.getInt32DataCount() > 0 ? 1 : 0)
            + (t.getInt64DataCount() > 0 ? 1 : 0)
            + (t.getDoubleDataCount() > 0 ? 1 : 0)
            + (t.getUint64DataCount() > 0 ? 1 : 0)
            + (t.getStringDataCount() > 0 ? 1 : 0);
    if (t.hasRawData()) {
      if (typedFields > 0) {
        problem(label + ": has both raw_data and a typed data field");
        return;
      }
      OptionalInt size = OnnxTensors.rawElementSize(type);
      if (type == DataType.STRING_VALUE) {
        problem(label + ": STRING tensors cannot use raw_data");
      } else if (size.isPresent() && t.getRawData().size() != count * size.getAsInt()) {
        problem(
            label
                + ": raw_data has "
                + t.getRawData().size()
                + " bytes, expected "
                + count * size.getAsInt()
                + " for "
                + what);
      }
      return;
    }
    if (typedFields > 1) {
      problem(label + ": has more than one typed data field");
      return;
    }
    DataType dt = DataType.forNumber(type);
    long actual;
    long expected = count;
    switch (dt) {
      case FLOAT:
        actual = t.getFloatDataCount();
        break;
      case COMPLEX64:
        actual = t.getFloatDataCount();
        expected = 2 * count;
        break;
      case INT8:
      case UINT8:
      case INT16:
      case UINT16:
      case INT32:
      case BOOL:
      case FLOAT16:
      case BFLOAT16:
      case FLOAT8E4M3FN:
      case FLOAT8E4M3FNUZ:
      case FLOAT8E5M2:
      case FLOAT8E5M2FNUZ:
        actual = t.getInt32DataCount();
        break;
      case INT64:
        actual = t.getInt64DataCount();
        break;
      case DOUBLE:
        actual = t.getDoubleDataCount();
        break;
      case COMPLEX128:
        actual = t.getDoubleDataCount();
        expected = 2 * count;
        break;
      case UINT32:
      case UINT64:
        actual = t.getUint64DataCount();
        break;
      case STRING:
        actual = t.getStringDataCount();
        break;
      default:
        return; // packed sub-byte types: element count not checked
    }
    long fieldTotal =
        t.getFloatDataCount()
            + t.getInt32DataCount()
            + t.getInt64DataCount()
            + t.getDoubleDataCount()
            + t.getUint64DataCount()
            + t.getStringDataCount();
    if (fieldTotal != actual) {
      problem(label + ": data is in a field that does not match data_type " + what);
    } else if (actual != expected) {
      problem(label + ": has " + actual + " elements, expected " + expected + " for " + what);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // QCDQ type rules

  private void checkQuantTypes(String label, NodeProto node) {
    switch (node.getOpType()) {
      case "QuantizeLinear":
        checkQuantizeLinear(label, node);
        break;
      case "DequantizeLinear":
        checkDequantizeLinear(label, node);
        break;
      case "Clip":
        checkClip(label, node);
        break;
      default:
        break;
    }
  }

  private void checkQuantizeLinear(String label, NodeProto node) {
    if (node.getInputCount() < 2) {
      problem(label + ": needs at least x and y_scale inputs");
      return;
    }
    String x = node.getInput(0);
    Integer xType = elemTypes.get(x);
    if (xType != null && xType != DataType.FLOAT_VALUE) {
      problem(label + ": input '" + x + "' is " + OnnxTensors.typeName(xType) + ", expected FLOAT");
    }
    checkScale(label, node.getInput(1));
    if (node.getInputCount() > 2 && !node.getInput(2).isEmpty()) {
      String zp = node.getInput(2);
      Integer zpType = elemTypes.get(zp);
      if (zpType != null && zpType != DataType.INT8_VALUE && zpType != DataType.UINT8_VALUE) {
        problem(
            label
                + ": zero point '"
                + zp
                + "' is "
                + OnnxTensors.typeName(zpType)
                + ", expected INT8 or UINT8");
      }
      checkScaleAndZeroPointShapes(label, node.getInput(1), zp);
    }
    checkPerAxisLength(label, node, x, node.getInput(1));
  }

  private void checkDequantizeLinear(String label, NodeProto node) {
    if (node.getInputCount() < 2) {
      problem(label + ": needs at least x and x_scale inputs");
      return;
    }
    String x = node.getInput(0);
    Integer xType = elemTypes.get(x);
    if (xType != null
        && xType != DataType.INT8_VALUE
        && xType != DataType.UINT8_VALUE
        && xType != DataType.INT32_VALUE) {
      problem(
          label
              + ": input '"
              + x
              + "' is "
              + OnnxTensors.typeName(xType)
              + ", expected INT8, UINT8 or INT32");
    }
    checkScale(label, node.getInput(1));
    if (node.getInputCount() > 2 && !node.getInput(2).isEmpty()) {
      String zp = node.getInput(2);
      Integer zpType = elemTypes.get(zp);
      if (zpType != null && xType != null && !zpType.equals(xType)) {
        problem(
            label
                + ": zero point '"
                + zp
                + "' is "
                + OnnxTensors.typeName(zpType)
                + " but input '"
                + x
                + "' is "
                + OnnxTensors.typeName(xType));
      }
      if (xType != null && xType == DataType.INT32_VALUE && constants.containsKey(zp)) {
        for (int v : OnnxTensors.toIntArray(constants.get(zp))) {
          if (v != 0) {
            problem(label + ": int32 zero point '" + zp + "' must be 0, found " + v);
            break;
          }
        }
      }
      checkScaleAndZeroPointShapes(label, node.getInput(1), zp);
    }
    checkPerAxisLength(label, node, x, node.getInput(1));
  }

  private void checkScale(String label, String scale) {
    Integer type = elemTypes.get(scale);
    if (type != null && type != DataType.FLOAT_VALUE) {
      problem(
          label + ": scale '" + scale + "' is " + OnnxTensors.typeName(type) + ", expected FLOAT");
    }
    TensorProto t = constants.get(scale);
    if (t != null && t.getDimsCount() > 1) {
      problem(
          label
              + ": scale '"
              + scale
              + "' has dims "
              + t.getDimsList()
              + ", expected a scalar or 1-D tensor");
    }
  }

  private void checkScaleAndZeroPointShapes(String label, String scale, String zp) {
    TensorProto s = constants.get(scale);
    TensorProto z = constants.get(zp);
    if (s != null && z != null && !s.getDimsList().equals(z.getDimsList())) {
      problem(
          label
              + ": zero point '"
              + zp
              + "' has dims "
              + z.getDimsList()
              + " but scale '"
              + scale
              + "' has dims "
              + s.getDimsList());
    }
  }

  /** A 1-D scale quantizes along {@code axis} (default 1); its length must match that axis. */
  private void checkPerAxisLength(String label, NodeProto node, String x, String scale) {
    TensorProto s = constants.get(scale);
    List<Long> dims = shapes.get(x);
    if (s == null || s.getDimsCount() != 1 || dims == null) {
      return;
    }
    long axis = 1;
    for (AttributeProto a : node.getAttributeList()) {
      if (a.getName().equals("axis")) {
        axis = a.getI();
      }
    }
    int rank = dims.size();
    long normalized = axis < 0 ? axis + rank : axis;
    if (normalized < 0 || normalized >= rank) {
      problem(label + ": axis " + axis + " is out of range for input '" + x + "' of rank " + rank);
    } else if (dims.get((int) normalized) != s.getDims(0)) {
      problem(
          label
              + ": scale '"
              + scale
              + "' has "
              + s.getDims(0)
              + " elements but axis "
              + axis
              + " of input '"
              + x
              + "' has "
              + dims.get((int) normalized));
    }
  }

  private void checkClip(String label, NodeProto node) {
    if (node.getInputCount() == 0) {
      problem(label + ": has no input");
      return;
    }
    String x = node.getInput(0);
    Integer xType = elemTypes.get(x);
    Long min = null;
    Long max = null;
    for (int i = 1; i < Math.min(3, node.getInputCount()); i++) {
      String bound = node.getInput(i);
      if (bound.isEmpty()) {
        continue;
      }
      String which = i == 1 ? "min" : "max";
      Integer boundType = elemTypes.get(bound);
      if (boundType != null && xType != null && !boundType.equals(xType)) {
        problem(
            label
                + ": "
                + which
                + " '"
                + bound
                + "' is "
                + OnnxTensors.typeName(boundType)
                + " but input '"
                + x
                + "' is "
                + OnnxTensors.typeName(xType));
      }
      TensorProto t = constants.get(bound);
      if (t != null) {
        if (OnnxTensors.elementCount(t) != 1 || t.getDimsCount() > 1) {
          problem(
              label
                  + ": "
                  + which
                  + " '"
                  + bound
                  + "' has dims "
                  + t.getDimsList()
                  + ", expected a scalar");
        } else if (isIntegerStorage(t.getDataType())) {
          // A tensor whose data does not match its dims is reported by the initializer check.
          int[] values = OnnxTensors.toIntArray(t);
          if (values.length == 1) {
            if (i == 1) {
              min = (long) values[0];
            } else {
              max = (long) values[0];
            }
          }
        }
      }
    }
    if (min != null && max != null && min > max) {
      problem(label + ": min " + min + " is greater than max " + max);
    }
  }

  private static boolean isIntegerStorage(int type) {
    return Arrays.asList(
            DataType.INT8_VALUE,
            DataType.UINT8_VALUE,
            DataType.INT16_VALUE,
            DataType.UINT16_VALUE,
            DataType.INT32_VALUE)
        .contains(type);
  }
}
