/**
 * The qnn4j annotation processor: {@link dev.qnn4j.processor.QuantModelProcessor} runs extraction
 * ({@code model}), validation ({@code validation}, reading {@code forward} through the one
 * intermediate representation in {@code forward}), automated quantization ({@code auto}) and
 * generation ({@code generation}). It depends on the annotations only; runtime types are named,
 * never loaded. Every problem of a compilation is reported at once, anchored to its element; an
 * exception inside the processor is reported as an error on the model class, never a javac crash.
 */
package dev.qnn4j.processor;
