package dev.qnn4j.samples.cli;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Map;

/** An exported ONNX file in an ONNX Runtime (CPU) session: float input, first output as floats. */
final class OrtModel implements AutoCloseable {
  private final OrtEnvironment env;
  private final OrtSession session;
  private final String inputName;

  OrtModel(Path file) throws OrtException {
    env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
      session = env.createSession(file.toString(), options);
    }
    inputName = session.getInputNames().iterator().next();
  }

  /** Runs one batch {@code data} of shape {@code shape}; returns the first output, row-major. */
  float[] run(float[] data, long[] shape) throws OrtException {
    try (OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(data), shape);
        OrtSession.Result result = session.run(Map.of(inputName, input))) {
      OnnxValue value = result.get(0);
      FloatBuffer buf = ((OnnxTensor) value).getFloatBuffer();
      float[] out = new float[buf.remaining()];
      buf.get(out);
      return out;
    }
  }

  @Override
  public void close() throws OrtException {
    session.close();
  }

  /**
   * The reference README's matching rule: every element within 5% of {@code max |ref|} and at least
   * 99% within {@code 1e-4 + 1e-4 |ref|}.
   */
  static boolean matches(float[] ref, float[] actual) {
    if (ref.length != actual.length) {
      return false;
    }
    float maxRef = 0;
    for (float r : ref) {
      maxRef = Math.max(maxRef, Math.abs(r));
    }
    int close = 0;
    for (int i = 0; i < ref.length; i++) {
      double err = Math.abs((double) actual[i] - ref[i]);
      if (!(err <= 0.05 * maxRef) && ref[i] != actual[i]) {
        return false;
      }
      if (err <= 1e-4 + 1e-4 * Math.abs(ref[i])) {
        close++;
      }
    }
    return close >= Math.ceil(0.99 * ref.length);
  }

  static double maxAbsDiff(float[] a, float[] b) {
    double m = 0;
    for (int i = 0; i < Math.min(a.length, b.length); i++) {
      m = Math.max(m, Math.abs((double) a[i] - b[i]));
    }
    return m;
  }
}
