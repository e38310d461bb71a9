package dev.qnn4j.processor.auto;

import dev.qnn4j.processor.model.Anchor;
import dev.qnn4j.processor.model.ModelExtractor;
import dev.qnn4j.processor.model.QuantizeFromSpec;
import dev.qnn4j.processor.validation.Diagnostic;
import dev.qnn4j.processor.validation.Diagnostics;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.TypeElement;

/**
 * The diagnostics of one {@code @QuantizeFrom} type, each anchored to the annotation value (of
 * {@code @QuantizeFrom}, its {@code @QuantRules} or a {@code @LayerRule}) it is about.
 */
final class Reporter {
  /** Where a diagnostic goes: an annotation and, when written in source, one of its values. */
  record Position(AnnotationMirror mirror, AnnotationValue value) {
    static Position of(Anchor anchor, String attribute) {
      return new Position(anchor.mirror(), anchor.explicitValue(attribute));
    }
  }

  final TypeElement holder;
  final AnnotationMirror quantizeFrom;
  final QuantizeFromSpec spec;
  final Diagnostics out = new Diagnostics();

  Reporter(TypeElement holder, QuantizeFromSpec spec) {
    this.holder = holder;
    this.quantizeFrom =
        ModelExtractor.findAnnotation(holder, ModelExtractor.QUANTIZE_FROM).orElseThrow();
    this.spec = spec;
  }

  /** The {@code @QuantizeFrom} annotation itself. */
  Position annotation() {
    return new Position(quantizeFrom, null);
  }

  /** An attribute of {@code @QuantizeFrom}. */
  Position at(String attribute) {
    return Position.of(spec.anchor(), attribute);
  }

  /**
   * An attribute of {@code @QuantRules}, or {@code @QuantizeFrom} when the rules are the defaults.
   */
  Position rules(String attribute) {
    return spec.anchor().isExplicit("rules")
        ? Position.of(spec.rules().anchor(), attribute)
        : annotation();
  }

  void error(String message, Position position) {
    out.add(Diagnostic.error(message, holder, position.mirror(), position.value()));
  }

  void add(Diagnostic d) {
    out.add(d);
  }

  boolean hasErrors() {
    return out.hasErrors();
  }
}
