package dev.qnn4j.processor.validation;

import dev.qnn4j.processor.forward.ForwardParser;
import dev.qnn4j.processor.forward.ForwardProgram;
import dev.qnn4j.processor.forward.ForwardProgram.FCall;
import dev.qnn4j.processor.forward.ForwardProgram.LayerCall;
import dev.qnn4j.processor.forward.ForwardProgram.Unsupported;
import dev.qnn4j.processor.forward.StaticShapes;
import dev.qnn4j.processor.forward.StaticShapes.Value;
import dev.qnn4j.processor.model.LayerDescriptor;
import dev.qnn4j.processor.model.LayerKind;
import dev.qnn4j.processor.model.ModelDescriptor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.tools.Diagnostic.Kind;

/**
 * The checks that read {@code forward}: follows the model's {@link ForwardProgram} with {@link
 * StaticShapes} and reports
 *
 * <ul>
 *   <li>shape mismatches between consecutive layers, with the runtime's message format ({@code
 *       <layer>: expected input <expected>, got <actual>}, batch written {@code N});
 *   <li>a stateful activation quantizer (QuantReLU, QuantIdentity) called at two places (warning);
 *   <li>the worst-case accumulator of each quantized conv/linear whose input bit width is known.
 * </ul>
 *
 * A forward outside the straight-line subset (a branch, a loop, a helper call) gets no report: the
 * runtime layers check shapes at the first forward instead.
 */
public final class ForwardAnalyzer {
  private final ForwardParser parser;

  public ForwardAnalyzer(ForwardParser parser) {
    this.parser = parser;
  }

  public void analyze(ModelDescriptor model, Diagnostics out) {
    if (!model.declaresForward()) {
      return;
    }
    Map<String, LayerDescriptor> layers = model.layersByMethod();
    long[] inputShape = model.inputShapeOrNull();
    Findings findings;
    try {
      ForwardProgram program = parser.parse(model.forward(), model.type(), layers.keySet());
      if (program == null) {
        return;
      }
      findings = new Findings(program);
      program.run(new StaticShapes(inputShape, layers, findings));
    } catch (Unsupported notStraightLine) {
      return;
    }
    findings.all.forEach(out::add);
  }

  /** The diagnostics of one analysis, kept until it is known that forward is straight-line code. */
  private static final class Findings implements StaticShapes.Listener {
    private final ForwardProgram program;
    private final List<Diagnostic> all = new ArrayList<>();

    Findings(ForwardProgram program) {
      this.program = program;
    }

    @Override
    public void layerMismatch(
        LayerDescriptor layer, String expected, Value actual, String attribute) {
      all.add(
          Diagnostic.error(
              Messages.shapeMismatch(layer.layerName(), expected, actual.shape()),
              layer.method(),
              layer.mirror(),
              attribute == null ? null : layer.anchor().value(attribute)));
    }

    @Override
    public void functionMismatch(FCall call, String function, String expected, Value actual) {
      all.add(
          Diagnostic.atTree(
              Kind.ERROR,
              Messages.shapeMismatch(function, expected, actual.shape()),
              program.method(),
              call.tree(),
              program.unit()));
    }

    @Override
    public void layerCalled(LayerCall call, LayerDescriptor layer, int count) {
      LayerKind kind = layer.requireKind();
      // A layer with @StateDictName(aliases) is a module registered at several places: its
      // sharing is declared.
      if (count == 2
          && kind.role() == LayerKind.Role.QUANT_ACTIVATION
          && layer.stateDictAliases().isEmpty()) {
        all.add(
            Diagnostic.atTree(
                Kind.WARNING,
                Messages.activationCalledTwice(layer.layerName(), kind),
                program.method(),
                call.tree(),
                program.unit()));
      }
    }

    @Override
    public void quantizationMismatch(
        LayerDescriptor layer, StaticShapes.Quant first, StaticShapes.Quant other) {
      all.add(
          Diagnostic.error(
              Messages.catQuantizationMismatch(
                  layer.layerName(), first.bits(), first.signed(), other.bits(), other.signed()),
              layer.method(),
              layer.mirror()));
    }

    @Override
    public void quantizedInput(LayerDescriptor layer, Value input) {
      // A layer with its own input quantizer is checked by the Validator whatever forward looks
      // like.
      if (layer.inputQuant().isEmpty()
          && input.quant() != null
          && Validator.isValidBits(input.quant().bits(), true)) {
        Diagnostics d = new Diagnostics();
        Validator.checkAccumulator(layer, input.quant().bits(), input.quant().signed(), d);
        all.addAll(d.all());
      }
    }
  }
}
