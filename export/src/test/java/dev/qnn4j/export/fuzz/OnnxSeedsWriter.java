package dev.qnn4j.export.fuzz;

import dev.qnn4j.export.onnx.OnnxGraphBuilder;
import dev.qnn4j.export.onnx.proto.ModelProto;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Writes the seed corpus of {@link OnnxReadFuzzTest}: a small QCDQ model from the graph builder,
 * the Brevitas reference LeNet export, and corrupt versions of them. The corpus is checked in; this
 * tool documents and reproduces it. It is not a test: run it from the repository root with {@code
 * ./write-fuzz-seeds.sh} (see RELIABILITY.md).
 */
public final class OnnxSeedsWriter {
  private static final Path DIR =
      Path.of("src/test/resources/dev/qnn4j/export/fuzz/OnnxReadFuzzTestInputs/read");

  private OnnxSeedsWriter() {}

  /** Writes the corpus; the working directory must be the export module. */
  public static void main(String[] args) throws IOException {
    Files.createDirectories(DIR);
    OnnxGraphBuilder b = new OnnxGraphBuilder("g").docString("seed");
    String y = b.activationQcdq("q", b.addFloatInput("x", 4), 0.5f, 4, false, false);
    b.addFloatOutput(y, 4);
    byte[] small = b.build().toByteArray();
    Files.write(DIR.resolve("valid_small_qcdq.onnx"), small);
    byte[] lenet;
    try (InputStream in =
        OnnxSeedsWriter.class.getResourceAsStream("/reference/brevitas/lenet_weight.qcdq.onnx")) {
      lenet = in.readAllBytes();
    }
    Files.write(DIR.resolve("valid_brevitas_lenet.onnx"), lenet);
    Files.write(DIR.resolve("bad_truncated_lenet.onnx"), Arrays.copyOf(lenet, 4096));
    Files.write(DIR.resolve("bad_truncated_small.onnx"), Arrays.copyOf(small, small.length - 3));
    Files.write(
        DIR.resolve("bad_no_graph.onnx"),
        ModelProto.newBuilder().setIrVersion(8).build().toByteArray());
    Files.write(
        DIR.resolve("bad_garbage.onnx"),
        new byte[] {0x0a, (byte) 0xff, (byte) 0xff, 0x7f, 1, 2, 3});
    // A graph field declaring 2 GiB of content.
    Files.write(
        DIR.resolve("bad_huge_length.onnx"),
        new byte[] {
          0x3a, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x07, 0x0a, 0x01, 0x67
        });
  }
}
