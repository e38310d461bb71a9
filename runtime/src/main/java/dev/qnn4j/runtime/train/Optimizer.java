package dev.qnn4j.runtime.train;

import dev.qnn4j.runtime.Parameter;
import dev.qnn4j.runtime.io.ArrayData;
import java.util.List;
import java.util.Map;

/** Updates parameters from their accumulated gradients. */
public interface Optimizer {
  List<Parameter> parameters();

  /** Applies one update; parameters without a gradient are left alone. */
  void step();

  default void zeroGrad() {
    List<Parameter> ps = parameters();
    for (int i = 0; i < ps.size(); i++) {
      ps.get(i).zeroGrad();
    }
  }

  /**
   * A short name recorded in checkpoints (PyTorch's class name, e.g. {@code Adam}, {@code SGD}).
   */
  default String name() {
    return getClass().getSimpleName();
  }

  /** The learning rate, for progress reports; NaN if the optimizer has none. */
  default float lr() {
    return Float.NaN;
  }

  /**
   * Hyperparameters by PyTorch's names ({@code lr}, {@code momentum}...), for checkpoint metadata.
   */
  default Map<String, String> hyperparameters() {
    return Map.of();
  }

  /**
   * The per-parameter state a resumed run needs, keyed {@code <parameter name>.<field>} with
   * PyTorch's field names ({@code exp_avg}, {@code momentum_buffer}...). Parameters that have not
   * been updated yet have no entries, as in PyTorch.
   */
  default Map<String, ArrayData> stateDict() {
    return Map.of();
  }

  /**
   * Replaces the per-parameter state with {@code state} (as {@link #stateDict()} returns it).
   * Validates every entry before changing anything.
   *
   * @throws IllegalArgumentException naming the offending entry if a name, field or shape does not
   *     fit
   */
  default void loadStateDict(Map<String, ArrayData> state) {
    if (!state.isEmpty()) {
      throw new IllegalArgumentException(
          name() + " keeps no state, but got " + state.keySet().iterator().next());
    }
  }
}
