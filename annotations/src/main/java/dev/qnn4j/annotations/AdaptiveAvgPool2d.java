package dev.qnn4j.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A float adaptive average pool (PyTorch's {@code nn.AdaptiveAvgPool2d}) for input sizes that are
 * multiples of {@code outputSize}; returns a {@code Tensor}. On a {@code QuantTensor} its result is
 * off the integer grid: use {@link TruncAdaptiveAvgPool2d} to stay quantized.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface AdaptiveAvgPool2d {
  int outputSize() default 1;
}
