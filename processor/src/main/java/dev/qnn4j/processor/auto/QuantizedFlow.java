package dev.qnn4j.processor.auto;

import com.sun.source.tree.Tree;
import dev.qnn4j.processor.forward.ForwardProgram;
import dev.qnn4j.processor.forward.ForwardProgram.FCall;
import dev.qnn4j.processor.forward.ForwardProgram.LayerCall;
import dev.qnn4j.processor.forward.ForwardProgram.Unsupported;
import dev.qnn4j.processor.forward.ForwardProgram.Var;
import dev.qnn4j.processor.model.LayerDescriptor;
import dev.qnn4j.processor.model.Parameter;
import dev.qnn4j.processor.model.ValueType;
import dev.qnn4j.processor.validation.Messages;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The data flow of the float model's forward once its layers are quantized as planned: whether each
 * value is a QuantTensor and with how many bits, and what reaches each layer (its inputs, its call
 * sites).
 */
final class QuantizedFlow implements ForwardProgram.Semantics<QuantizedFlow.Flow> {
  /** What is known of a value in the quantized forward. */
  record Flow(boolean quantTensor, Integer bits, boolean signed) {
    static final Flow FLOAT = new Flow(false, null, false);

    Flow plain() {
      return new Flow(false, bits, signed);
    }
  }

  private final Map<String, LayerPlan> plans;
  private final Map<String, List<Flow>> inputs = new HashMap<>();
  private final Map<String, List<Tree>> calls = new HashMap<>();

  QuantizedFlow(Map<String, LayerPlan> plans) {
    this.plans = plans;
  }

  /** The first input of every call of a layer method, in call order. */
  List<Flow> inputsOf(String method) {
    return inputs.getOrDefault(method, List.of());
  }

  /** The call sites of a layer method. */
  List<Tree> callsOf(String method) {
    return calls.getOrDefault(method, List.of());
  }

  @Override
  public Flow parameter() {
    return Flow.FLOAT;
  }

  @Override
  public Flow unassigned(Var variable) throws Unsupported {
    throw new Unsupported(Messages.readsBeforeAssigning(variable.name()), null);
  }

  @Override
  public Flow function(FCall call, List<Flow> tensors) {
    Flow x = tensors.get(0);
    return switch (call.function()) {
      case "maxPool2d", "flatten", "upsampleNearest" -> x;
      case "relu", "reshape" -> x.plain();
      default -> Flow.FLOAT;
    };
  }

  @Override
  public Flow layerCall(LayerCall call, List<Flow> args) throws Unsupported {
    LayerPlan p = plans.get(call.method());
    List<Parameter> params = p.source().parameters();
    for (int i = 0; i < Math.min(params.size(), args.size()); i++) {
      if (params.get(i).type() == ValueType.QUANT_TENSOR && !args.get(i).quantTensor()) {
        throw new Unsupported(
            Messages.quantTensorInputLost(p.source().methodName(), params.get(i).name()),
            call.tree());
      }
    }
    Flow x = args.isEmpty() ? Flow.FLOAT : args.get(0);
    inputs.computeIfAbsent(call.method(), k -> new ArrayList<>()).add(x);
    calls.computeIfAbsent(call.method(), k -> new ArrayList<>()).add(call.tree());
    switch (p.action()) {
      case COMPUTE:
        return Flow.FLOAT;
      case RELU:
        return new Flow(p.returnQuantTensor(), p.reluBits(), false);
      default:
        break;
    }
    LayerDescriptor l = p.source();
    boolean qt = l.returnsQuantTensor();
    return switch (l.requireKind()) {
      case RELU -> x.plain();
      case QUANT_RELU, QUANT_IDENTITY, QUANT_HARD_TANH, QUANT_SIGMOID, QUANT_TANH ->
          new Flow(
              qt, l.requireSpec().activation().bitWidth(), l.requireSpec().activation().signed());
      case QUANT_MAX_POOL2D, QUANT_UPSAMPLE, QUANT_CAT -> new Flow(qt, x.bits(), x.signed());
      case TRUNC_AVG_POOL2D, TRUNC_ADAPTIVE_AVG_POOL2D ->
          new Flow(qt, l.requireSpec().trunc().bitWidth(), x.signed());
      case QUANT_CONV2D, QUANT_CONV1D, QUANT_CONV_TRANSPOSE2D, QUANT_LINEAR, QUANT_ELTWISE_ADD ->
          l.outputQuant()
              .map(q -> new Flow(qt, q.bitWidth(), q.signed()))
              .orElse(new Flow(qt, null, false));
      default -> Flow.FLOAT;
    };
  }
}
