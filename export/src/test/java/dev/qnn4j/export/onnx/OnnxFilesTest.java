package dev.qnn4j.export.onnx;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.qnn4j.export.onnx.proto.ModelProto;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link OnnxFiles}: atomic writes that leave nothing behind on failure, and clear read errors. */
class OnnxFilesTest {

  @TempDir Path dir;

  private static ModelProto model(String doc) {
    OnnxGraphBuilder b = new OnnxGraphBuilder("g").docString(doc);
    String y = b.activationQcdq("q", b.addFloatInput("x", 4), 0.5f, 4, false, false);
    b.addFloatOutput(y, 4);
    return b.build();
  }

  private List<String> listing() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void writesAndReadsBack() throws Exception {
    Path file = dir.resolve("model.onnx");
    ModelProto model = model("first");
    OnnxFiles.write(model, file);
    assertThat(listing()).containsExactly("model.onnx");
    assertThat(Files.readAllBytes(file)).isEqualTo(model.toByteArray());
    assertThat(OnnxFiles.read(file)).isEqualTo(model);
  }

  @Test
  void replacesAnExistingFile() throws Exception {
    Path file = dir.resolve("model.onnx");
    OnnxFiles.write(model("first"), file);
    OnnxFiles.write(model("second"), file);
    assertThat(listing()).containsExactly("model.onnx");
    assertThat(OnnxFiles.read(file).getDocString()).isEqualTo("second");
  }

  @Test
  void failureWhileWritingLeavesNoFile() {
    Path file = dir.resolve("model.onnx");
    IOException e =
        assertThrows(
            IOException.class,
            () ->
                dev.qnn4j.runtime.io.AtomicFiles.write(
                    file,
                    out -> {
                      out.write(
                          new byte
                              [100_000]); // more than the buffer: bytes reach the temporary file
                      throw new IOException("disk full");
                    }));
    // The failure names the file (a full disk's "No space left on device" names none).
    assertThat(e).hasMessageThat().isEqualTo("cannot write " + file + ": disk full");
    assertThat(Files.exists(file)).isFalse();
    assertThat(dir.toFile().list()).isEmpty();
  }

  @Test
  void failureWhileWritingKeepsThePreviousFile() throws Exception {
    Path file = dir.resolve("model.onnx");
    ModelProto first = model("first");
    OnnxFiles.write(first, file);
    assertThrows(
        IllegalStateException.class,
        () ->
            dev.qnn4j.runtime.io.AtomicFiles.write(
                file,
                out -> {
                  out.write(1);
                  throw new IllegalStateException("serializer bug");
                }));
    assertThat(listing()).containsExactly("model.onnx");
    assertThat(OnnxFiles.read(file)).isEqualTo(first);
  }

  @Test
  void failedRenameLeavesNoTemporaryFile() throws Exception {
    // The target is a non-empty directory: the data is written, then the rename fails.
    Path target = dir.resolve("model.onnx");
    Files.createDirectory(target);
    Files.writeString(target.resolve("keep.txt"), "x");
    assertThrows(IOException.class, () -> OnnxFiles.write(model("m"), target));
    assertThat(listing()).containsExactly("model.onnx");
    assertThat(Files.isDirectory(target)).isTrue();
  }

  @Test
  void missingDirectoryFailsWithoutLeavingAnything() {
    Path file = dir.resolve("no/such/dir/model.onnx");
    IOException e = assertThrows(IOException.class, () -> OnnxFiles.write(model("m"), file));
    assertThat(e)
        .hasMessageThat()
        .isEqualTo("cannot write " + file + ": directory " + file.getParent() + " does not exist");
    assertThat(dir.toFile().list()).isEmpty();
  }

  @Test
  void readErrorsNameTheFileOnOneLine() throws Exception {
    Path garbage = dir.resolve("garbage.onnx");
    Files.write(garbage, new byte[] {0x0a, (byte) 0xff, (byte) 0xff, 0x7f, 1, 2, 3});
    IOException e = assertThrows(IOException.class, () -> OnnxFiles.read(garbage));
    assertThat(e).isInstanceOf(dev.qnn4j.runtime.io.Qnn4jFormatException.class);
    assertThat(e).hasMessageThat().startsWith(garbage + ": not a valid ONNX model (");
    assertThat(e).hasMessageThat().doesNotContain("\n");
    System.out.println(e.getMessage());

    Path truncated = dir.resolve("truncated.onnx");
    byte[] bytes = model("m").toByteArray();
    Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length - 3));
    e = assertThrows(IOException.class, () -> OnnxFiles.read(truncated));
    assertThat(e).hasMessageThat().contains(truncated.toString());
    assertThat(e).hasMessageThat().doesNotContain("\n");

    Path empty = dir.resolve("empty.onnx");
    Files.write(empty, new byte[0]);
    e = assertThrows(IOException.class, () -> OnnxFiles.read(empty));
    assertThat(e).hasMessageThat().isEqualTo(empty + ": not a valid ONNX model (no graph)");

    Path absent = dir.resolve("absent.onnx");
    e = assertThrows(NoSuchFileException.class, () -> OnnxFiles.read(absent));
    assertThat(e).hasMessageThat().isEqualTo(absent + ": no such file");

    e = assertThrows(IOException.class, () -> OnnxFiles.read(dir));
    assertThat(e).hasMessageThat().startsWith(dir + ": ");
    assertThat(e).hasMessageThat().doesNotContain("\n");
  }
}
