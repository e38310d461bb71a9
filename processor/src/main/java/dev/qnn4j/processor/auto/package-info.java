/**
 * {@code @QuantizeFrom}: derives a quantized model from a float one by rules, in steps: the
 * annotated type and the rules are checked ({@code HolderChecks}, {@code RuleChecks}), each layer's
 * decision is planned once ({@code LayerPlan}), the float {@code forward} is followed with the
 * planned layers ({@code QuantizedFlow}), the derived layers are built and checked ({@code
 * Derivation}) and {@code forward} is rewritten with each value typed ({@code ForwardRewriter}).
 * {@code AutoQuantizer} runs the steps; the result is an {@code AutoModelDescriptor}.
 */
package dev.qnn4j.processor.auto;
