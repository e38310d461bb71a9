package dev.qnn4j.samples.zoo;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.qnn4j.export.onnx.proto.ModelProto;
import dev.qnn4j.runtime.Tensor;
import java.nio.FloatBuffer;
import java.util.Map;

/** Runs an ONNX model's first output in ONNX Runtime on one float input. */
final class OrtRun {
  private OrtRun() {}

  static float[] run(ModelProto model, Tensor x) throws OrtException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession session =
            env.createSession(model.toByteArray(), new OrtSession.SessionOptions());
        OnnxTensor input =
            OnnxTensor.createTensor(env, FloatBuffer.wrap(x.toFloatArray()), x.shape());
        OrtSession.Result result =
            session.run(Map.of(session.getInputNames().iterator().next(), input))) {
      return ((OnnxTensor) result.get(0)).getFloatBuffer().array();
    }
  }
}
