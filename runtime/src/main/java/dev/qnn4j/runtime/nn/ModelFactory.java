package dev.qnn4j.runtime.nn;

/**
 * Creates one kind of model. The annotation processor generates one per {@code @QuantModel} class
 * and registers it under {@code META-INF/services/dev.qnn4j.runtime.nn.ModelFactory}, so tools find
 * models by name with {@link java.util.ServiceLoader} instead of scanning the classpath.
 */
public interface ModelFactory {
  /** The simple name of the declaring class, e.g. {@code QuantWeightActBiasLeNet}. */
  String modelName();

  /** The fully qualified name of the declaring class. */
  String declaringClassName();

  Model create();
}
