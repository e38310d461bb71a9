package dev.qnn4j.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Dropout, PyTorch's {@code nn.Dropout(p)}: in training zeroes each element with probability {@code
 * p} and scales the rest by {@code 1 / (1 - p)}; the identity in evaluation; returns a {@code
 * Tensor}. The masks are drawn from a generator seeded by the layer name (not torch's).
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface Dropout {
  double p() default 0.5;
}
