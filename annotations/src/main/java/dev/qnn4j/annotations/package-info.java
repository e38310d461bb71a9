/**
 * The qnn4j DSL: declare a quantized network as an abstract class annotated {@link
 * dev.qnn4j.annotations.QuantModel @QuantModel}, one abstract method per layer (annotated with the
 * layer's kind and configuration) and an ordinary Java {@code forward} method that calls them. The
 * qnn4j annotation processor checks the configuration at compile time and generates the
 * implementation {@code QuantModel_<Name>}.
 *
 * <p>Layer methods take and return {@code dev.qnn4j.runtime.Tensor} or {@code
 * dev.qnn4j.runtime.QuantTensor}; a layer's state-dict name is its method name in snake_case
 * ({@code quantInp} is {@code quant_inp}), so PyTorch/Brevitas weight files load unchanged.
 *
 * <p>Quantized layers: {@link dev.qnn4j.annotations.QuantConv2d}, {@link
 * dev.qnn4j.annotations.QuantLinear} (with {@link dev.qnn4j.annotations.Int8Bias}, {@link
 * dev.qnn4j.annotations.Int16Bias}, {@link dev.qnn4j.annotations.Int32Bias}, {@link
 * dev.qnn4j.annotations.InputQuant}, {@link dev.qnn4j.annotations.OutputQuant}), {@link
 * dev.qnn4j.annotations.QuantReLU}, {@link dev.qnn4j.annotations.QuantIdentity}, {@link
 * dev.qnn4j.annotations.QuantEltwiseAdd}, {@link dev.qnn4j.annotations.QuantMaxPool2d}. Float
 * layers: {@link dev.qnn4j.annotations.Conv2d}, {@link dev.qnn4j.annotations.Linear}, {@link
 * dev.qnn4j.annotations.ReLU}, {@link dev.qnn4j.annotations.BatchNorm2d}.
 *
 * <p>Automated quantization: {@link dev.qnn4j.annotations.QuantizeFrom} derives a quantized model
 * from a float one by {@link dev.qnn4j.annotations.QuantRules} (with {@link
 * dev.qnn4j.annotations.BiasRule} and per-layer {@link dev.qnn4j.annotations.LayerRule}s).
 */
package dev.qnn4j.annotations;
