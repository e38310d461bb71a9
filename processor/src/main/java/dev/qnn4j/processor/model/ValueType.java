package dev.qnn4j.processor.model;

import javax.lang.model.element.TypeElement;
import javax.lang.model.type.DeclaredType;
import javax.lang.model.type.TypeKind;
import javax.lang.model.type.TypeMirror;

/** The type of a layer method's input or output: the runtime's Tensor, QuantTensor, or neither. */
public enum ValueType {
  TENSOR,
  QUANT_TENSOR,
  OTHER;

  public static final String TENSOR_NAME = "dev.qnn4j.runtime.Tensor";
  public static final String QUANT_TENSOR_NAME = "dev.qnn4j.runtime.QuantTensor";

  public static ValueType of(TypeMirror type) {
    if (type.getKind() == TypeKind.DECLARED
        && ((DeclaredType) type).asElement() instanceof TypeElement t) {
      String name = t.getQualifiedName().toString();
      if (name.equals(TENSOR_NAME)) {
        return TENSOR;
      }
      if (name.equals(QUANT_TENSOR_NAME)) {
        return QUANT_TENSOR;
      }
    }
    return OTHER;
  }
}
