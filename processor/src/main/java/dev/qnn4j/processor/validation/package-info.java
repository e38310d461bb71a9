/**
 * Compile-time checks on the typed specs ({@code Validator}) and on {@code forward}'s static shapes
 * ({@code ForwardAnalyzer}, accumulator widths in {@code Accumulators}). Every sentence and bound
 * of a diagnostic is written once, in {@code Messages}.
 */
package dev.qnn4j.processor.validation;
