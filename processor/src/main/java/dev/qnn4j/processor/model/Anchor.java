package dev.qnn4j.processor.model;

import java.util.Map;
import java.util.Set;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;

/**
 * Where a diagnostic about one annotation goes: its mirror and its values (defaults included), kept
 * only to position messages; what the values mean is read once into the typed specs. Specs that
 * automated quantization derives have no source, {@link #NONE}.
 *
 * @param explicit the attributes written in source (a defaulted value has no position of its own)
 */
public record Anchor(
    AnnotationMirror mirror, Map<String, AnnotationValue> values, Set<String> explicit) {
  public static final Anchor NONE = new Anchor(null, Map.of(), Set.of());

  public Anchor {
    values = Map.copyOf(values);
    explicit = Set.copyOf(explicit);
  }

  /** The value of {@code attribute}, or null (no source, or no such attribute). */
  public AnnotationValue value(String attribute) {
    return values.get(attribute);
  }

  /** The value of {@code attribute} when written in source, else null. */
  public AnnotationValue explicitValue(String attribute) {
    return isExplicit(attribute) ? value(attribute) : null;
  }

  public boolean isExplicit(String attribute) {
    return explicit.contains(attribute);
  }
}
