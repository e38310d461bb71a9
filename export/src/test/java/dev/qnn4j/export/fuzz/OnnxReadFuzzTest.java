package dev.qnn4j.export.fuzz;

import static com.google.common.truth.Truth.assertWithMessage;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.qnn4j.export.onnx.OnnxFiles;
import dev.qnn4j.export.onnx.OnnxModelChecker;
import dev.qnn4j.export.onnx.proto.ModelProto;
import dev.qnn4j.runtime.io.Qnn4jFormatException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * ONNX read-back on arbitrary bytes: {@link OnnxFiles#read} either returns a model with a graph,
 * which {@link OnnxModelChecker#check} then examines without throwing and which survives a
 * serialize/parse round trip, or fails with a one-line {@link Qnn4jFormatException} that starts
 * with the file's path. Any other exception is a finding.
 *
 * <p>{@code mvn verify} fuzzes it for 10 s (the {@code fuzz} profile of this module's pom); by
 * default it only replays its seed corpus, {@code
 * src/test/resources/dev/qnn4j/export/fuzz/OnnxReadFuzzTestInputs/read/}. To fuzz longer by hand:
 *
 * <pre>
 * JAZZER_FUZZ=1 mvn -pl export test -Dtest=OnnxReadFuzzTest -Djazzer.max_duration=1h
 * </pre>
 */
class OnnxReadFuzzTest {
  private static Path dir;

  private static synchronized Path file() {
    if (dir == null) {
      try {
        dir = Files.createTempDirectory("qnn4j-fuzz");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      Path d = dir;
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    d.resolve("input.onnx").toFile().delete();
                    d.toFile().delete();
                  }));
    }
    return dir.resolve("input.onnx");
  }

  @FuzzTest(maxDuration = "10s")
  @DictionaryEntries({
    "QuantizeLinear",
    "DequantizeLinear",
    "Clip",
    "Conv",
    "Gemm",
    "Relu",
    "MaxPool",
    "Flatten",
    "ai.onnx",
    "qonnx.custom_op.general",
    "Quant",
    "axis",
    "kernel_shape"
  })
  void read(byte[] data) throws IOException {
    Path file = file();
    Files.write(file, data);
    ModelProto model;
    try {
      model = OnnxFiles.read(file);
    } catch (IOException e) {
      if (!(e instanceof Qnn4jFormatException)) {
        throw new AssertionError("expected a Qnn4jFormatException, got " + e, e);
      }
      String message = e.getMessage();
      assertWithMessage("message").that(message).startsWith(file + ": not a valid ONNX model (");
      assertWithMessage("message").that(message).doesNotContainMatch("[\\r\\n\\u2028\\u2029]");
      assertWithMessage("message length").that(message.length()).isLessThan(1000);
      return;
    }
    assertWithMessage("has a graph").that(model.hasGraph()).isTrue();
    for (String problem : OnnxModelChecker.check(model)) {
      assertWithMessage("checker problem").that(problem).doesNotContainMatch("[\\r\\n]");
    }
    assertWithMessage("round trip")
        .that(ModelProto.parseFrom(model.toByteArray()))
        .isEqualTo(model);
  }
}
