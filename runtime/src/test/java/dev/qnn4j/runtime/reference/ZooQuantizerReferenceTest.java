package dev.qnn4j.runtime.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonObject;
import dev.qnn4j.runtime.Parameter;
import dev.qnn4j.runtime.QuantTensor;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.kernels.NdArrays;
import dev.qnn4j.runtime.nn.QuantActivation;
import dev.qnn4j.runtime.nn.QuantHardTanh;
import dev.qnn4j.runtime.nn.QuantIdentity;
import dev.qnn4j.runtime.nn.QuantSigmoid;
import dev.qnn4j.runtime.nn.QuantTanh;
import dev.qnn4j.runtime.quant.ActQuantConfig;
import dev.qnn4j.runtime.quant.ScaleRestriction;
import dev.qnn4j.runtime.quant.ScalingImpl;
import dev.qnn4j.runtime.quant.WeightQuantConfig;
import dev.qnn4j.runtime.quant.WeightQuantizer;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The issue-17 quantizer cases of {@code reference/brevitas-zoo/} (Brevitas 0.11): every {@code
 * weight_quant} and {@code act_quant} case, and the {@code QuantHardTanh}, {@code QuantSigmoid},
 * {@code QuantTanh} layer cases. Values, scales, integers, bit widths, input and scale-parameter
 * gradients must be bit for bit Brevitas' (0 and -0 compare equal).
 */
class ZooQuantizerReferenceTest {
  private static final String SCALE_PARAM =
      "act_quant.fused_activation_quant_proxy.tensor_quant.scaling_impl.value";

  @TestFactory
  Stream<DynamicTest> weightQuant() {
    return Reference.Zoo.cases("weight_quant").stream()
        .map(c -> DynamicTest.dynamicTest(c.get("name").getAsString(), () -> checkWeightCase(c)));
  }

  @TestFactory
  Stream<DynamicTest> actQuant() {
    return Reference.Zoo.cases("act_quant").stream()
        .map(c -> DynamicTest.dynamicTest(c.get("name").getAsString(), () -> checkActCase(c)));
  }

  @TestFactory
  Stream<DynamicTest> activationLayers() {
    return Stream.of("quant_hardtanh_b4", "quant_sigmoid_b4", "quant_tanh_b4")
        .map(
            n ->
                DynamicTest.dynamicTest(n, () -> checkActivationLayer(Reference.Zoo.caseNamed(n))));
  }

  /**
   * The quantizer a weight case names, with the case's settings (bnn_pynq's defaults where absent).
   */
  static WeightQuantConfig weightConfig(JsonObject c) {
    int bits = c.get("bit_width").getAsInt();
    String quant = c.get("quant").getAsString();
    if (quant.endsWith("Int8WeightPerChannelFloat")) {
      return WeightQuantConfig.perChannelFloat(bits);
    }
    if (!quant.endsWith("CommonWeightQuant")) {
      throw new IllegalArgumentException("unknown quantizer " + quant);
    }
    boolean narrow = !c.has("narrow_range") || c.get("narrow_range").getAsBoolean();
    float scalingConst = c.has("scaling_const") ? c.get("scaling_const").getAsFloat() : 1f;
    return WeightQuantConfig.constant(bits, narrow, scalingConst)
        .withRestriction(restriction(c))
        .withPerChannel(
            c.has("scaling_per_output_channel")
                && c.get("scaling_per_output_channel").getAsBoolean());
  }

  /**
   * The quantizer an act case names: bnn_pynq's {@code CommonActQuant} (CONST, narrow, -1..1 by
   * default).
   */
  static ActQuantConfig actConfig(JsonObject c) {
    ScalingImpl scaling =
        c.has("scaling_impl_type")
            ? ScalingImpl.valueOf(c.get("scaling_impl_type").getAsString())
            : ScalingImpl.CONST;
    float min = c.has("min_val") ? c.get("min_val").getAsFloat() : -1f;
    float max = c.has("max_val") ? c.get("max_val").getAsFloat() : 1f;
    boolean narrow = !c.has("narrow_range") || c.get("narrow_range").getAsBoolean();
    return ActQuantConfig.fromRange(
        c.get("bit_width").getAsInt(), scaling, min, max, narrow, restriction(c));
  }

  private static ScaleRestriction restriction(JsonObject c) {
    return c.has("restrict_scaling_type")
        ? ScaleRestriction.valueOf(c.get("restrict_scaling_type").getAsString())
        : ScaleRestriction.FLOAT;
  }

  private static void checkWeightCase(JsonObject c) {
    String name = c.get("name").getAsString();
    JsonObject in = c.getAsJsonObject("inputs");
    JsonObject out = c.getAsJsonObject("outputs");
    WeightQuantizer quantizer = new WeightQuantizer(weightConfig(c));
    Parameter w = new Parameter("weight", Reference.Zoo.tensor(in.get("weight").getAsString()));
    QuantTensor q = quantizer.quantize(w);
    checkQuantTensor(name, out, "", q);
    q.backward(Reference.Zoo.tensor(in.get("upstream_grad").getAsString()).value());
    // A statistics scale's gradient is a sum over the tensor, reduced in another order by torch
    // (float, vectorized) than here (double): the elements it reaches (the AbsMax ones) differ in
    // the last bits. Constant scales have no such sum and must match exactly.
    float[] grad = NdArrays.read(w.grad());
    if (quantizer.config().scaling() == ScalingImpl.STATS) {
      assertWithinUlps(name + " weight_grad", file(out, "weight_grad"), grad, 64);
    } else {
      assertExact(name + " weight_grad", file(out, "weight_grad"), grad);
    }
  }

  private static void checkActCase(JsonObject c) {
    String name = c.get("name").getAsString();
    JsonObject in = c.getAsJsonObject("inputs");
    JsonObject out = c.getAsJsonObject("outputs");
    QuantIdentity layer = new QuantIdentity("act", actConfig(c));
    List<Parameter> params = layer.parameters();
    String paramKey = "param." + SCALE_PARAM;
    if (out.has(paramKey)) {
      assertExact(name + " scale parameter", file(out, paramKey), params.get(0).toFloatArray());
    } else {
      assertEquals(List.of(), params, name + ": a constant scale has no parameter");
    }
    layer.setTraining(true);
    Parameter x = new Parameter("x", Reference.Zoo.tensor(in.get("input").getAsString()));
    QuantTensor y = layer.forwardQuant(x);
    checkQuantTensor(name + " train", out, "", y);
    y.backward(Reference.Zoo.tensor(in.get("upstream_grad").getAsString()).value());
    assertExact(name + " input_grad", file(out, "input_grad"), NdArrays.read(x.grad()));
    String gradKey = "param_grad." + SCALE_PARAM;
    if (out.has(gradKey)) {
      // A sum over the 64 elements: torch's float reduction order against our double sum.
      assertWithinUlps(
          name + " scale parameter grad", file(out, gradKey), params.get(0).gradData(), 8);
    }
    layer.setTraining(false);
    QuantTensor e = layer.forwardQuant(Reference.Zoo.tensor(in.get("eval_input").getAsString()));
    checkQuantTensor(name + " eval", out, "eval_", e);
  }

  private static void checkActivationLayer(JsonObject c) {
    String name = c.get("name").getAsString();
    JsonObject in = c.getAsJsonObject("inputs");
    JsonObject out = c.getAsJsonObject("outputs");
    QuantActivation layer =
        switch (name) {
          case "quant_hardtanh_b4" -> new QuantHardTanh("act", 4, -1f, 1f);
          case "quant_sigmoid_b4" -> new QuantSigmoid("act", 4);
          case "quant_tanh_b4" -> new QuantTanh("act", 4);
          default -> throw new IllegalArgumentException(name);
        };
    if (in.has("state_before")) {
      Map<String, Tensor> before = Reference.Zoo.safetensors(in.get("state_before").getAsString());
      assertExact(
          name + " state_before",
          before.get(SCALE_PARAM).toFloatArray(),
          layer.quantizer().value().toFloatArray());
    }
    // Sigmoid and tanh values come from torch's vectorized float functions (SLEEF, 1 ulp) and here
    // from
    // Math in double rounded to float: the percentile statistic, hence the scale and the values,
    // can
    // differ in the last bits; the integers must still match exactly.
    int ulps = name.equals("quant_hardtanh_b4") ? 0 : 4;
    layer.setTraining(true);
    int steps = c.get("train_steps").getAsInt();
    for (int s = 0; s < steps; s++) {
      String step = "step" + s;
      Parameter x =
          new Parameter("x", Reference.Zoo.tensor(in.get(step + ".input0").getAsString()));
      layer.quantizer().value().zeroGrad();
      QuantTensor y = layer.forwardQuant(x);
      checkQuantTensor(name + " " + step, out, step + ".out.", y, ulps);
      y.backward(Reference.Zoo.tensor(in.get(step + ".upstream").getAsString()).value());
      // Input gradients run through sigmoid/tanh, whose float values torch computes with its own
      // vectorized (SLEEF, 1-ulp) functions and Java with Math: a few ulps of max|grad| apart.
      assertWithinUlps(
          name + " " + step + " input grad",
          file(out, step + ".input0_grad"),
          NdArrays.read(x.grad()),
          4);
      float[] paramGrad = layer.quantizer().value().gradData();
      // The scale gradient is a sum over the batch (see actQuant).
      assertWithinUlps(
          name + " " + step + " scale parameter grad",
          file(out, step + ".grad." + SCALE_PARAM),
          paramGrad == null ? new float[] {0f} : paramGrad,
          8);
    }
    layer.setTraining(false);
    QuantTensor e = layer.forwardQuant(Reference.Zoo.tensor(in.get("eval.input0").getAsString()));
    checkQuantTensor(name + " eval", out, "eval.out.", e, ulps);
    Map<String, Tensor> after = Reference.Zoo.safetensors(out.get("state_after").getAsString());
    float saved =
        layer.quantizer().parameterInitialized()
            ? layer.quantizer().value().item()
            : layer.quantizer().buffer();
    assertWithinUlps(
        name + " state_after", after.get(SCALE_PARAM).toFloatArray(), new float[] {saved}, ulps);
  }

  /**
   * value, scale, zero point, bit width, integers and signedness under {@code prefix} of the
   * outputs.
   */
  private static void checkQuantTensor(String what, JsonObject out, String prefix, QuantTensor q) {
    checkQuantTensor(what, out, prefix, q, 0);
  }

  /**
   * As above; {@code ulps > 0} lets values and scales differ by that many ulps (reason at the
   * call).
   */
  private static void checkQuantTensor(
      String what, JsonObject out, String prefix, QuantTensor q, int ulps) {
    if (ulps == 0) {
      assertExact(what + " value", file(out, prefix + "value"), q.toFloatArray());
      assertExact(what + " scale", file(out, prefix + "scale"), q.scale().toFloatArray());
    } else {
      assertWithinUlps(what + " value", file(out, prefix + "value"), q.toFloatArray(), ulps);
      assertWithinUlps(
          what + " scale", file(out, prefix + "scale"), q.scale().toFloatArray(), ulps);
    }
    assertExact(
        what + " zero_point", file(out, prefix + "zero_point"), new float[] {q.zeroPoint()});
    assertExact(what + " bit_width", file(out, prefix + "bit_width"), new float[] {q.bitWidth()});
    assertExact(what + " int", file(out, prefix + "int"), q.intValues());
    assertEquals(out.get(prefix + "signed").getAsBoolean(), q.signed(), what + " signed");
  }

  private static float[] file(JsonObject out, String key) {
    if (!out.has(key)) {
      fail("reference output " + key + " missing");
    }
    return Reference.Zoo.floats(out.get(key).getAsString());
  }

  /**
   * Every element within {@code ulps} units in the last place of {@code max |ref|}: for results
   * that sum in a different order than torch or go through its transcendental functions (reason at
   * the call).
   */
  static void assertWithinUlps(String what, float[] ref, float[] actual, int ulps) {
    float maxRef = 0f;
    for (float r : ref) {
      maxRef = Math.max(maxRef, Math.abs(r));
    }
    double tol = ulps * (double) Math.ulp(maxRef);
    Matching.assertWithin(what, ref, actual, tol, ulps + " ulps of max|ref| = " + maxRef);
  }

  /**
   * Bit-for-bit equality, except that 0 and -0 are equal (torch and Java disagree on zero signs).
   */
  static void assertExact(String what, float[] ref, float[] actual) {
    assertEquals(ref.length, actual.length, what + ": element count");
    int mismatches = 0;
    int first = -1;
    for (int i = 0; i < ref.length; i++) {
      boolean same = ref[i] == actual[i] || (Float.isNaN(ref[i]) && Float.isNaN(actual[i]));
      if (!same) {
        mismatches++;
        if (first < 0) {
          first = i;
        }
      }
    }
    if (mismatches > 0) {
      fail(
          what
              + ": "
              + mismatches
              + " of "
              + ref.length
              + " elements differ; first at "
              + first
              + ": "
              + actual[first]
              + " vs reference "
              + ref[first]);
    }
  }
}
