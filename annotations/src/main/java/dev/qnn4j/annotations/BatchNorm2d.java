package dev.qnn4j.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Batch normalisation over channels (PyTorch's {@code nn.BatchNorm2d}); returns a {@code Tensor}.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface BatchNorm2d {
  int numFeatures();

  double eps() default 1e-5;

  double momentum() default 0.1;
}
