package dev.qnn4j.processor;

import static com.google.common.truth.Truth.assertThat;
import static com.google.testing.compile.CompilationSubject.assertThat;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.JavaFileObjects;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The generated source of the seed's three LeNets, of the float LeNet and of its automated
 * quantization {@code AutoLeNet} and of {@code QuantResidualNet} (batch norm, a residual add,
 * average pooling), as the samples module declares them, against golden files. Regenerate the
 * golden files after an intended change with {@code -Dqnn4j.updateGolden=true} and review the diff.
 */
class GoldenFileTest {
  private static final Path SAMPLES =
      Path.of(System.getProperty("qnn4j.samples.sources", "../samples/src/main/java"));

  @ParameterizedTest
  @ValueSource(
      strings = {
        "QuantWeightLeNet",
        "QuantWeightActLeNet",
        "QuantWeightActBiasLeNet",
        "FloatLeNet",
        "QuantResidualNet"
      })
  void generatedSourceMatchesGoldenFile(String model) throws IOException {
    Compilation c = TestSource.compile(sample(model));
    assertThat(c).succeededWithoutWarnings();
    assertMatchesGoldenFile(c, model);
  }

  /**
   * {@code @QuantizeFrom(FloatLeNet.class)} with the seed's rules: compiled with its float model.
   */
  @Test
  void autoQuantizedLeNetMatchesGoldenFile() throws IOException {
    Compilation c = TestSource.compile(sample("FloatLeNet"), sample("AutoLeNet"));
    assertThat(c).succeededWithoutWarnings();
    assertMatchesGoldenFile(c, "AutoLeNet");
  }

  private static JavaFileObject sample(String model) throws IOException {
    String source = Files.readString(SAMPLES.resolve("dev/qnn4j/samples/" + model + ".java"));
    return JavaFileObjects.forSourceString("dev.qnn4j.samples." + model, source);
  }

  private static void assertMatchesGoldenFile(Compilation c, String model) throws IOException {
    String generatedName = "dev.qnn4j.samples.QuantModel_" + model;
    String generated =
        c.generatedSourceFile(generatedName).orElseThrow().getCharContent(true).toString();
    String goldenResource = "golden/QuantModel_" + model + ".java";
    if (Boolean.getBoolean("qnn4j.updateGolden")) {
      Files.writeString(Path.of("src/test/resources", goldenResource), generated);
      return;
    }
    assertThat(generated).isEqualTo(readResource(goldenResource));
    assertThat(c)
        .generatedSourceFile(generatedName)
        .hasSourceEquivalentTo(JavaFileObjects.forResource(goldenResource));
  }

  private static String readResource(String name) throws IOException {
    try (InputStream in = GoldenFileTest.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IOException(
            name + " is missing; run with -Dqnn4j.updateGolden=true to create it");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
