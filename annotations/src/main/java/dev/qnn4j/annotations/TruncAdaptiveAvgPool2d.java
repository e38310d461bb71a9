package dev.qnn4j.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Brevitas' {@code TruncAdaptiveAvgPool2d}: {@link TruncAvgPool2d} on the window Brevitas derives
 * from the input size ({@code stride = in / out}, {@code kernel = in - (out - 1) * stride}); {@code
 * outputSize = 1} is a global average pool. Rounds by default ({@code RoundTo8bit}).
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface TruncAdaptiveAvgPool2d {
  int outputSize() default 1;

  int bitWidth() default 8;

  TruncRounding rounding() default TruncRounding.ROUND;
}
