/**
 * The one intermediate representation of a straight-line {@code forward}: {@code ForwardParser}
 * turns javac trees into a {@code ForwardProgram} (declarations, assignments, returns over
 * variables, layer calls and {@code F} calls with constant sizes), and analyses follow values
 * through it with a {@code ForwardProgram.Semantics}; {@code StaticShapes} computes each value's
 * static shape and quantization. Shape checks, the accumulator check and {@code @QuantizeFrom} all
 * read this program.
 */
package dev.qnn4j.processor.forward;
