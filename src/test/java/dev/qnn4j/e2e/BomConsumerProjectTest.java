package dev.qnn4j.e2e;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import dev.qnn4j.runtime.io.ArrayData;
import dev.qnn4j.runtime.io.Safetensors;
import dev.qnn4j.runtime.reference.Matching;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Maven user's project: it imports {@code qnn4j-bom} and declares no other qnn4j version, loads
 * the seed's float LeNet as {@code torch.save(model.state_dict())} wrote it (Debian's
 * python3-torch, see runtime/src/test/resources/pytorch/make_fixtures.py), carries it into
 * AutoLeNet, calibrates, exports QCDQ ONNX and runs the export in ONNX Runtime, whose scores must
 * match the Java model's.
 *
 * <p>It is built by a nested {@code mvn -o} against a local repository of its own: this build's
 * freshly made qnn4j jars and poms (never installed into the shared repository), in front of
 * symbolic links to the entries of this build's local repository for everything else (ND4J, ONNX
 * Runtime, the Maven plugins), so nothing is downloaded and nothing the user's build resolves can
 * come from an older installed qnn4j.
 */
class BomConsumerProjectTest {
  private static final String POM =
      """
      <?xml version="1.0" encoding="UTF-8"?>
      <project xmlns="http://maven.apache.org/POM/4.0.0">
        <modelVersion>4.0.0</modelVersion>
        <groupId>com.example</groupId>
        <artifactId>lenet-from-pytorch</artifactId>
        <version>1.0</version>
        <properties>
          <maven.compiler.release>17</maven.compiler.release>
          <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
        </properties>
        <dependencyManagement>
          <dependencies>
            <dependency>
              <groupId>dev.qnn4j</groupId>
              <artifactId>qnn4j-bom</artifactId>
              <version>QNN4J_VERSION</version>
              <type>pom</type>
              <scope>import</scope>
            </dependency>
          </dependencies>
        </dependencyManagement>
        <dependencies>
          <dependency><groupId>dev.qnn4j</groupId><artifactId>qnn4j-annotations</artifactId></dependency>
          <dependency><groupId>dev.qnn4j</groupId><artifactId>qnn4j-runtime</artifactId></dependency>
          <dependency><groupId>dev.qnn4j</groupId><artifactId>qnn4j-export</artifactId></dependency>
          <dependency><groupId>com.microsoft.onnxruntime</groupId><artifactId>onnxruntime</artifactId></dependency>
        </dependencies>
        <build>
          <plugins>
            <plugin>
              <artifactId>maven-resources-plugin</artifactId>
              <version>3.3.1</version>
            </plugin>
            <plugin>
              <artifactId>maven-compiler-plugin</artifactId>
              <version>3.13.0</version>
              <configuration>
                <!-- The processor's version comes from the BOM too. -->
                <annotationProcessorPathsUseDepMgmt>true</annotationProcessorPathsUseDepMgmt>
                <annotationProcessorPaths>
                  <path><groupId>dev.qnn4j</groupId><artifactId>qnn4j-processor</artifactId></path>
                </annotationProcessorPaths>
                <compilerArgs><arg>-Xlint:all,-processing</arg><arg>-Werror</arg></compilerArgs>
              </configuration>
            </plugin>
            <plugin>
              <artifactId>maven-dependency-plugin</artifactId>
              <version>3.8.1</version>
            </plugin>
          </plugins>
        </build>
      </project>
      """;

  private static final String MAIN =
      """
      package com.example.lenet;

      import ai.onnxruntime.OnnxTensor;
      import ai.onnxruntime.OrtEnvironment;
      import ai.onnxruntime.OrtSession;
      import dev.qnn4j.export.QcdqExporter;
      import dev.qnn4j.runtime.Tensor;
      import dev.qnn4j.runtime.nn.Model;
      import dev.qnn4j.runtime.graph.Calibration;
      import dev.qnn4j.runtime.train.Checkpoint;
      import java.nio.FloatBuffer;
      import java.nio.file.Path;
      import java.util.Arrays;
      import java.util.List;
      import java.util.Map;

      public final class Main {
        public static void main(String[] args) throws Exception {
          Model model = new QuantModel_AutoLeNet();
          Checkpoint.loadWeights(Path.of(args[0]), model, true);
          System.out.println("conv1.weight " + Arrays.toString(model.stateDict().get("conv1.weight").toFloatArray()));
          float[] images = new float[4 * 3 * 32 * 32];
          for (int i = 0; i < images.length; i++) {
            images[i] = (float) Math.cos(i * 0.11) * 0.9f;
          }
          Tensor batch = Tensor.of(images, 4, 3, 32, 32);
          Calibration.calibrate(model, List.of(batch));
          model.eval();
          System.out.println("java " + Arrays.toString(model.forward(batch).toFloatArray()));
          QcdqExporter.export(model, Path.of(args[1]));
          OrtEnvironment env = OrtEnvironment.getEnvironment();
          try (OrtSession session = env.createSession(args[1], new OrtSession.SessionOptions());
              OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(images), new long[] {4, 3, 32, 32});
              OrtSession.Result result = session.run(Map.of(session.getInputNames().iterator().next(), input))) {
            float[][] logits = (float[][]) result.get(0).getValue();
            float[] flat = new float[40];
            for (int i = 0; i < 4; i++) {
              System.arraycopy(logits[i], 0, flat, i * 10, 10);
            }
            System.out.println("onnxruntime " + Arrays.toString(flat));
          }
        }
      }
      """;

  @TempDir Path project;

  @Test
  void importsTheBomLoadsATorchSaveLeNetCalibratesExportsAndRunsInOnnxRuntime() throws Exception {
    String version = property("qnn4j.version");
    Path repo = stageRepository(project.resolve("repo"), version);
    String pom = POM.replace("QNN4J_VERSION", version);
    assertWithMessage("the user's pom names a qnn4j version once, in the BOM import")
        .that(pom.split(Pattern.quote(version), -1).length - 1)
        .isEqualTo(1);
    Path app = project.resolve("app");
    write(app.resolve("pom.xml"), pom);
    Path samples = Path.of(property("qnn4j.root"), "samples/src/main/java/dev/qnn4j/samples");
    for (String model : List.of("FloatLeNet", "AutoLeNet")) {
      String source =
          Files.readString(samples.resolve(model + ".java"))
              .replace("package dev.qnn4j.samples;", "package com.example.lenet;");
      write(app.resolve("src/main/java/com/example/lenet/" + model + ".java"), source);
    }
    write(app.resolve("src/main/java/com/example/lenet/Main.java"), MAIN);
    Path weights = project.resolve("float_lenet.pth");
    try (InputStream in =
        BomConsumerProjectTest.class.getResourceAsStream("/pytorch/float_lenet.pth")) {
      Files.copy(in, weights);
    }

    run(
        app,
        List.of(
            "mvn",
            "-B",
            "-o",
            "-q",
            "-Dmaven.repo.local=" + repo,
            "compile",
            "dependency:build-classpath",
            "-Dmdep.outputFile=classpath.txt",
            "-Dmdep.includeScope=runtime"),
        600);
    assertThat(
            Files.exists(
                app.resolve("target/classes/com/example/lenet/QuantModel_AutoLeNet.class")))
        .isTrue();
    String classpath =
        app.resolve("target/classes")
            + java.io.File.pathSeparator
            + Files.readString(app.resolve("classpath.txt")).strip();
    assertWithMessage("the user's classpath comes from the staged repository")
        .that(classpath)
        .contains(repo.resolve("dev/qnn4j/qnn4j-runtime").toString());

    Path onnx = project.resolve("lenet_qcdq.onnx");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String output =
        run(
            app,
            List.of(
                java,
                "-Xmx1g",
                "-cp",
                classpath,
                "com.example.lenet.Main",
                weights.toString(),
                onnx.toString()),
            300);

    ArrayData conv1 =
        Safetensors.read(fixture("float_lenet.expected.safetensors")).tensors().get("conv1.weight");
    assertThat(floats(output, "conv1.weight")).isEqualTo(conv1.floats());
    float[] javaScores = floats(output, "java");
    assertThat(javaScores).hasLength(40);
    Matching.assertMatches(
        "ONNX Runtime vs the Java model", javaScores, floats(output, "onnxruntime"));
    assertThat(Files.size(onnx)).isGreaterThan(10_000L);
  }

  /**
   * A local repository: the qnn4j artifacts of this build as {@code mvn install} would lay them
   * out, and links to every other entry of this build's local repository.
   */
  private static Path stageRepository(Path repo, String version) throws IOException {
    Path shared = Path.of(property("qnn4j.localRepository"));
    Files.createDirectories(repo);
    try (Stream<Path> entries = Files.list(shared)) {
      for (Path entry : entries.toList()) {
        if (!entry.getFileName().toString().equals("dev")) {
          Files.createSymbolicLink(repo.resolve(entry.getFileName()), entry);
        }
      }
    }
    Path dev = Files.createDirectories(repo.resolve("dev"));
    if (Files.isDirectory(shared.resolve("dev"))) {
      try (Stream<Path> entries = Files.list(shared.resolve("dev"))) {
        for (Path entry : entries.toList()) {
          if (!entry.getFileName().toString().equals("qnn4j")) {
            Files.createSymbolicLink(dev.resolve(entry.getFileName()), entry);
          }
        }
      }
    }
    Path root = Path.of(property("qnn4j.root"));
    stage(repo, "qnn4j-parent", version, root.resolve("pom.xml"), null);
    stage(repo, "qnn4j-bom", version, root.resolve("bom/pom.xml"), null);
    for (String module : List.of("annotations", "processor", "runtime", "export")) {
      stage(
          repo,
          "qnn4j-" + module,
          version,
          root.resolve(module + "/pom.xml"),
          Path.of(property("qnn4j." + module + ".jar")));
    }
    return repo;
  }

  private static void stage(Path repo, String artifact, String version, Path pom, Path jar)
      throws IOException {
    Path dir =
        Files.createDirectories(repo.resolve("dev/qnn4j").resolve(artifact).resolve(version));
    Files.copy(pom, dir.resolve(artifact + "-" + version + ".pom"));
    if (jar == null) {
      return;
    }
    Path target = dir.resolve(artifact + "-" + version + ".jar");
    if (Files.isDirectory(jar)) {
      jarUp(jar, target); // `mvn test` resolves reactor modules to their class directories
    } else {
      Files.copy(jar, target);
    }
  }

  private static void jarUp(Path classes, Path jar) throws IOException {
    try (OutputStream out = Files.newOutputStream(jar);
        JarOutputStream zip = new JarOutputStream(out);
        Stream<Path> files = Files.walk(classes)) {
      for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
        zip.putNextEntry(new JarEntry(classes.relativize(file).toString().replace('\\', '/')));
        Files.copy(file, zip);
        zip.closeEntry();
      }
    }
  }

  private static String run(Path dir, List<String> command, int seconds)
      throws IOException, InterruptedException {
    Path log = Files.createTempFile(dir.getParent(), "run", ".log");
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    builder.environment().put("OMP_NUM_THREADS", "1");
    builder.environment().put("OPENBLAS_NUM_THREADS", "1");
    Process p = builder.start();
    if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(
          String.join(" ", command)
              + " did not finish in "
              + seconds
              + " s:\n"
              + Files.readString(log));
    }
    String output = Files.readString(log);
    assertWithMessage("%s\n%s", String.join(" ", command), output).that(p.exitValue()).isEqualTo(0);
    return output;
  }

  private static float[] floats(String output, String label) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(label) + " \\[(.*)\\]$").matcher(output);
    assertWithMessage("%s in\n%s", label, output).that(m.find()).isTrue();
    List<Float> values = new ArrayList<>();
    for (String v : m.group(1).split(", ")) {
      values.add(Float.parseFloat(v));
    }
    float[] out = new float[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = values.get(i);
    }
    return out;
  }

  private Path fixture(String name) throws IOException {
    Path file = project.resolve(name);
    try (InputStream in = BomConsumerProjectTest.class.getResourceAsStream("/pytorch/" + name)) {
      Files.copy(in, file);
    }
    return file;
  }

  private static String property(String name) {
    return UserProjectTest.property(name);
  }

  private static void write(Path file, String text) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, text, StandardCharsets.UTF_8);
  }
}
