package dev.qnn4j.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A per-layer exception to the {@link QuantRules} of a {@link QuantizeFrom}, by layer name.
 * Attributes left at {@link #INHERIT} (or {@link BiasRule#INHERIT}) follow the rules. Weight, bias
 * and input attributes apply to {@code @Conv2d}/{@code @Linear} layers, {@code reluBitWidth} to
 * {@code @ReLU} layers; the processor reports an attribute set on a layer it does not apply to.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target({})
public @interface LayerRule {
  /** An attribute value meaning "as the rules say". */
  int INHERIT = -1;

  /** The layer's name: its method name in snake_case, as in the state dict ({@code fc3}). */
  String name();

  /**
   * Keep the layer float (a {@code Conv2d}, {@code Linear} or {@code ReLU}); no other attribute may
   * then be set.
   */
  boolean keepFloat() default false;

  /** Weight bit width, 1..8. */
  int weightBitWidth() default INHERIT;

  BiasRule bias() default BiasRule.INHERIT;

  /** Input quantizer bit width when the input is float, 1..8; 0 for none. */
  int inputBitWidth() default INHERIT;

  /** QuantReLU bit width, 1..8; 0 keeps this ReLU float. */
  int reluBitWidth() default INHERIT;
}
