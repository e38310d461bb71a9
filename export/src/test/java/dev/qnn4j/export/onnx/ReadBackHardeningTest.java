package dev.qnn4j.export.onnx;

import static com.google.common.truth.Truth.assertThat;

import dev.qnn4j.export.onnx.proto.ModelProto;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Regression tests for what fuzzing ONNX read-back (OnnxReadFuzzTest) found. */
class ReadBackHardeningTest {
  @TempDir Path dir;

  // Finding (OnnxReadFuzzTest, crash-6acea1fa...): a value name containing a line break, read from
  // a file, made a checker problem span two lines.
  @Test
  void checkerProblemsStayOnOneLineWhateverTheNames() throws Exception {
    OnnxGraphBuilder b = new OnnxGraphBuilder("g");
    String y = b.activationQcdq("q", b.addFloatInput("x", 4), 0.5f, 4, false, false);
    b.addFloatOutput(y, 4);
    ModelProto model = b.build();
    ModelProto broken =
        model.toBuilder()
            .setGraph(
                model.getGraph().toBuilder()
                    .setNode(
                        1,
                        model.getGraph().getNode(1).toBuilder()
                            .setInput(0, "q.Quantize\nLinear\u2028out")))
            .build();
    Path file = dir.resolve("broken.onnx");
    Files.write(file, broken.toByteArray());

    List<String> problems = OnnxModelChecker.check(OnnxFiles.read(file));
    assertThat(problems).isNotEmpty();
    for (String p : problems) {
      assertThat(p).doesNotContainMatch("[\\r\\n\\u2028]");
    }
    assertThat(problems.get(0)).contains("'q.Quantize\\u000aLinear\\u2028out'");
  }

  // Finding: writing into a read-only directory failed with a FileSystemException naming the
  // hidden temporary file (/out/.model.onnx.1ac7c7a0fa86dd7d.tmp: Read-only file system). A
  // directory without write permission has the same path; as root, only a read-only mount shows it,
  // so this checks the message for a directory that is a regular file instead.
  @Test
  void writeFailureNamesTheTargetNotTheTemporaryFile() throws Exception {
    Path notADir = Files.writeString(dir.resolve("plain"), "x");
    Path target = notADir.resolve("model.onnx");
    java.io.IOException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            java.io.IOException.class,
            () -> OnnxFiles.write(ModelProto.getDefaultInstance(), target));
    assertThat(e).hasMessageThat().startsWith("cannot write " + target.toAbsolutePath() + ": ");
    assertThat(e).hasMessageThat().doesNotContain(".tmp");
  }

  @Test
  void fullDiskDuringWriteNamesTheTarget() {
    Path file = dir.resolve("model.onnx");
    java.io.IOException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            java.io.IOException.class,
            () ->
                dev.qnn4j.runtime.io.AtomicFiles.write(
                    file,
                    out -> {
                      throw new java.io.IOException("No space left on device");
                    }));
    assertThat(e).hasMessageThat().isEqualTo("cannot write " + file + ": No space left on device");
  }
}
