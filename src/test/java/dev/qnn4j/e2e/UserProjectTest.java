package dev.qnn4j.e2e;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import java.io.File;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user's project outside this repository, built only from the published artifacts: the
 * qnn4j-annotations and qnn4j-runtime jars (plus the runtime's third-party jars) on the classpath,
 * the qnn4j-processor jar (plus javapoet) on the processor path. It is compiled and run in a child
 * JVM.
 *
 * <p>Why the JDK's javac (javax.tools) and not a nested {@code mvn -o} build of a generated pom: a
 * nested Maven build resolves qnn4j from the local repository, which {@code mvn verify} never
 * installs into, so it would test whatever snapshot was installed last (or fail on a fresh
 * machine). The jars here are the ones this build just packaged; the samples module's surefire
 * configuration passes their paths ({@code qnn4j.*.jar}, {@code qnn4j.runtime.dependencies}).
 */
class UserProjectTest {
  private static final String MODEL =
      """
      package com.example.tiny;

      import dev.qnn4j.annotations.Int32Bias;
      import dev.qnn4j.annotations.QuantConv2d;
      import dev.qnn4j.annotations.QuantIdentity;
      import dev.qnn4j.annotations.QuantLinear;
      import dev.qnn4j.annotations.QuantModel;
      import dev.qnn4j.annotations.QuantReLU;
      import dev.qnn4j.runtime.nn.F;
      import dev.qnn4j.runtime.QuantTensor;
      import dev.qnn4j.runtime.Tensor;

      /** A user's model: a residual block and a branch, in ordinary Java. */
      @QuantModel(inputShape = {1, 12, 12})
      public abstract class TinyNet {
        @QuantIdentity(bitWidth = 8, returnQuantTensor = true)
        abstract QuantTensor quantInp(Tensor x);

        @QuantConv2d(inChannels = 1, outChannels = 4, kernelSize = 3, padding = 1, bitWidth = 4)
        @Int32Bias
        abstract Tensor conv1(QuantTensor x);

        @QuantReLU(bitWidth = 4, returnQuantTensor = true)
        abstract QuantTensor relu1(Tensor x);

        @QuantConv2d(inChannels = 4, outChannels = 4, kernelSize = 3, padding = 1, bitWidth = 4)
        @Int32Bias
        abstract Tensor conv2(QuantTensor x);

        @QuantReLU(bitWidth = 4)
        abstract Tensor relu2(Tensor x);

        @QuantLinear(inFeatures = 4 * 6 * 6, outFeatures = 10, bitWidth = 4)
        abstract Tensor fc(Tensor x);

        public Tensor forward(Tensor x) {
          QuantTensor h = relu1(conv1(quantInp(x)));
          Tensor out = relu2(F.add(conv2(h), h));
          if (out.size(2) > 6) {
            out = F.maxPool2d(out, 2);
          }
          return fc(F.flatten(out));
        }
      }
      """;

  private static final String MAIN =
      """
      package com.example.tiny;

      import dev.qnn4j.runtime.Tensor;
      import dev.qnn4j.runtime.nn.Model;
      import dev.qnn4j.runtime.nn.ModelFactory;
      import java.util.Arrays;
      import java.util.ServiceLoader;

      public final class Main {
        public static void main(String[] args) {
          ModelFactory factory = ServiceLoader.load(ModelFactory.class).stream()
              .map(ServiceLoader.Provider::get)
              .filter(f -> f.modelName().equals("TinyNet"))
              .findFirst()
              .orElseThrow();
          Model model = factory.create();
          System.out.println("factory " + factory.modelName() + " -> " + model.getClass().getName());
          System.out.println(model);
          float[] pixels = new float[2 * 12 * 12];
          for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (i % 13) / 13f - 0.5f;
          }
          Tensor logits = model.forward(Tensor.of(pixels, 2, 1, 12, 12));
          System.out.println("output shape " + Arrays.toString(logits.shape()));
        }
      }
      """;

  @TempDir Path project;

  @Test
  void compilesAndRunsAModelAgainstThePublishedJars() throws Exception {
    write("src/com/example/tiny/TinyNet.java", MODEL);
    write("src/com/example/tiny/Main.java", MAIN);

    Build build = compile();
    assertWithMessage(build.diagnostics).that(build.success).isTrue();
    // The only diagnostic: the note that the branching forward trains on the tape (no compiled
    // step).
    assertThat(build.diagnostics)
        .matches(
            "TinyNet\\.java:[0-9]+: NOTE: TinyNet has no compiled training step and trains"
                + " on the autograd tape: [^\n]*");
    Path generated = project.resolve("generated/com/example/tiny/QuantModel_TinyNet.java");
    assertThat(Files.readString(generated))
        .contains("@Generated(\"dev.qnn4j.processor.QuantModelProcessor\")");
    assertThat(
            Files.readString(
                project.resolve("classes/META-INF/services/dev.qnn4j.runtime.nn.ModelFactory")))
        .isEqualTo("com.example.tiny.QuantModel_TinyNet$Factory\n");

    String output = run("com.example.tiny.Main");
    assertThat(output).contains("factory TinyNet -> com.example.tiny.QuantModel_TinyNet\n");
    assertThat(output)
        .contains(
            String.join(
                "\n",
                "TinyNet(",
                "  (quant_inp): QuantIdentity(act_quant=Int8ActPerTensorFloat, return_quant_tensor=True)",
                "  (conv1): QuantConv2d(1, 4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), "
                    + "weight_quant=Int4WeightPerTensorFloat, bias_quant=Int32Bias)",
                "  (relu1): QuantReLU(act_quant=Uint4ActPerTensorFloat, return_quant_tensor=True)",
                "  (conv2): QuantConv2d(4, 4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), "
                    + "weight_quant=Int4WeightPerTensorFloat, bias_quant=Int32Bias)",
                "  (relu2): QuantReLU(act_quant=Uint4ActPerTensorFloat)",
                "  (fc): QuantLinear(in_features=144, out_features=10, bias=True, weight_quant=Int4WeightPerTensorFloat)",
                ")\n"));
    assertThat(output).contains("output shape [2, 10]\n");
  }

  @Test
  void thePublishedProcessorRejectsABadConfiguration() throws Exception {
    String bad =
        MODEL
            .replace("abstract Tensor conv1(QuantTensor x);", "abstract Tensor conv1(Tensor x);")
            .replace("relu1(conv1(quantInp(x)))", "relu1(conv1(x))");
    write("src/com/example/tiny/TinyNet.java", bad);

    Build build = compile();

    assertThat(build.success).isFalse();
    long biasLine = 1 + List.of(bad.split("\n")).indexOf("  @Int32Bias");
    assertThat(build.diagnostics)
        .contains(
            "TinyNet.java:"
                + biasLine
                + ": ERROR: conv1: @Int32Bias needs the input"
                + " scale (bias scale = input scale x weight scale), but input x is a Tensor");
  }

  private record Build(boolean success, String diagnostics) {}

  private Build compile() throws IOException {
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    DiagnosticCollector<JavaFileObject> collector = new DiagnosticCollector<>();
    Path classes = Files.createDirectories(project.resolve("classes"));
    Path generated = Files.createDirectories(project.resolve("generated"));
    List<Path> sources;
    try (Stream<Path> files = Files.walk(project.resolve("src"))) {
      sources = files.filter(p -> p.toString().endsWith(".java")).toList();
    }
    List<String> options =
        List.of(
            "--release",
            "17",
            "-Xlint:all,-processing",
            "-Werror",
            "-d",
            classes.toString(),
            "-s",
            generated.toString(),
            "-classpath",
            classpath(),
            "-processorpath",
            join(
                jar("qnn4j.processor.jar"),
                jar("qnn4j.javapoet.jar"),
                jar("qnn4j.annotations.jar")));
    try (StandardJavaFileManager files =
        javac.getStandardFileManager(collector, Locale.ROOT, StandardCharsets.UTF_8)) {
      boolean ok =
          javac
              .getTask(
                  null, files, collector, options, null, files.getJavaFileObjectsFromPaths(sources))
              .call();
      String diagnostics =
          collector.getDiagnostics().stream()
              .map(UserProjectTest::format)
              .collect(Collectors.joining("\n"));
      return new Build(ok, diagnostics);
    }
  }

  private static String format(Diagnostic<? extends JavaFileObject> d) {
    String file =
        d.getSource() == null ? "" : Path.of(d.getSource().toUri()).getFileName().toString();
    return file + ":" + d.getLineNumber() + ": " + d.getKind() + ": " + d.getMessage(Locale.ROOT);
  }

  private String run(String mainClass) throws IOException, InterruptedException {
    Path log = project.resolve("run.log");
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process p =
        new ProcessBuilder(
                java.toString(),
                "-Xmx1g",
                "-cp",
                join(project.resolve("classes").toString(), classpath()),
                mainClass)
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    if (!p.waitFor(300, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(
          "the user's program did not finish in 300 s:\n" + Files.readString(log));
    }
    String output = Files.readString(log);
    assertWithMessage(output).that(p.exitValue()).isEqualTo(0);
    return output;
  }

  /**
   * The user's compile and run classpath: the annotations and runtime jars and the runtime's
   * dependencies.
   */
  private static String classpath() {
    return join(
        jar("qnn4j.annotations.jar"),
        jar("qnn4j.runtime.jar"),
        property("qnn4j.runtime.dependencies"));
  }

  private static String jar(String property) {
    String path = property(property);
    if (!Files.exists(Path.of(path))) {
      throw new IllegalStateException(
          property + " = " + path + " does not exist; build the modules first");
    }
    return path;
  }

  /**
   * A path or value the samples module's surefire configuration passes (shared with
   * BomConsumerProjectTest).
   */
  static String property(String name) {
    String value = System.getProperty(name);
    if (value == null || value.isBlank() || value.startsWith("${")) {
      throw new IllegalStateException(
          "system property "
              + name
              + " is not set: run this test through the samples"
              + " module's Maven build, whose surefire configuration passes it");
    }
    return value;
  }

  private static String join(String... entries) {
    List<String> all = new ArrayList<>(List.of(entries));
    return String.join(File.pathSeparator, all);
  }

  private void write(String relative, String text) throws IOException {
    Path file = project.resolve(relative);
    Files.createDirectories(file.getParent());
    try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      w.write(text);
    }
  }
}
