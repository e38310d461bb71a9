package dev.qnn4j.samples.serving;

import static com.google.common.truth.Truth.assertThat;

import dev.qnn4j.export.QcdqExporter;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.graph.Calibration;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.reference.Matching;
import dev.qnn4j.runtime.train.Checkpoint;
import dev.qnn4j.samples.QuantModel_AutoLeNet;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The serving sample on a real export: the seed's float LeNet as torch.save wrote it, quantized
 * (AutoLeNet), calibrated and exported to QCDQ, then served by {@link OnnxClassifier}, whose scores
 * must match the Java model's.
 */
class OnnxClassifierTest {
  @TempDir Path tmp;

  @Test
  void servesAnExportedQcdqModelWithTheJavaModelsNumbers() throws Exception {
    Path weights = tmp.resolve("float_lenet.pth");
    try (InputStream in =
        OnnxClassifierTest.class.getResourceAsStream("/pytorch/float_lenet.pth")) {
      Files.copy(in, weights);
    }
    Model model = new QuantModel_AutoLeNet();
    Checkpoint.loadWeights(weights, model, true);
    int n = 4;
    float[] images = new float[n * 3 * 32 * 32];
    for (int i = 0; i < images.length; i++) {
      images[i] = (float) Math.sin(i * 0.37) * 0.8f;
    }
    Tensor batch = Tensor.of(images, n, 3, 32, 32);
    Calibration.calibrate(model, List.of(batch));
    model.eval();
    float[] expected = model.forward(batch).toFloatArray();
    Path onnx = tmp.resolve("lenet_qcdq.onnx");
    QcdqExporter.export(model, onnx);

    try (OnnxClassifier classifier = new OnnxClassifier(onnx)) {
      assertThat(classifier.imageShape()).isEqualTo(new long[] {3, 32, 32});
      float[][] logits = classifier.logits(images, n);
      float[] flat = new float[n * 10];
      for (int i = 0; i < n; i++) {
        System.arraycopy(logits[i], 0, flat, i * 10, 10);
      }
      Matching.assertMatches("ONNX Runtime vs qnn4j", expected, flat);
      int[] classes = classifier.classify(images, n);
      for (int i = 0; i < n; i++) {
        int best = 0;
        for (int c = 1; c < 10; c++) {
          best = expected[i * 10 + c] > expected[i * 10 + best] ? c : best;
        }
        assertThat(classes[i]).isEqualTo(best);
      }
    }
  }
}
