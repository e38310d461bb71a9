package dev.qnn4j.processor.auto;

import dev.qnn4j.processor.model.ModelExtractor;
import dev.qnn4j.processor.validation.Diagnostic;
import dev.qnn4j.processor.validation.Messages;
import java.util.List;
import java.util.Set;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.TypeElement;
import javax.lang.model.util.ElementFilter;
import javax.lang.model.util.Elements;

/**
 * What the type annotated {@code @QuantizeFrom} must be for the generated model to extend or
 * implement it.
 */
final class HolderChecks {
  static final String MODEL = "dev.qnn4j.runtime.nn.Model";
  private static final Set<String> GENERATED_METHODS =
      Set.of("forward", "modelName", "layers", "inputShape");

  private HolderChecks() {}

  static void check(TypeElement holder, Elements elements, Reporter report) {
    String name = holder.getSimpleName().toString();
    Reporter.Position anchor = report.annotation();
    String generated = "QuantModel_" + ModelExtractor.nestedName(holder);
    if (ModelExtractor.findAnnotation(holder, ModelExtractor.QUANT_MODEL).isPresent()) {
      report.error(Messages.quantizeFromAndQuantModel(name), anchor);
    }
    boolean isInterface = holder.getKind() == ElementKind.INTERFACE;
    if (!isInterface && holder.getKind() != ElementKind.CLASS) {
      report.error(Messages.quantizeFromOnWrongKind(holder.getKind(), name), anchor);
      return;
    }
    if (!isInterface && !holder.getModifiers().contains(Modifier.ABSTRACT)) {
      report.error(Messages.quantizeFromNotAbstract(name, generated), anchor);
    }
    if (!holder.getTypeParameters().isEmpty()) {
      report.error(Messages.quantizeFromGeneric(name), anchor);
    }
    if (holder.getModifiers().contains(Modifier.PRIVATE) || ModelExtractor.isNestedInner(holder)) {
      report.error(Messages.quantizeFromInnerOrPrivate(name), anchor);
    }
    if (!isInterface) {
      List<ExecutableElement> constructors =
          ElementFilter.constructorsIn(holder.getEnclosedElements());
      boolean noArg =
          constructors.stream()
              .anyMatch(
                  c -> c.getParameters().isEmpty() && !c.getModifiers().contains(Modifier.PRIVATE));
      if (!noArg) {
        report.error(Messages.quantizeFromConstructor(name), anchor);
      }
    }
    for (ExecutableElement m : ElementFilter.methodsIn(elements.getAllMembers(holder))) {
      Element owner = m.getEnclosingElement();
      String ownerName = ((TypeElement) owner).getQualifiedName().toString();
      if (ownerName.equals("java.lang.Object") || ownerName.equals(MODEL)) {
        continue;
      }
      if (GENERATED_METHODS.contains(m.getSimpleName().toString())
          && !m.getModifiers().contains(Modifier.STATIC)) {
        report.add(
            Diagnostic.error(
                Messages.quantizeFromDeclaresGenerated(name, m.getSimpleName(), generated),
                owner.equals(holder) ? m : holder));
      } else if (m.getModifiers().contains(Modifier.ABSTRACT)) {
        report.add(
            Diagnostic.error(
                Messages.quantizeFromAbstractMethod(name, m.getSimpleName()),
                owner.equals(holder) ? m : holder));
      }
    }
  }
}
