package dev.qnn4j.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** A float 2-d convolution (PyTorch's {@code nn.Conv2d}), for float or mixed models. */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface Conv2d {
  int inChannels();

  int outChannels();

  /** Square kernel size. */
  int kernelSize();

  int stride() default 1;

  int padding() default 0;

  int dilation() default 1;

  int groups() default 1;

  boolean bias() default true;
}
