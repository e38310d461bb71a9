package dev.qnn4j.export.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import dev.qnn4j.export.onnx.proto.ModelProto;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/** Runs a {@link ModelProto} in ONNX Runtime (CPU) on float inputs. Shared by the export tests. */
public final class OrtRunner {

  /** A float tensor: flat row-major data and its shape. */
  public record FloatTensor(float[] data, long[] shape) {}

  private OrtRunner() {}

  /** Runs {@code model} with ORT's full graph optimizations on one input. */
  public static Map<String, FloatTensor> run(
      ModelProto model, String input, float[] data, long... shape) throws OrtException {
    return run(model, OptLevel.ALL_OPT, Map.of(input, new FloatTensor(data, shape)));
  }

  /** Runs {@code model}; returns every graph output by name, in graph order. */
  public static Map<String, FloatTensor> run(
      ModelProto model, OptLevel optLevel, Map<String, FloatTensor> inputs) throws OrtException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    Map<String, OnnxTensor> feeds = new LinkedHashMap<>();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setOptimizationLevel(optLevel);
      options.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
      options.setIntraOpNumThreads(1);
      try (OrtSession session = env.createSession(model.toByteArray(), options)) {
        for (Map.Entry<String, FloatTensor> e : inputs.entrySet()) {
          feeds.put(
              e.getKey(),
              OnnxTensor.createTensor(
                  env, FloatBuffer.wrap(e.getValue().data()), e.getValue().shape()));
        }
        Map<String, FloatTensor> out = new LinkedHashMap<>();
        try (OrtSession.Result result = session.run(feeds)) {
          for (Map.Entry<String, OnnxValue> e : result) {
            OnnxTensor t = (OnnxTensor) e.getValue();
            FloatBuffer buf = t.getFloatBuffer();
            float[] values = new float[buf.remaining()];
            buf.get(values);
            out.put(e.getKey(), new FloatTensor(values, t.getInfo().getShape()));
          }
        }
        return out;
      } finally {
        feeds.values().forEach(OnnxTensor::close);
      }
    }
  }
}
