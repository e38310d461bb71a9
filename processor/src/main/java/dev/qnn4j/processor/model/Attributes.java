package dev.qnn4j.processor.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.util.Elements;

/**
 * An annotation's attribute values, defaults included, read from its mirror so that each value can
 * anchor a diagnostic. Values javac could not evaluate (it reports those itself) read as zero.
 */
public final class Attributes {
  private final AnnotationMirror mirror;
  private final Map<String, AnnotationValue> values;

  private Attributes(AnnotationMirror mirror, Map<String, AnnotationValue> values) {
    this.mirror = mirror;
    this.values = Collections.unmodifiableMap(values);
  }

  public static Attributes of(AnnotationMirror mirror, Elements elements) {
    Map<String, AnnotationValue> values = new LinkedHashMap<>();
    for (Map.Entry<? extends ExecutableElement, ? extends AnnotationValue> e
        : elements.getElementValuesWithDefaults(mirror).entrySet()) {
      values.put(e.getKey().getSimpleName().toString(), e.getValue());
    }
    return new Attributes(mirror, values);
  }

  public AnnotationMirror mirror() {
    return mirror;
  }

  /** The value of {@code name}, or null when the annotation has no such attribute. */
  public AnnotationValue value(String name) {
    return values.get(name);
  }

  public boolean has(String name) {
    return values.containsKey(name);
  }

  public int intValue(String name) {
    Object v = raw(name);
    return v instanceof Number n ? n.intValue() : 0;
  }

  public double doubleValue(String name) {
    Object v = raw(name);
    return v instanceof Number n ? n.doubleValue() : 0;
  }

  public boolean booleanValue(String name) {
    return Boolean.TRUE.equals(raw(name));
  }

  /** The constant name of an enum attribute ({@code "POWER_OF_TWO"}). */
  public String enumValue(String name) {
    Object v = raw(name);
    return v instanceof VariableElement e ? e.getSimpleName().toString() : "";
  }

  public List<Integer> intList(String name) {
    List<Integer> out = new ArrayList<>();
    if (raw(name) instanceof List<?> list) {
      for (Object o : list) {
        if (o instanceof AnnotationValue av && av.getValue() instanceof Number n) {
          out.add(n.intValue());
        }
      }
    }
    return List.copyOf(out);
  }

  private Object raw(String name) {
    AnnotationValue v = values.get(name);
    return v == null ? null : v.getValue();
  }
}
