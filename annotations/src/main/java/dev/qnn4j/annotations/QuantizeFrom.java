package dev.qnn4j.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Automated quantization: declares a quantized model derived from a float {@link QuantModel} by
 * {@link QuantRules} (Brevitas' automated approach, {@code brevitas.graph.quantize}). Put it on an
 * empty interface or abstract class that names the result:
 *
 * <pre>
 * &#64;QuantizeFrom(value = FloatLeNet.class, rules = &#64;QuantRules(weightBitWidth = 4, inputBitWidth = 4,
 *     reluBitWidth = 4), layers = &#64;LayerRule(name = "fc3", weightBitWidth = 8))
 * public interface AutoLeNet {}
 * </pre>
 *
 * <p>The processor generates {@code QuantModel_<Name>} (registered for {@link
 * java.util.ServiceLoader} like a {@code @QuantModel}'s), which extends or implements the annotated
 * type and implements {@code dev.qnn4j.runtime.nn.Model}. Its layers are the float model's layers,
 * quantized by the rules and named as in the float model, so trained float weights ({@code
 * conv1.weight}, {@code conv1.bias}, ...) load by name; its {@code forward} is the float model's
 * {@code forward}, regenerated with each value typed {@code QuantTensor} where the quantized layers
 * return one, so that max pooling and flattening keep the quantization metadata as in Brevitas. The
 * float model's {@code forward} must therefore be straight-line code in this compilation
 * (layer-method calls, {@code F.*} calls with constant arguments, locals, returns), as Brevitas
 * needs an FX-traceable model.
 *
 * <p>The annotated type must not declare abstract methods nor {@code forward}, {@code modelName},
 * {@code layers} or {@code inputShape}: the generated class defines them.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface QuantizeFrom {
  /** The float model: a {@link QuantModel} class. */
  Class<?> value();

  QuantRules rules() default @QuantRules;

  /** Per-layer exceptions to {@link #rules()}, at most one per layer name. */
  LayerRule[] layers() default {};
}
