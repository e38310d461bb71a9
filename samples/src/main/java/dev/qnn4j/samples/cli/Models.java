package dev.qnn4j.samples.cli;

import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.nn.ModelFactory;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Finds models by name among the {@link ModelFactory} services on the classpath (every
 * {@code @QuantModel} class the annotation processor compiled registers one), plus those of the
 * jars given with {@code --classpath}.
 */
final class Models {
  private Models() {}

  /** The class loader that sees the command line's own models and the jars of {@code classpath}. */
  static ClassLoader loader(List<Path> classpath) {
    ClassLoader parent = Models.class.getClassLoader();
    if (classpath == null || classpath.isEmpty()) {
      return parent;
    }
    List<URL> urls = new ArrayList<>();
    for (Path p : classpath) {
      if (!Files.exists(p)) {
        throw new CliException(p + ": no such file (given with --classpath)");
      }
      if (!Files.isDirectory(p) && !Files.isReadable(p)) {
        throw new CliException(p + ": not readable (given with --classpath)");
      }
      try {
        urls.add(p.toAbsolutePath().toUri().toURL());
      } catch (MalformedURLException e) {
        throw new CliException(p + ": not a valid class path entry: " + e.getMessage());
      }
    }
    return new URLClassLoader(urls.toArray(URL[]::new), parent);
  }

  /** Every model factory {@code loader} sees, sorted by name. */
  static List<ModelFactory> all(ClassLoader loader) {
    List<ModelFactory> out = new ArrayList<>();
    try {
      for (ModelFactory f : ServiceLoader.load(ModelFactory.class, loader)) {
        out.add(f);
      }
    } catch (ServiceConfigurationError e) {
      throw new CliException("cannot load the models of the class path: " + e.getMessage(), e);
    }
    out.sort(
        Comparator.comparing(ModelFactory::modelName)
            .thenComparing(ModelFactory::declaringClassName));
    return out;
  }

  /**
   * The model named {@code name}: the simple or fully qualified name of its {@code @QuantModel}
   * class (or of the generated {@code QuantModel_} class), or Brevitas' zoo name ({@code tfc_1w1a})
   * of a zoo sample.
   */
  static ModelFactory find(String name, List<Path> classpath) {
    List<ModelFactory> all = all(loader(classpath));
    List<ModelFactory> matches = new ArrayList<>();
    for (ModelFactory f : all) {
      if (matches(f, name)) {
        matches.add(f);
      }
    }
    if (matches.size() == 1) {
      return matches.get(0);
    }
    if (matches.isEmpty()) {
      String known =
          all.isEmpty()
              ? "none"
              : all.stream()
                  .map(
                      f ->
                          ZooNames.of(f.declaringClassName()) == null
                              ? f.modelName()
                              : f.modelName() + " (" + ZooNames.of(f.declaringClassName()) + ")")
                  .collect(Collectors.toCollection(TreeSet::new))
                  .stream()
                  .collect(Collectors.joining(", "));
      throw new CliException(
          "unknown model '"
              + name
              + "'; known models: "
              + known
              + " (add a jar of your own models with --classpath)");
    }
    throw new CliException(
        "model name '"
            + name
            + "' is ambiguous: "
            + matches.stream()
                .map(ModelFactory::declaringClassName)
                .collect(Collectors.joining(", "))
            + "; use the fully qualified name");
  }

  private static boolean matches(ModelFactory f, String name) {
    String fqcn = f.declaringClassName();
    String simple = fqcn.substring(fqcn.lastIndexOf('.') + 1);
    String pkg = fqcn.lastIndexOf('.') < 0 ? "" : fqcn.substring(0, fqcn.lastIndexOf('.') + 1);
    return name.equals(f.modelName())
        || name.equals(ZooNames.of(fqcn))
        || name.equals(fqcn)
        || name.equals(simple)
        || name.equals("QuantModel_" + simple)
        || name.equals(pkg + "QuantModel_" + simple);
  }

  /** Creates the model; a factory that throws is reported as an error of the user's model. */
  static Model create(ModelFactory f) {
    try {
      return f.create();
    } catch (RuntimeException | LinkageError e) {
      throw new CliException(
          "cannot create model " + f.modelName() + " (" + f.declaringClassName() + "): " + e, e);
    }
  }

  /** The declared input shape without the batch dimension; an error if the model declares none. */
  static long[] inputShape(Model model) {
    long[] shape = model.inputShape();
    if (shape.length == 0) {
      throw new CliException(
          model.modelName()
              + " declares no input shape; declare it with"
              + " @QuantModel(inputShape = {C, H, W})");
    }
    return shape;
  }

  /** {@code [n, inputShape...]}. */
  static long[] batchShape(Model model, long n) {
    long[] in = inputShape(model);
    long[] shape = new long[in.length + 1];
    shape[0] = n;
    System.arraycopy(in, 0, shape, 1, in.length);
    return shape;
  }

  /**
   * The number of outputs (classes) of a classifier: the last dimension of an eval-mode forward on
   * zeros. Leaves the model's mode as it was; the forward changes no state.
   */
  static int outputClasses(Model model) {
    boolean training = model.isTraining();
    model.eval();
    Tensor y;
    try {
      y = Predictions.noGrad(() -> model.forward(Tensor.zeros(batchShape(model, 1))));
    } finally {
      if (training) {
        model.train();
      }
    }
    if (y.rank() != 2) {
      throw new CliException(
          model.modelName()
              + " outputs shape "
              + Arrays.toString(y.shape())
              + " for one image; the command line needs a classifier with logits [N, classes]");
    }
    return (int) y.size(1);
  }

  static long numel(long[] shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }

  static String shape(long[] shape) {
    return Arrays.toString(shape);
  }
}
