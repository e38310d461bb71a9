package dev.qnn4j.runtime.nn;

import dev.qnn4j.runtime.Parameter;
import dev.qnn4j.runtime.Tensor;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A network: named layers plus a forward function. Generated {@code QuantModel_*} classes implement
 * it; so can hand-written models.
 */
public interface Model {
  /** The model's name (the simple name of the declaring class). */
  String modelName();

  /** The layers in declaration order. */
  List<Module> layers();

  Tensor forward(Tensor x);

  /**
   * The input shape without the batch dimension, as declared by {@code @QuantModel(inputShape)};
   * empty if undeclared.
   */
  default long[] inputShape() {
    return new long[0];
  }

  /**
   * The forward and backward pass the annotation processor compiled for this model, or empty when
   * its forward could not be compiled (the tape computes it then). The step is the model's own: one
   * per model.
   */
  default Optional<CompiledStep> compiledStep() {
    return Optional.empty();
  }

  default void train() {
    for (Module m : layers()) {
      m.setTraining(true);
    }
  }

  default void eval() {
    for (Module m : layers()) {
      m.setTraining(false);
    }
  }

  default boolean isTraining() {
    return layers().isEmpty() || layers().get(0).isTraining();
  }

  default List<Parameter> parameters() {
    List<Parameter> ps = new ArrayList<>();
    for (Module m : layers()) {
      ps.addAll(m.parameters());
    }
    return ps;
  }

  /** Clears every parameter's gradient, layer by layer (no list of parameters is built). */
  default void zeroGrad() {
    List<Module> layers = layers();
    for (int i = 0; i < layers.size(); i++) {
      layers.get(i).zeroGrad();
    }
  }

  /**
   * Further state-dict paths of layers that the PyTorch model registers at several places (a module
   * shared across a residual add, {@code @StateDictName(aliases)}): alias -> layer name.
   */
  default Map<String, String> stateDictAliases() {
    return Map.of();
  }

  default Map<String, Tensor> stateDict() {
    Map<String, Tensor> s = new LinkedHashMap<>();
    Map<String, String> aliases = stateDictAliases();
    for (Module m : layers()) {
      Map<String, Tensor> own = m.stateDict();
      s.putAll(own);
      aliases.forEach(
          (alias, layer) -> {
            if (layer.equals(m.name())) {
              own.forEach((k, v) -> s.put(alias + k.substring(layer.length()), v));
            }
          });
    }
    return s;
  }

  /**
   * Loads parameters by PyTorch-style name. With {@code strict}, every parameter must be present
   * and every entry must be used; otherwise missing ones keep their values (e.g. float weights into
   * a quantized model). An unknown entry is always reported.
   */
  default void loadStateDict(Map<String, Tensor> state, boolean strict) {
    state = StateDictAliases.resolve(modelName(), state, stateDictAliases());
    Set<String> used = new HashSet<>();
    for (Module m : layers()) {
      used.addAll(m.loadStateDict(state, strict));
    }
    Set<String> unknown = new TreeSet<>(state.keySet());
    unknown.removeAll(used);
    unknown.removeIf(k -> !strict && k.contains("_quant."));
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException(
          modelName() + " has no parameter named " + String.join(", ", unknown));
    }
  }

  /** Finds a layer by name. */
  default Module layer(String name) {
    for (Module m : layers()) {
      if (m.name().equals(name)) {
        return m;
      }
    }
    throw new IllegalArgumentException(modelName() + " has no layer " + name);
  }
}
