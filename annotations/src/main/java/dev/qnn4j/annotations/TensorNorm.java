package dev.qnn4j.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Brevitas' bnn_pynq {@code TensorNorm}: one learned scalar weight and bias, statistics over every
 * element of the tensor (the FC models' last layer); returns a {@code Tensor}.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface TensorNorm {
  double eps() default 1e-4;

  double momentum() default 0.1;
}
