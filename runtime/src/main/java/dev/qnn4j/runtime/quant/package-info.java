/**
 * Quantizers with Brevitas 0.11's semantics: weight ({@code WeightQuantizer}), activation ({@code
 * ActQuantizer}: statistics phase, then a learned scale) and bias ({@code BiasQuantizer})
 * quantizers and their configurations, integer ranges ({@code IntRange}), scale restrictions and
 * accumulator widths.
 */
package dev.qnn4j.runtime.quant;
