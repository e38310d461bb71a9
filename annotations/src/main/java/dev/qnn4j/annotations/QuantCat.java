package dev.qnn4j.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Channel concatenation of two {@code QuantTensor}s ({@code torch.cat(xs, dim=1)} in Brevitas). In
 * training the output's scale is the mean of the inputs'; in evaluation the scales must agree, else
 * "Scaling factors are different": give both inputs one quantizer. The processor rejects inputs
 * whose bit widths or signs differ, which can never agree.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface QuantCat {}
