package dev.qnn4j.processor.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.AnnotationValueVisitor;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.type.TypeMirror;
import javax.lang.model.util.Elements;

/**
 * An annotation's attribute values, defaults included, read from its mirror so that each value can
 * anchor a diagnostic. Values javac could not evaluate (it reports those itself) read as zero.
 * Automated quantization also builds {@link #derived} attributes, which have no mirror.
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

  /**
   * Attributes not written in source: those of a layer derived by automated quantization. The
   * values of {@code base} (may be null) are kept unless {@code values} replaces them; values are
   * boxed primitives, or enum constant names as strings. The mirror is null.
   */
  public static Attributes derived(Attributes base, Map<String, Object> values) {
    Map<String, AnnotationValue> all = new LinkedHashMap<>();
    if (base != null) {
      all.putAll(base.values);
    }
    values.forEach((name, value) -> all.put(name, new Constant(value)));
    return new Attributes(null, all);
  }

  /** A value computed by the processor rather than read from an annotation. */
  private record Constant(Object value) implements AnnotationValue {
    @Override
    public Object getValue() {
      return value;
    }

    @Override
    public <R, P> R accept(AnnotationValueVisitor<R, P> v, P p) {
      return v.visitUnknown(this, p);
    }

    @Override
    public String toString() {
      return String.valueOf(value);
    }
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
    if (v instanceof VariableElement e) {
      return e.getSimpleName().toString();
    }
    return v instanceof String constant ? constant : "";
  }

  public String stringValue(String name) {
    return raw(name) instanceof String v ? v : "";
  }

  /** A {@code Class<?>} attribute's type, or null when javac could not resolve it. */
  public TypeMirror typeValue(String name) {
    return raw(name) instanceof TypeMirror t ? t : null;
  }

  /** A nested annotation attribute, or null. */
  public AnnotationMirror annotationValue(String name) {
    return raw(name) instanceof AnnotationMirror m ? m : null;
  }

  /** An annotation-array attribute's elements, with the value of each (to anchor diagnostics). */
  public List<AnnotationValue> annotationList(String name) {
    List<AnnotationValue> out = new ArrayList<>();
    if (raw(name) instanceof List<?> list) {
      for (Object o : list) {
        if (o instanceof AnnotationValue av && av.getValue() instanceof AnnotationMirror) {
          out.add(av);
        }
      }
    }
    return List.copyOf(out);
  }

  /** Whether {@code name} is written in source rather than defaulted. */
  public boolean isExplicit(String name) {
    return mirror != null && mirror.getElementValues().keySet().stream()
        .anyMatch(e -> e.getSimpleName().contentEquals(name));
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
