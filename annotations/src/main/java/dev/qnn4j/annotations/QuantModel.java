package dev.qnn4j.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares a network. The class must be abstract, not final, not generic, top level or static
 * nested, with a non-private no-argument constructor and a {@code public Tensor forward(Tensor x)}
 * method; its abstract methods annotated with a layer annotation are the layers, in declaration
 * order.
 *
 * <p>The processor generates {@code QuantModel_<Name>} in the same package (nested classes: {@code
 * QuantModel_<Outer>_<Name>}): a subclass implementing {@code dev.qnn4j.runtime.nn.Model}, with a
 * nested {@code Factory} registered for {@link java.util.ServiceLoader} under {@code
 * META-INF/services/dev.qnn4j.runtime.nn.ModelFactory}.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface QuantModel {
  /**
   * The input shape without the batch dimension, e.g. {@code {3, 32, 32}} for CIFAR-10 images;
   * empty when undeclared. When declared, the processor checks the shapes flowing through a
   * straight-line {@code forward} at compile time (e.g. {@code fc1}'s {@code inFeatures} against
   * the flattened size).
   */
  int[] inputShape() default {};
}
