package dev.qnn4j.spark;

import dev.qnn4j.runtime.Parameter;
import dev.qnn4j.runtime.train.Optimizer;
import java.io.Serializable;
import java.util.List;

/**
 * Builds the optimizer an executor's copy of the model steps with in parameter-averaging mode (same
 * kind and hyperparameters as the driver's); a serializable lambda such as {@code ps -> new
 * Adam(ps, 1e-3f)}.
 */
@FunctionalInterface
public interface OptimizerFactory extends Serializable {
  Optimizer create(List<Parameter> parameters);
}
