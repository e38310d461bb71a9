package dev.qnn4j.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Max pooling that keeps a {@code QuantTensor}'s quantization metadata (Brevitas' {@code
 * QuantMaxPool2d}). Declared {@code QuantTensor m(QuantTensor x)} or {@code Tensor m(Tensor x)}.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface QuantMaxPool2d {
  /** Square window size. */
  int kernelSize();

  /** Window stride; 0 (the default) means equal to {@link #kernelSize()}, as in PyTorch. */
  int stride() default 0;

  int padding() default 0;
}
