package dev.qnn4j.export;

import static com.google.common.truth.Truth.assertThat;
import static dev.qnn4j.export.ExportFixtures.calibratedLeNet;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import dev.qnn4j.export.onnx.OnnxFiles;
import dev.qnn4j.export.onnx.OnnxTensors;
import dev.qnn4j.export.onnx.proto.ModelProto;
import dev.qnn4j.export.onnx.proto.TensorProto;
import dev.qnn4j.runtime.io.NonFiniteValueException;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.nn.WeightLayer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No ONNX file ever holds a NaN or infinite weight or scale: the writer refuses, naming the tensor.
 */
class NonFiniteExportTest {
  @TempDir Path dir;

  @Test
  void theWriterRefusesANonFiniteInitializerAndKeepsTheOldFile() throws Exception {
    Path file = dir.resolve("m.onnx");
    QcdqExporter.export(calibratedLeNet("lenet_weight_act_bias"), new long[] {3, 32, 32}, file);
    byte[] good = Files.readAllBytes(file);
    ModelProto model = OnnxFiles.read(file);
    int index = -1;
    for (int i = 0; i < model.getGraph().getInitializerCount() && index < 0; i++) {
      if (model.getGraph().getInitializer(i).getDataType() == TensorProto.DataType.FLOAT_VALUE) {
        index = i;
      }
    }
    TensorProto t = model.getGraph().getInitializer(index);
    float[] values = OnnxTensors.toFloatArray(t);
    values[0] = Float.POSITIVE_INFINITY;
    ByteBuffer raw = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    raw.asFloatBuffer().put(values);
    ModelProto poisoned =
        model.toBuilder()
            .setGraph(
                model.getGraph().toBuilder()
                    .setInitializer(
                        index,
                        t.toBuilder()
                            .clearFloatData()
                            .setRawData(ByteString.copyFrom(raw.array()))))
            .build();

    NonFiniteValueException e =
        assertThrows(NonFiniteValueException.class, () -> OnnxFiles.write(poisoned, file));
    assertThat(e)
        .hasMessageThat()
        .isEqualTo(
            "cannot write "
                + file
                + ": tensor '"
                + t.getName()
                + "' holds Infinity at element 0 of shape "
                + t.getDimsList()
                + "; non-finite values are never saved");
    assertThat(Files.readAllBytes(file)).isEqualTo(good);
    try (var files = Files.list(dir)) {
      assertThat(files.toList()).containsExactly(file);
    }
  }

  @Test
  void exportingAModelWithANanWeightWritesNothing() throws Exception {
    Model model = calibratedLeNet("lenet_weight_act_bias");
    WeightLayer conv1 = (WeightLayer) model.layer("conv1");
    float[] w = conv1.weight().toFloatArray();
    w[7] = Float.NaN;
    conv1.weight().set(w);
    Path file = dir.resolve("nan.onnx");
    // The exporter already names the layer whose scale the NaN reaches; the writer is the backstop.
    ExportException e =
        assertThrows(
            ExportException.class, () -> QcdqExporter.export(model, new long[] {3, 32, 32}, file));
    assertThat(e)
        .hasMessageThat()
        .isEqualTo("conv1: conv1.weight_quant: scale NaN is not a positive finite float");
    try (var files = Files.list(dir)) {
      assertThat(files.toList()).isEmpty();
    }
  }
}
