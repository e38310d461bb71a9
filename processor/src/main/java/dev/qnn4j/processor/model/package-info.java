/**
 * Extraction: each model class and each layer method is read once into typed specs ({@code
 * ModelDescriptor}, {@code LayerDescriptor}, {@code LayerSpec} with its {@code Geometry} and
 * quantizer specs, {@code QuantizeFromSpec}). Annotation values are read by name only in {@code
 * AnnotationReader}; the annotation mirror survives only as an {@code Anchor} for diagnostics.
 */
package dev.qnn4j.processor.model;
