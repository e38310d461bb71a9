package dev.qnn4j.runtime.reference;

import static com.google.common.truth.Truth.assertThat;
import static dev.qnn4j.runtime.reference.Matching.assertMatches;
import static dev.qnn4j.runtime.reference.Matching.assertScale;
import static dev.qnn4j.runtime.reference.Matching.assertScales;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.qnn4j.runtime.Parameter;
import dev.qnn4j.runtime.QuantTensor;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.kernels.NdArrays;
import dev.qnn4j.runtime.nn.QuantActivation;
import dev.qnn4j.runtime.nn.QuantIdentity;
import dev.qnn4j.runtime.nn.QuantLinear;
import dev.qnn4j.runtime.nn.QuantReLU;
import dev.qnn4j.runtime.quant.BiasQuantConfig;
import dev.qnn4j.runtime.quant.WeightQuantConfig;
import dev.qnn4j.runtime.quant.WeightQuantizer;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * One test per {@code weight_quant}, {@code act_quant} and {@code bias_quant} case of the Brevitas
 * reference: forward values, scales, integer values and gradients.
 */
class QuantizerReferenceTest {

  @TestFactory
  Stream<DynamicTest> weightQuant() {
    return Reference.cases("weight_quant").stream()
        .map(c -> DynamicTest.dynamicTest(c.get("name").getAsString(), () -> checkWeightCase(c)));
  }

  @TestFactory
  Stream<DynamicTest> actQuant() {
    return Reference.cases("act_quant").stream()
        .map(c -> DynamicTest.dynamicTest(c.get("name").getAsString(), () -> checkActCase(c)));
  }

  @TestFactory
  Stream<DynamicTest> biasQuant() {
    return Reference.cases("bias_quant").stream()
        .map(c -> DynamicTest.dynamicTest(c.get("name").getAsString(), () -> checkBiasCase(c)));
  }

  private static void checkWeightCase(JsonObject c) {
    String name = c.get("name").getAsString();
    JsonObject in = c.getAsJsonObject("inputs");
    JsonObject out = c.getAsJsonObject("outputs");
    int bits = c.get("bit_width").getAsInt();
    boolean perChannel = c.get("per_channel").getAsBoolean();
    WeightQuantizer quantizer =
        new WeightQuantizer(
            perChannel
                ? WeightQuantConfig.perChannelFloat(bits)
                : WeightQuantConfig.perTensorFloat(bits));
    Tensor w0 = Reference.tensor(in.get("weight").getAsString());
    Parameter w = new Parameter("weight", w0);

    QuantTensor q = quantizer.quantize(w);
    assertMatches(
        name + " quant_weight",
        Reference.floats(out.get("quant_weight").getAsString()),
        q.toFloatArray());
    assertScales(
        name + " scale",
        Reference.floats(out.get("scale").getAsString()),
        q.scale().toFloatArray());
    assertMatches(
        name + " int_weight", Reference.floats(out.get("int_weight").getAsString()), q.intValues());

    Tensor upstream = Reference.tensor(in.get("upstream_grad").getAsString());
    q.backward(upstream.value());
    assertMatches(
        name + " weight_grad",
        Reference.floats(out.get("weight_grad").getAsString()),
        NdArrays.read(w.grad()));
  }

  private static void checkActCase(JsonObject c) {
    String name = c.get("name").getAsString();
    JsonObject in = c.getAsJsonObject("inputs");
    JsonObject out = c.getAsJsonObject("outputs");
    int bits = c.get("bit_width").getAsInt();
    QuantActivation layer =
        c.get("activation").getAsString().equals("relu")
            ? new QuantReLU("act", bits, false)
            : new QuantIdentity("act", bits, false);
    assertThat(layer.quantizer().config().signed()).isEqualTo(c.get("signed").getAsBoolean());
    assertThat(layer.quantizer().config().collectStatsSteps())
        .isEqualTo(c.get("collect_stats_steps").getAsInt());
    List<Tensor> steps = Reference.unstack(in.get("train_inputs").getAsString());
    float[] scalePerStep = Reference.floats(out.get("scale_per_step").getAsString());
    JsonObject recorded = out.getAsJsonObject("recorded_steps");
    Parameter scaleParam = layer.quantizer().value();
    layer.setTraining(true);
    for (int s = 0; s < steps.size(); s++) {
      JsonElement rec = recorded.get(Integer.toString(s));
      Tensor x = rec == null ? steps.get(s) : new Parameter("x", steps.get(s));
      QuantTensor y = layer.forwardQuant(x);
      assertScale(name + " scale at step " + s, scalePerStep[s], y.scale().item());
      if (rec == null) {
        continue;
      }
      JsonObject r = rec.getAsJsonObject();
      assertMatches(
          name + " output at step " + s,
          Reference.floats(r.get("output").getAsString()),
          y.toFloatArray());
      scaleParam.zeroGrad();
      y.backward(Reference.tensor(r.get("upstream_grad").getAsString()).value());
      assertMatches(
          name + " input grad at step " + s,
          Reference.floats(r.get("input_grad").getAsString()),
          NdArrays.read(x.grad()));
      float paramGrad = scaleParam.grad() == null ? 0f : scaleParam.grad().getFloat(0);
      float refGrad = r.get("scale_param_grad").getAsFloat();
      assertMatches(
          name + " scale parameter grad at step " + s,
          new float[] {refGrad},
          new float[] {paramGrad});
    }
    layer.setTraining(false);
    Tensor evalOut = layer.forward(Reference.tensor(in.get("eval_input").getAsString()));
    assertMatches(
        name + " eval output",
        Reference.floats(out.get("eval_output").getAsString()),
        evalOut.toFloatArray());
  }

  private static void checkBiasCase(JsonObject c) {
    String name = c.get("name").getAsString();
    JsonObject in = c.getAsJsonObject("inputs");
    JsonObject out = c.getAsJsonObject("outputs");
    QuantIdentity inputQuant = new QuantIdentity("quant_inp", 4, true);
    QuantLinear fc =
        new QuantLinear(
            "fc",
            16,
            5,
            true,
            WeightQuantConfig.perTensorFloat(4),
            new BiasQuantConfig(c.get("bias_bit_width").getAsInt()),
            null,
            null,
            true);
    fc.loadStateDict(
        Map.of(
            "fc.weight", Reference.tensor(in.get("weight").getAsString()),
            "fc.bias", Reference.tensor(in.get("bias").getAsString())),
        true);
    Tensor calib = Reference.tensor(in.get("calib_input").getAsString());
    inputQuant.setTraining(true);
    for (int i = 0; i < 3; i++) {
      inputQuant.forward(calib);
    }
    inputQuant.setTraining(false);
    fc.setTraining(false);
    QuantTensor x = inputQuant.forwardQuant(Reference.tensor(in.get("input").getAsString()));
    assertScale(name + " input scale", out.get("input_scale").getAsDouble(), x.scale().item());
    QuantTensor w = fc.weightQuantizer().quantize(fc.weight());
    assertScale(name + " weight scale", out.get("weight_scale").getAsDouble(), w.scale().item());
    Tensor biasScale = dev.qnn4j.runtime.quant.BiasQuantizer.scale(x, w);
    assertScales(
        name + " bias scale",
        Reference.floats(out.get("bias_scale").getAsString()),
        biasScale.toFloatArray());
    QuantTensor qb = fc.biasQuantizer().quantize(fc.bias(), biasScale);
    assertMatches(
        name + " quant bias",
        Reference.floats(out.get("quant_bias").getAsString()),
        qb.toFloatArray());
    QuantTensor y = fc.forwardQuant(x);
    assertMatches(
        name + " output", Reference.floats(out.get("output").getAsString()), y.toFloatArray());
    assertScales(
        name + " output scale",
        Reference.floats(out.get("output_scale").getAsString()),
        y.scale().toFloatArray());
  }
}
