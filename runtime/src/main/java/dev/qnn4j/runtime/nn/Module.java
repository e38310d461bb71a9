package dev.qnn4j.runtime.nn;

import dev.qnn4j.runtime.Parameter;
import dev.qnn4j.runtime.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A named layer: its parameters, its state (by PyTorch-style names, prefixed with the layer name)
 * and its mode (training, evaluation, calibration).
 */
public abstract class Module {
  private final String name;
  private boolean training = true;

  protected Module(String name) {
    this.name = name;
  }

  /** The layer's name in the model, as in PyTorch's state dict ({@code conv1}). */
  public final String name() {
    return name;
  }

  public final boolean isTraining() {
    return training;
  }

  public void setTraining(boolean training) {
    this.training = training;
  }

  /** Learnable parameters, in state-dict order. */
  public List<Parameter> parameters() {
    return List.of();
  }

  /**
   * Clears the gradients of {@link #parameters()}. The layers of the compiled steps override it to
   * clear their parameters directly, so a training step allocates no list for it.
   */
  public void zeroGrad() {
    List<Parameter> ps = parameters();
    for (int i = 0; i < ps.size(); i++) {
      ps.get(i).zeroGrad();
    }
  }

  /**
   * Everything needed to restore the layer, by full name: parameters plus quantizer and
   * normalisation state.
   */
  public Map<String, Tensor> stateDict() {
    Map<String, Tensor> state = new LinkedHashMap<>();
    for (Parameter p : parameters()) {
      state.put(p.name(), p);
    }
    return state;
  }

  /**
   * Loads the entries of {@code state} that belong to this layer; returns the names it used. A
   * missing parameter is an error only when {@code strict}.
   */
  public java.util.Set<String> loadStateDict(Map<String, Tensor> state, boolean strict) {
    java.util.Set<String> used = new java.util.HashSet<>();
    for (Parameter p : parameters()) {
      Tensor t = state.get(p.name());
      if (t == null) {
        if (strict) {
          throw new IllegalArgumentException("missing " + p.name() + " in the state to load");
        }
        continue;
      }
      p.set(t);
      used.add(p.name());
    }
    return used;
  }

  /** Enters or leaves Brevitas-style calibration (statistics collected, quantization off). */
  public void setCalibration(boolean calibrating) {}

  /** One line describing the layer, as in Brevitas' module print. */
  public abstract String describe();

  @Override
  public String toString() {
    return name + ": " + describe();
  }

  protected static String shapeString(long[] shape) {
    return java.util.Arrays.toString(shape);
  }
}
