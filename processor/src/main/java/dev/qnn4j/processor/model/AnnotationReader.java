package dev.qnn4j.processor.model;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.type.TypeMirror;
import javax.lang.model.util.Elements;

/**
 * Reads one annotation mirror's values, defaults included, for the extractors that turn it into a
 * typed spec; nothing else reads annotation values by name. Values javac could not evaluate (it
 * reports those itself) read as zero, false or the enum's first constant.
 */
final class AnnotationReader {
  private final AnnotationMirror mirror;
  private final Map<String, AnnotationValue> values = new LinkedHashMap<>();
  private final Set<String> explicit = new HashSet<>();

  AnnotationReader(AnnotationMirror mirror, Elements elements) {
    this.mirror = mirror;
    for (Map.Entry<? extends ExecutableElement, ? extends AnnotationValue> e :
        elements.getElementValuesWithDefaults(mirror).entrySet()) {
      values.put(e.getKey().getSimpleName().toString(), e.getValue());
    }
    mirror.getElementValues().keySet().forEach(e -> explicit.add(e.getSimpleName().toString()));
  }

  Anchor anchor() {
    return new Anchor(mirror, values, explicit);
  }

  int intValue(String name) {
    return raw(name) instanceof Number n ? n.intValue() : 0;
  }

  double doubleValue(String name) {
    return raw(name) instanceof Number n ? n.doubleValue() : 0;
  }

  boolean booleanValue(String name) {
    return Boolean.TRUE.equals(raw(name));
  }

  String stringValue(String name) {
    return raw(name) instanceof String v ? v : "";
  }

  <E extends Enum<E>> E enumValue(String name, Class<E> type) {
    if (raw(name) instanceof VariableElement e) {
      for (E constant : type.getEnumConstants()) {
        if (e.getSimpleName().contentEquals(constant.name())) {
          return constant;
        }
      }
    }
    return type.getEnumConstants()[0];
  }

  /** A {@code Class<?>} attribute's type, or null when javac could not resolve it. */
  TypeMirror typeValue(String name) {
    return raw(name) instanceof TypeMirror t ? t : null;
  }

  AnnotationMirror annotationValue(String name) {
    return raw(name) instanceof AnnotationMirror m ? m : null;
  }

  List<AnnotationMirror> annotationList(String name) {
    List<AnnotationMirror> out = new ArrayList<>();
    if (raw(name) instanceof List<?> list) {
      for (Object o : list) {
        if (o instanceof AnnotationValue av && av.getValue() instanceof AnnotationMirror m) {
          out.add(m);
        }
      }
    }
    return out;
  }

  List<Integer> intList(String name) {
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
    try {
      return v == null ? null : v.getValue();
    } catch (UnsupportedOperationException erroneous) {
      // javac's value for an attribute it could not attribute (reported by javac itself).
      return null;
    }
  }
}
