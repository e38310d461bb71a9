package dev.qnn4j.processor.validation;

import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.Tree;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.Element;
import javax.tools.Diagnostic.Kind;

/**
 * One problem found in a model, anchored as precisely as possible: to an element and, when it is
 * about one annotation value, to that mirror and value; or, for findings inside {@code forward}'s
 * body, to the expression (a javac tree).
 */
public record Diagnostic(
    Kind kind,
    String message,
    Element element,
    AnnotationMirror mirror,
    AnnotationValue value,
    Tree tree,
    CompilationUnitTree unit) {

  public static Diagnostic error(String message, Element element) {
    return new Diagnostic(Kind.ERROR, message, element, null, null, null, null);
  }

  public static Diagnostic error(String message, Element element, AnnotationMirror mirror) {
    return new Diagnostic(Kind.ERROR, message, element, mirror, null, null, null);
  }

  public static Diagnostic error(
      String message, Element element, AnnotationMirror mirror, AnnotationValue value) {
    return new Diagnostic(Kind.ERROR, message, element, mirror, value, null, null);
  }

  /** A finding at an expression in a method body; {@code element} is the method. */
  public static Diagnostic atTree(
      Kind kind, String message, Element element, Tree tree, CompilationUnitTree unit) {
    return new Diagnostic(kind, message, element, null, null, tree, unit);
  }

  public boolean isError() {
    return kind == Kind.ERROR;
  }
}
