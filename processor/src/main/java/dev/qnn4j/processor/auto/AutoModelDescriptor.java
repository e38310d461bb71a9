package dev.qnn4j.processor.auto;

import dev.qnn4j.processor.forward.ForwardProgram.Expr;
import dev.qnn4j.processor.model.LayerDescriptor;
import dev.qnn4j.processor.model.ModelDescriptor;
import java.util.List;
import javax.lang.model.element.TypeElement;

/**
 * A model derived by automated quantization ({@code @QuantizeFrom}), ready to generate: the float
 * model's layers quantized by the rules (same methods, same layer names, in declaration order) and
 * the float model's {@code forward} with every value typed.
 *
 * @param holder the type annotated {@code @QuantizeFrom}, which names the model
 * @param holderIsInterface whether the generated class implements (rather than extends) the holder
 * @param holderIsModel whether the holder already is a {@code Model}
 * @param layers the derived layers, one per float layer method, each with the float method
 * @param parameter the name of {@code forward}'s parameter
 * @param forward the regenerated statements of {@code forward}
 */
public record AutoModelDescriptor(
    TypeElement holder,
    boolean holderIsInterface,
    boolean holderIsModel,
    String packageName,
    String modelName,
    String generatedSimpleName,
    ModelDescriptor floatModel,
    List<LayerDescriptor> layers,
    String parameter,
    List<Line> forward) {

  public AutoModelDescriptor {
    layers = List.copyOf(layers);
    forward = List.copyOf(forward);
  }

  /** One statement of the regenerated {@code forward}. */
  public record Line(Kind kind, String variable, boolean quantTensor, Expr expr) {
    /**
     * {@code T variable = expr;}, {@code variable = expr;}, {@code expr;} or {@code return expr;}.
     */
    public enum Kind {
      DECLARE,
      ASSIGN,
      EVALUATE,
      RETURN
    }
  }

  public String qualifiedName() {
    return holder.getQualifiedName().toString();
  }

  public String factoryBinaryName() {
    return (packageName.isEmpty() ? "" : packageName + ".") + generatedSimpleName + "$Factory";
  }
}
