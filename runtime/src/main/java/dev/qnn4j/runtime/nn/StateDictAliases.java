package dev.qnn4j.runtime.nn;

import dev.qnn4j.runtime.Tensor;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Loading a state dict in which one module appears under several paths ({@link
 * Model#stateDictAliases()}): each aliased entry must equal the layer's own entry, and is loaded
 * from it.
 */
final class StateDictAliases {
  private StateDictAliases() {}

  /**
   * {@code state} with every entry under an alias path moved to the layer's own path; fails when
   * the same tensor is given twice with different values.
   */
  static Map<String, Tensor> resolve(
      String model, Map<String, Tensor> state, Map<String, String> aliases) {
    if (aliases.isEmpty()) {
      return state;
    }
    Map<String, Tensor> out = new LinkedHashMap<>();
    Map<String, String> movedFrom = new LinkedHashMap<>();
    for (Map.Entry<String, Tensor> e : state.entrySet()) {
      String key = e.getKey();
      String target = key;
      for (Map.Entry<String, String> a : aliases.entrySet()) {
        if (key.startsWith(a.getKey() + ".")) {
          target = a.getValue() + key.substring(a.getKey().length());
          break;
        }
      }
      Tensor previous = out.get(target);
      if (previous != null && !same(previous, e.getValue())) {
        String first = movedFrom.getOrDefault(target, target);
        throw new IllegalArgumentException(
            model
                + ": "
                + first
                + " and "
                + key
                + " are one shared module (@StateDictName aliases) but hold different values");
      }
      if (previous == null) {
        out.put(target, e.getValue());
        movedFrom.put(target, key);
      }
    }
    return out;
  }

  private static boolean same(Tensor a, Tensor b) {
    return Arrays.equals(a.shape(), b.shape()) && Arrays.equals(a.toFloatArray(), b.toFloatArray());
  }
}
