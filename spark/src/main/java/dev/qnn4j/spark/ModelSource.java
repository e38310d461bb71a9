package dev.qnn4j.spark;

import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.nn.ModelFactory;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * How an executor builds its copy of the model; shipped to the executors with the tasks, so it must
 * be serializable (a lambda assigned to this type is). Its parameters are then overwritten by the
 * driver's broadcast state, so the initial values do not matter.
 */
@FunctionalInterface
public interface ModelSource extends Serializable {
  Model create();

  /**
   * The model registered under {@code name} by the annotation processor ({@link ModelFactory},
   * found with {@link ServiceLoader} on the executor's classpath).
   */
  static ModelSource named(String name) {
    return () -> {
      List<String> known = new ArrayList<>();
      for (ModelFactory f : ServiceLoader.load(ModelFactory.class)) {
        if (f.modelName().equals(name)) {
          return f.create();
        }
        known.add(f.modelName());
      }
      throw new IllegalArgumentException(
          "no model named "
              + name
              + " on this classpath (known: "
              + (known.isEmpty() ? "none" : String.join(", ", known))
              + ")");
    };
  }
}
