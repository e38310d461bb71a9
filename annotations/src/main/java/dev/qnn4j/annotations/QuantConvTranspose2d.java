package dev.qnn4j.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A 2-d transposed convolution with quantized weights (Brevitas' {@code QuantConvTranspose2d}), as
 * in UNet decoders: weight {@code [inChannels, outChannels/groups, k, k]}, output size {@code (in -
 * 1) * stride - 2 * padding + dilation * (k - 1) + outputPadding + 1}. Per-tensor weight scales
 * only. Companions as for {@link QuantConv2d}.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface QuantConvTranspose2d {
  int inChannels();

  int outChannels();

  /** Square kernel size. */
  int kernelSize();

  int stride() default 1;

  int padding() default 0;

  /** Extra rows and columns on one side of the output; smaller than stride or dilation. */
  int outputPadding() default 0;

  int dilation() default 1;

  /** Must divide both channel counts. */
  int groups() default 1;

  boolean bias() default true;

  /**
   * Weight bit width (Brevitas' {@code weight_bit_width}); signed narrow range, 1..8 because QCDQ
   * export holds at most 8-bit integers. Default 8, as Brevitas' {@code Int8WeightPerTensorFloat}.
   */
  int bitWidth() default 8;

  /** One weight scale per output channel instead of one per tensor. */
  boolean perChannel() default false;

  /** Restriction of the weight scale. */
  Scaling scaling() default Scaling.FLOAT;

  /** Return a {@code QuantTensor} (the method must then be declared to return one). */
  boolean returnQuantTensor() default false;

  /**
   * The accumulator width the target hardware offers. The processor computes the worst-case
   * accumulator width from the input bit width (when known at compile time), the weight bit width
   * and the fan-in, and reports an error when it does not fit. Default 32 (an int32 accumulator).
   */
  int accumulatorBitWidth() default 32;
}
