package dev.qnn4j.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Brevitas' {@code TruncAvgPool2d} (its {@code QuantAvgPool2d}): average pooling of a {@code
 * QuantTensor} as integer hardware does it. The window sum needs {@code acc = ceil(log2((2^b - 1) *
 * k^2))} bits for b-bit inputs; it is shifted by {@code acc - bitWidth} and floored (Brevitas'
 * default {@code TruncTo8bit}) or rounded. The output keeps the input's scale and has {@code
 * bitWidth} bits. The method takes a {@code QuantTensor} {@code [N, C, H, W]} and returns a {@code
 * QuantTensor} (or a {@code Tensor}).
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface TruncAvgPool2d {
  /** Square window. */
  int kernelSize();

  /** 0 = the kernel size, as in PyTorch. */
  int stride() default 0;

  /** The output bit width (Brevitas' 8). */
  int bitWidth() default 8;

  TruncRounding rounding() default TruncRounding.FLOOR;
}
