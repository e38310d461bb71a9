package dev.qnn4j.samples.serving;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * Serving an exported QCDQ model from Java with ONNX Runtime alone: no qnn4j, no ND4J on the
 * classpath, only {@code com.microsoft.onnxruntime:onnxruntime} (see docs/serving.md).
 *
 * <p>One instance holds one session; {@link #logits} may be called from several threads at once
 * (ONNX Runtime sessions are thread-safe for {@code run}). Close it to free the native session.
 */
public final class OnnxClassifier implements AutoCloseable {
  private final OrtEnvironment env;
  private final OrtSession session;
  private final String inputName;
  private final long[] imageShape;

  /**
   * Opens {@code model}, an ONNX file with one float input {@code [N, C, H, W]} and class scores as
   * its first output, e.g. one written by {@code qnn4j export} or {@code QcdqExporter}.
   *
   * @param model the ONNX file
   * @throws OrtException if ONNX Runtime cannot load it
   */
  public OnnxClassifier(Path model) throws OrtException {
    env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      session = env.createSession(model.toString(), options);
    }
    inputName = session.getInputNames().iterator().next();
    long[] declared =
        ((ai.onnxruntime.TensorInfo) session.getInputInfo().get(inputName).getInfo()).getShape();
    imageShape = Arrays.copyOfRange(declared, 1, declared.length);
  }

  /** The shape of one image, e.g. {@code [3, 32, 32]}. */
  public long[] imageShape() {
    return imageShape.clone();
  }

  /**
   * Class scores of a batch.
   *
   * @param images {@code n} images, row-major {@code [n, C, H, W]}
   * @param n how many images {@code images} holds
   * @return {@code [n][classes]} scores
   * @throws OrtException if the run fails
   */
  public float[][] logits(float[] images, int n) throws OrtException {
    long[] shape = new long[imageShape.length + 1];
    shape[0] = n;
    System.arraycopy(imageShape, 0, shape, 1, imageShape.length);
    try (OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(images), shape);
        OrtSession.Result result = session.run(Map.of(inputName, input))) {
      return (float[][]) result.get(0).getValue();
    }
  }

  /**
   * The most likely class of each image of a batch.
   *
   * @param images {@code n} images, row-major {@code [n, C, H, W]}
   * @param n how many images {@code images} holds
   * @return the index of the highest score per image
   * @throws OrtException if the run fails
   */
  public int[] classify(float[] images, int n) throws OrtException {
    float[][] scores = logits(images, n);
    int[] classes = new int[n];
    for (int i = 0; i < n; i++) {
      for (int c = 1; c < scores[i].length; c++) {
        if (scores[i][c] > scores[i][classes[i]]) {
          classes[i] = c;
        }
      }
    }
    return classes;
  }

  @Override
  public void close() throws OrtException {
    session.close();
  }
}
