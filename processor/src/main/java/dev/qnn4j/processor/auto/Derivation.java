package dev.qnn4j.processor.auto;

import dev.qnn4j.annotations.BiasRule;
import dev.qnn4j.processor.auto.QuantizedFlow.Flow;
import dev.qnn4j.processor.model.ActQuantSpec;
import dev.qnn4j.processor.model.Anchor;
import dev.qnn4j.processor.model.BiasSpec;
import dev.qnn4j.processor.model.Companion;
import dev.qnn4j.processor.model.Geometry;
import dev.qnn4j.processor.model.LayerDescriptor;
import dev.qnn4j.processor.model.LayerKind;
import dev.qnn4j.processor.model.LayerSpec;
import dev.qnn4j.processor.model.QuantizeFromSpec;
import dev.qnn4j.processor.model.ValueType;
import dev.qnn4j.processor.model.WeightQuantSpec;
import dev.qnn4j.processor.validation.Diagnostic;
import dev.qnn4j.processor.validation.Diagnostics;
import dev.qnn4j.processor.validation.Messages;
import dev.qnn4j.processor.validation.Validator;
import java.util.List;
import java.util.Optional;
import javax.tools.Diagnostic.Kind;

/**
 * Completes each {@link LayerPlan} with what forward showed (which compute layers see a float input
 * and so get an input quantizer), derives the quantized layer, and checks what the rules cannot
 * promise: a quantized bias needs an input scale, the accumulator must hold the worst case.
 */
final class Derivation {
  private final String floatName;
  private final QuantizeFromSpec.Rules rules;
  private final QuantizedFlow flow;
  private final Reporter report;

  Derivation(String floatName, QuantizeFromSpec.Rules rules, QuantizedFlow flow, Reporter report) {
    this.floatName = floatName;
    this.rules = rules;
    this.flow = flow;
    this.report = report;
  }

  LayerDescriptor derive(LayerPlan p) {
    return switch (p.action()) {
      case KEEP -> p.source();
      case RELU -> relu(p);
      case COMPUTE -> compute(p);
    };
  }

  private LayerDescriptor relu(LayerPlan p) {
    String name = p.source().layerName();
    int places = flow.callsOf(p.source().methodName()).size();
    if (places > 1) {
      report.add(
          new Diagnostic(
              Kind.WARNING,
              Messages.quantizedReluCalledTwice(name, floatName, places),
              report.holder,
              report.quantizeFrom,
              null,
              null,
              null));
    }
    LayerDescriptor s = p.source();
    LayerSpec spec =
        new LayerSpec(
            LayerKind.QUANT_RELU,
            Geometry.NONE,
            Optional.empty(),
            Optional.of(
                new ActQuantSpec(p.reluBits(), false, rules.activationScaling(), Anchor.NONE)),
            p.returnQuantTensor(),
            Anchor.NONE);
    ValueType returned = p.returnQuantTensor() ? ValueType.QUANT_TENSOR : ValueType.TENSOR;
    return new LayerDescriptor(
        s.method(),
        s.methodName(),
        s.layerName(),
        s.stateDictName(),
        Optional.of(spec),
        List.of(),
        s.parameters(),
        returned,
        p.returnQuantTensor() ? ValueType.QUANT_TENSOR_NAME : ValueType.TENSOR_NAME,
        List.of(),
        Optional.empty(),
        Optional.empty(),
        List.of());
  }

  private LayerDescriptor compute(LayerPlan p) {
    String name = p.source().layerName();
    List<Flow> inputs = flow.inputsOf(p.source().methodName());
    boolean floatInput = inputs.stream().anyMatch(f -> !f.quantTensor());
    boolean inputQuant = floatInput && p.inputBits() > 0;
    if (p.bias() != BiasRule.FLOAT && floatInput && !inputQuant) {
      report.error(
          Messages.derivedBiasWithoutInputScale(name, p.bias(), floatName), p.biasAnchor());
    }
    LayerDescriptor derived = quantized(p, inputQuant);
    for (Flow in : inputs) {
      Integer bits = inputQuant ? Integer.valueOf(p.inputBits()) : in.bits();
      boolean signed = inputQuant || in.signed();
      if (bits != null && Validator.isValidBits(bits, true)) {
        Diagnostics d = new Diagnostics();
        Validator.checkAccumulator(derived, bits, signed, d);
        d.all().forEach(x -> report.error(x.message(), report.rules("accumulatorBitWidth")));
      }
    }
    return derived;
  }

  private LayerDescriptor quantized(LayerPlan p, boolean inputQuant) {
    LayerDescriptor s = p.source();
    LayerKind kind =
        s.requireKind() == LayerKind.CONV2D ? LayerKind.QUANT_CONV2D : LayerKind.QUANT_LINEAR;
    WeightQuantSpec weight =
        new WeightQuantSpec(
            p.weightBits(),
            rules.weightPerChannel(),
            rules.weightScaling(),
            rules.accumulatorBitWidth());
    LayerSpec spec =
        new LayerSpec(
            kind,
            s.requireSpec().geometry(),
            Optional.of(weight),
            Optional.empty(),
            false,
            Anchor.NONE);
    List<BiasSpec> biases =
        p.bias() == BiasRule.FLOAT
            ? List.of()
            : List.of(new BiasSpec(Companion.valueOf(p.bias().name() + "_BIAS"), null));
    Optional<ActQuantSpec> input =
        inputQuant
            ? Optional.of(
                new ActQuantSpec(p.inputBits(), true, rules.activationScaling(), Anchor.NONE))
            : Optional.empty();
    return new LayerDescriptor(
        s.method(),
        s.methodName(),
        s.layerName(),
        s.stateDictName(),
        Optional.of(spec),
        List.of(),
        s.parameters(),
        ValueType.TENSOR,
        ValueType.TENSOR_NAME,
        biases,
        input,
        Optional.empty(),
        List.of());
  }
}
