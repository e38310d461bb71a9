package dev.qnn4j.runtime.train;

import dev.qnn4j.runtime.nn.Parameter;
import java.util.List;

/** Updates parameters from their accumulated gradients. */
public interface Optimizer {
  List<Parameter> parameters();

  /** Applies one update; parameters without a gradient are left alone. */
  void step();

  default void zeroGrad() {
    for (Parameter p : parameters()) {
      p.zeroGrad();
    }
  }
}
