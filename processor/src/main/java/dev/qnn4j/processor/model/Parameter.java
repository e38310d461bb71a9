package dev.qnn4j.processor.model;

import javax.lang.model.element.VariableElement;

/**
 * One parameter of a layer method: its element (for diagnostics) and whether it is a Tensor or
 * QuantTensor.
 */
public record Parameter(VariableElement element, String name, ValueType type, String typeName) {}
