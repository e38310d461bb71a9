package dev.qnn4j.runtime.train;

import dev.qnn4j.runtime.Parameter;
import dev.qnn4j.runtime.io.ArrayData;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Validation shared by the optimizers' {@code loadStateDict}: names, fields, dtypes, shapes. */
final class OptimizerStates {
  private OptimizerStates() {}

  /**
   * Groups {@code state} by parameter: for each parameter with entries, its fields. Every field
   * must be in {@code fields} and every parameter must have all of them.
   *
   * @param scalarFields fields that are INT64 scalars; the others are FLOAT32 of the parameter's
   *     shape
   */
  static Map<Parameter, Map<String, ArrayData>> group(
      String optimizer,
      List<Parameter> parameters,
      Map<String, ArrayData> state,
      Set<String> fields,
      Set<String> scalarFields) {
    Map<String, Parameter> byName = new LinkedHashMap<>();
    for (Parameter p : parameters) {
      byName.put(p.name(), p);
    }
    Map<Parameter, Map<String, ArrayData>> grouped = new LinkedHashMap<>();
    for (Map.Entry<String, ArrayData> e : state.entrySet()) {
      String key = e.getKey();
      // Parameter names contain dots themselves; the field is whatever follows the last one.
      int dot = key.lastIndexOf('.');
      String field = dot < 0 ? "" : key.substring(dot + 1);
      Parameter p = dot < 0 ? null : byName.get(key.substring(0, dot));
      if (p == null) {
        throw new IllegalArgumentException(
            optimizer + " state " + key + " names no parameter of this optimizer");
      }
      if (!fields.contains(field)) {
        throw new IllegalArgumentException(
            optimizer
                + " state "
                + key
                + ": unknown field "
                + field
                + " (expected one of "
                + fields
                + ")");
      }
      ArrayData a = e.getValue();
      if (scalarFields.contains(field)) {
        if (a.numElements() != 1 || a.dtype().isFloatingPoint()) {
          throw new IllegalArgumentException(
              optimizer
                  + " state "
                  + key
                  + ": expected an integer scalar, got "
                  + a.dtype()
                  + " "
                  + Arrays.toString(a.shape()));
        }
      } else if (!Arrays.equals(a.shape(), p.shape()) || !a.dtype().isFloatingPoint()) {
        throw new IllegalArgumentException(
            optimizer
                + " state "
                + key
                + ": expected FLOAT32 "
                + Arrays.toString(p.shape())
                + " like the parameter, got "
                + a.dtype()
                + " "
                + Arrays.toString(a.shape()));
      }
      grouped.computeIfAbsent(p, k -> new LinkedHashMap<>()).put(field, a);
    }
    for (Map.Entry<Parameter, Map<String, ArrayData>> g : grouped.entrySet()) {
      for (String f : fields) {
        if (!g.getValue().containsKey(f)) {
          throw new IllegalArgumentException(
              optimizer + " state for " + g.getKey().name() + " lacks " + f);
        }
      }
    }
    return grouped;
  }

  static ArrayData floats(float[] values, Parameter p) {
    return ArrayData.ofFloats(values, p.shape());
  }

  static ArrayData scalar(long v) {
    return ArrayData.ofLongs(new long[] {v});
  }

  static long longValue(ArrayData a) {
    return a.toLongArray()[0];
  }
}
