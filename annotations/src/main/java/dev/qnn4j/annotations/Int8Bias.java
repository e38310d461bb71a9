package dev.qnn4j.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Quantizes the bias of a {@link QuantConv2d} or {@link QuantLinear} to signed 8-bit integers with
 * scale = input scale x weight scale (Brevitas' {@code Int8Bias}). The input scale must be known:
 * the layer's input parameter must be a {@code QuantTensor} or the layer must have {@link
 * InputQuant}; the layer must have {@code bias = true}. At most one bias quantizer per layer.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface Int8Bias {}
