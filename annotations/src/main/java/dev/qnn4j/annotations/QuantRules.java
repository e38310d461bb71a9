package dev.qnn4j.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The rules by which {@link QuantizeFrom} turns the layers of a float model into quantized ones
 * (Brevitas' {@code quantize}/{@code layerwise_quantize} layer maps). The defaults are Brevitas'
 * graph-quantization defaults: 8-bit per-tensor weights, {@code Int32Bias}, 8-bit signed input
 * quantizers, 8-bit {@code QuantReLU}s returning QuantTensors.
 *
 * <ul>
 *   <li>every {@code @Conv2d} becomes a {@code @QuantConv2d} and every {@code @Linear} a
 *       {@code @QuantLinear} with {@code weightBitWidth}-bit weights ({@code weightPerChannel},
 *       {@code weightScaling}), the bias quantizer {@code bias} (when the layer has a bias), and,
 *       when its input in {@code forward} is a float {@code Tensor} (the network input, the output
 *       of a float layer or of a compute layer), an input quantizer of {@code inputBitWidth} signed
 *       bits ({@code <layer>.input_quant...} in the state dict); compute layers return {@code
 *       Tensor}s;
 *   <li>every {@code @ReLU} becomes a {@code @QuantReLU} of {@code reluBitWidth} unsigned bits
 *       returning a {@code QuantTensor} when {@code returnQuantTensor}, so the next layer's bias
 *       quantizer knows its input scale without an input quantizer of its own;
 *   <li>every other layer (batch norms, layers that are already quantized) stays as declared.
 * </ul>
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target({})
public @interface QuantRules {
  /** Weight bit width, 1..8 (signed, narrow range). */
  int weightBitWidth() default 8;

  /** One weight scale per output channel instead of one per tensor. */
  boolean weightPerChannel() default false;

  Scaling weightScaling() default Scaling.FLOAT;

  /**
   * The bias quantizer of layers with a bias; not {@link BiasRule#INHERIT}. A quantized bias needs
   * the input scale: the layer's input must be a {@code QuantTensor} in {@code forward} or be
   * quantized by an input quantizer ({@code inputBitWidth > 0}); the processor checks it.
   */
  BiasRule bias() default BiasRule.INT32;

  /**
   * Bit width of the signed input quantizer added to each conv/linear whose input is a float {@code
   * Tensor} in {@code forward}, 1..8; 0 adds none (the input stays float).
   */
  int inputBitWidth() default 8;

  /**
   * Bit width of the {@code QuantReLU} replacing each {@code @ReLU}, 1..8; 0 keeps the ReLUs float.
   */
  int reluBitWidth() default 8;

  /** Scale restriction of the input quantizers and QuantReLUs. */
  Scaling activationScaling() default Scaling.FLOAT;

  /** Whether the QuantReLUs return {@code QuantTensor}s (Brevitas' {@code return_quant_tensor}). */
  boolean returnQuantTensor() default true;

  /**
   * The accumulator the target offers, 1..32; checked as for {@link
   * QuantConv2d#accumulatorBitWidth()}.
   */
  int accumulatorBitWidth() default 32;
}
