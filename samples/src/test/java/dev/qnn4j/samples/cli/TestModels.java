package dev.qnn4j.samples.cli;

import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.nn.ModelFactory;
import dev.qnn4j.runtime.nn.Module;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Model factories that only the tests register, through a class-path directory given with {@code
 * --classpath} (so they stay invisible to every other test).
 */
public final class TestModels {
  private TestModels() {}

  /** Writes a jar holding only a services file that lists {@code factories}. */
  static Path servicesJar(Path jar, Class<?>... factories) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (Class<?> f : factories) {
      sb.append(f.getName()).append('\n');
    }
    Files.createDirectories(jar.getParent());
    try (java.util.jar.JarOutputStream out =
        new java.util.jar.JarOutputStream(Files.newOutputStream(jar))) {
      out.putNextEntry(
          new java.util.jar.JarEntry("META-INF/services/" + ModelFactory.class.getName()));
      out.write(sb.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
      out.closeEntry();
    }
    return jar;
  }

  /** Writes a class-path directory whose services file lists {@code factories}. */
  static Path classpathDir(Path root, Class<?>... factories) throws IOException {
    Path services = root.resolve("META-INF/services");
    Files.createDirectories(services);
    StringBuilder sb = new StringBuilder();
    for (Class<?> f : factories) {
      sb.append(f.getName()).append('\n');
    }
    Files.writeString(services.resolve(ModelFactory.class.getName()), sb.toString());
    return root;
  }

  /**
   * A second model named QuantWeightLeNet in another package, to make the simple name ambiguous.
   */
  public static final class DuplicateLeNetFactory implements ModelFactory {
    @Override
    public String modelName() {
      return "QuantWeightLeNet";
    }

    @Override
    public String declaringClassName() {
      return "com.example.QuantWeightLeNet";
    }

    @Override
    public Model create() {
      return new BrokenNet();
    }
  }

  /** A model whose forward pass fails with an unexpected exception: an internal error. */
  public static final class BrokenNetFactory implements ModelFactory {
    @Override
    public String modelName() {
      return "BrokenNet";
    }

    @Override
    public String declaringClassName() {
      return "com.example.BrokenNet";
    }

    @Override
    public Model create() {
      return new BrokenNet();
    }
  }

  static final class BrokenNet implements Model {
    @Override
    public String modelName() {
      return "BrokenNet";
    }

    @Override
    public List<Module> layers() {
      return List.of();
    }

    @Override
    public long[] inputShape() {
      return new long[] {3, 32, 32};
    }

    @Override
    public Tensor forward(Tensor x) {
      throw new IllegalStateException("the forward pass of BrokenNet always fails");
    }
  }
}
