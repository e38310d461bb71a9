package dev.qnn4j.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Batch normalisation over the features of {@code [N, C]} (or {@code [N, C, L]}) data, PyTorch's
 * {@code nn.BatchNorm1d}: as in the bnn_pynq FC models after each {@code QuantLinear}; returns a
 * {@code Tensor}.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface BatchNorm1d {
  int numFeatures();

  double eps() default 1e-5;

  double momentum() default 0.1;
}
