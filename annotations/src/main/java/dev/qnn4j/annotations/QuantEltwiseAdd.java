package dev.qnn4j.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Elementwise sum of two tensors of the same shape, e.g. a residual connection (Brevitas' {@code
 * QuantEltwiseAdd}). The method takes exactly two inputs. Without {@link OutputQuant} both inputs
 * must be {@code QuantTensor}s of the same scale at run time and the sum has one more bit; with it,
 * the sum is requantized.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface QuantEltwiseAdd {
  /** Return a {@code QuantTensor} (the method must then be declared to return one). */
  boolean returnQuantTensor() default false;
}
