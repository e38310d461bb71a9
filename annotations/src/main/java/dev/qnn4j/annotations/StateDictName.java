package dev.qnn4j.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The layer's name in the PyTorch state dict, where it is not the method name in snake_case: the
 * dotted path of a module inside {@code nn.Sequential} or nested blocks, as in Brevitas' {@code
 * cnv_2w2a} ({@code "conv_features.1"}) or a ResNet ({@code "layer1.0.conv1"}). The layer's tensors
 * are then {@code conv_features.1.weight} and so on, so a state dict saved from the PyTorch model
 * loads unchanged. Segments are letters, digits and underscores, separated by single dots; names
 * are unique within a model.
 *
 * <pre>{@code
 * @QuantLinear(inFeatures = 784, outFeatures = 64, bias = false, bitWidth = 1)
 * @StateDictName("features.2")
 * abstract Tensor fc0(QuantTensor x);
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface StateDictName {
  /** The dotted module path, e.g. {@code "features.2"}. */
  String value();
}
