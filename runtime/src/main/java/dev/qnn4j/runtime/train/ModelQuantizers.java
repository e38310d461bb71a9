package dev.qnn4j.runtime.train;

import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.nn.Module;
import dev.qnn4j.runtime.nn.QuantActivation;
import dev.qnn4j.runtime.nn.QuantEltwiseAdd;
import dev.qnn4j.runtime.nn.QuantWeightLayer;
import dev.qnn4j.runtime.quant.ActQuantizer;
import dev.qnn4j.runtime.quant.ScalingImpl;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/** Finds a model's activation quantizers, named by the state-dict prefix of their scale. */
public final class ModelQuantizers {
  private static final String VALUE = ".value";

  private ModelQuantizers() {}

  /**
   * Every statistics-scaled activation quantizer of {@code model}, in layer order, keyed by the
   * name of its learned scale without the trailing {@code .value} (Brevitas' {@code
   * <layer>.act_quant.fused_activation_quant_proxy.tensor_quant.scaling_impl}).
   */
  public static Map<String, ActQuantizer> byPrefix(Model model) {
    Map<String, ActQuantizer> out = new LinkedHashMap<>();
    Map<ActQuantizer, Boolean> seen = new IdentityHashMap<>();
    for (Module m : model.layers()) {
      if (m instanceof QuantActivation a) {
        add(out, seen, a.quantizer());
      } else if (m instanceof QuantWeightLayer w) {
        add(out, seen, w.inputQuantizer());
        add(out, seen, w.outputQuantizer());
      } else if (m instanceof QuantEltwiseAdd e) {
        add(out, seen, e.outputQuantizer());
      }
    }
    return out;
  }

  private static void add(
      Map<String, ActQuantizer> out, Map<ActQuantizer, Boolean> seen, ActQuantizer q) {
    // A layer listed twice (shared) holds the same quantizer; it is saved once.
    if (q == null || seen.put(q, Boolean.TRUE) != null) {
      return;
    }
    // Constant and learned (PARAMETER) scales keep no statistics: a learned one is in the state
    // dict.
    if (q.config().scaling() != ScalingImpl.STATS) {
      return;
    }
    String name = q.value().name();
    String prefix = name.endsWith(VALUE) ? name.substring(0, name.length() - VALUE.length()) : name;
    if (out.putIfAbsent(prefix, q) != null) {
      throw new IllegalStateException("two activation quantizers share the name " + name);
    }
  }
}
