package dev.qnn4j.runtime.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qnn4j.runtime.Autograd;
import dev.qnn4j.runtime.Parameter;
import dev.qnn4j.runtime.QuantTensor;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.nn.AdaptiveAvgPool2d;
import dev.qnn4j.runtime.nn.Conv2dOptions;
import dev.qnn4j.runtime.nn.Module;
import dev.qnn4j.runtime.nn.QuantActivation;
import dev.qnn4j.runtime.nn.QuantCat;
import dev.qnn4j.runtime.nn.QuantConv1d;
import dev.qnn4j.runtime.nn.QuantConv2d;
import dev.qnn4j.runtime.nn.QuantConvTranspose2d;
import dev.qnn4j.runtime.nn.QuantIdentity;
import dev.qnn4j.runtime.nn.QuantReLU;
import dev.qnn4j.runtime.nn.QuantUpsample;
import dev.qnn4j.runtime.nn.TruncAdaptiveAvgPool2d;
import dev.qnn4j.runtime.nn.TruncAvgPool2d;
import dev.qnn4j.runtime.quant.BiasQuantConfig;
import dev.qnn4j.runtime.quant.WeightQuantConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The brevitas-zoo {@code layer} cases whose input is a QuantTensor from a quantizer ({@code pre}):
 * per training step the output (value, scale, bit width, integers), the input gradient, the layer's
 * parameter gradients and the pre-quantizer's scale gradient; the states after; evaluation.
 */
class ZooQuantLayersReferenceTest {
  private static final String PRE_SCALE =
      "act_quant.fused_activation_quant_proxy.tensor_quant.scaling_impl.value";

  @Test
  void depthwiseConv2d() {
    QuantConv2d conv =
        QuantConv2d.builder("conv", Conv2dOptions.of(4, 4, 3).withPadding(1).withGroups(4))
            .withoutBias()
            .weightQuant(WeightQuantConfig.perChannelFloat(4))
            .returnQuantTensor()
            .build();
    run(
        "quant_conv2d_depthwise",
        new QuantIdentity("pre", 4, true),
        conv,
        in -> conv.forward(in.get(0)));
  }

  @Test
  void quantConv1d() {
    QuantConv1d conv =
        new QuantConv1d(
            "conv",
            4,
            6,
            3,
            2,
            1,
            1,
            1,
            true,
            WeightQuantConfig.perTensorFloat(4),
            BiasQuantConfig.int32(),
            null,
            null,
            true);
    run("quant_conv1d", new QuantIdentity("pre", 4, true), conv, in -> conv.forward(in.get(0)));
  }

  @Test
  void quantConvTranspose2dStride2Padding1OutputPadding1() {
    QuantConvTranspose2d conv =
        new QuantConvTranspose2d(
            "conv",
            4,
            3,
            3,
            2,
            1,
            1,
            1,
            1,
            true,
            WeightQuantConfig.perTensorFloat(4),
            BiasQuantConfig.int32(),
            null,
            null,
            true);
    run(
        "quant_conv_transpose2d",
        new QuantIdentity("pre", 4, true),
        conv,
        in -> conv.forward(in.get(0)));
  }

  @Test
  void quantConvTranspose2dKernel2Stride2() {
    QuantConvTranspose2d conv =
        new QuantConvTranspose2d(
            "conv",
            4,
            2,
            2,
            2,
            0,
            0,
            1,
            1,
            false,
            WeightQuantConfig.perTensorFloat(4),
            null,
            null,
            null,
            true);
    run(
        "quant_conv_transpose2d_k2s2",
        new QuantIdentity("pre", 4, true),
        conv,
        in -> conv.forward(in.get(0)));
  }

  @Test
  void truncAvgPoolKernel2Floor() {
    TruncAvgPool2d pool = new TruncAvgPool2d("pool", 2, 0, 8, TruncAvgPool2d.Rounding.FLOOR);
    run(
        "trunc_avg_pool_k2_floor",
        new QuantReLU("pre", 4, true),
        pool,
        in -> pool.forward(in.get(0)));
  }

  @Test
  void truncAvgPoolKernel4Floor() {
    TruncAvgPool2d pool = new TruncAvgPool2d("pool", 4);
    run(
        "trunc_avg_pool_k4_floor",
        new QuantReLU("pre", 4, true),
        pool,
        in -> pool.forward(in.get(0)));
  }

  @Test
  void truncAvgPoolKernel2Round() {
    TruncAvgPool2d pool = new TruncAvgPool2d("pool", 2, 0, 8, TruncAvgPool2d.Rounding.ROUND);
    run(
        "trunc_avg_pool_k2_round",
        new QuantReLU("pre", 4, true),
        pool,
        in -> pool.forward(in.get(0)));
  }

  @Test
  void truncAdaptiveAvgPoolGlobal() {
    TruncAdaptiveAvgPool2d pool = new TruncAdaptiveAvgPool2d("pool", 1);
    run(
        "trunc_adaptive_avg_pool_global",
        new QuantReLU("pre", 4, true),
        pool,
        in -> pool.forward(in.get(0)));
  }

  @Test
  void floatAdaptiveAvgPoolOnAQuantTensor() {
    AdaptiveAvgPool2d pool = new AdaptiveAvgPool2d("pool", 1);
    run(
        "adaptive_avg_pool_float_on_quant",
        new QuantReLU("pre", 4, true),
        pool,
        in -> pool.forward(in.get(0)));
  }

  @Test
  void upsampleNearestByTwo() {
    QuantUpsample up = QuantUpsample.byFactor("up", 2);
    run(
        "quant_upsample_nearest_x2",
        new QuantIdentity("pre", 4, true),
        up,
        in -> up.forwardQuant(in.get(0)));
  }

  @Test
  void upsampleNearestToSize() {
    QuantUpsample up = QuantUpsample.toSize("up", 5, 7);
    run(
        "quant_upsample_nearest_size",
        new QuantIdentity("pre", 4, true),
        up,
        in -> up.forwardQuant(in.get(0)));
  }

  @Test
  void catOfTwoQuantTensorsFromOneQuantizer() {
    QuantCat cat = new QuantCat("cat");
    run(
        "torch_cat_shared_quant",
        new QuantIdentity("pre", 4, true),
        cat,
        in -> cat.forward(in.toArray(new QuantTensor[0])));
  }

  @Test
  void catInEvaluationRefusesDifferentScales() {
    QuantCat cat = new QuantCat("cat");
    cat.setTraining(false);
    QuantTensor a =
        new QuantTensor(Tensor.of(new float[] {0.5f}, 1, 1), Tensor.scalar(0.5f), 0f, 4, true);
    QuantTensor b =
        new QuantTensor(Tensor.of(new float[] {0.25f}, 1, 1), Tensor.scalar(0.25f), 0f, 4, true);
    IllegalArgumentException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalArgumentException.class, () -> cat.forward(a, b));
    assertTrue(
        e.getMessage().startsWith("cat: Scaling factors are different (0.5 and 0.25 at input 1)"),
        e.getMessage());
    cat.setTraining(true);
    QuantTensor mixed = cat.forward(a, b);
    assertEquals(0.375f, mixed.scale().item(), 0f, "training: the mean of the scales, as Brevitas");
  }

  /** Runs case {@code name}: {@code pre} quantizes each input, {@code f} applies the layer. */
  static void run(
      String name, QuantActivation pre, Module layer, Function<List<QuantTensor>, Tensor> f) {
    ZooLayer c = new ZooLayer(name);
    if (layer != null && c.has("state_before")) {
      layer.loadStateDict(c.state("state_before", layer.name()), true);
    }
    for (int s = 0; s < c.trainSteps(); s++) {
      pre.setTraining(true);
      if (layer != null) {
        layer.setTraining(true);
      }
      List<Parameter> xs = new ArrayList<>();
      List<QuantTensor> qs = new ArrayList<>();
      for (int i = 0; c.has("step" + s + ".input" + i); i++) {
        Parameter x = new Parameter("x" + i, c.tensor("step" + s + ".input" + i));
        xs.add(x);
        qs.add(pre.forwardQuant(x));
      }
      List<Parameter> params = new ArrayList<>(pre.parameters());
      if (layer != null) {
        params.addAll(layer.parameters());
      }
      params.forEach(Parameter::zeroGrad);
      Tensor out = f.apply(qs);
      Autograd.backward(out, c.floats("step" + s + ".upstream"));
      String at = name + " step " + s;
      checkOutput(c, at, "step" + s + ".out", out);
      for (int i = 0; i < xs.size(); i++) {
        check(
            at + " input" + i + " gradient",
            c.floats("step" + s + ".input" + i + "_grad"),
            xs.get(i).gradData());
      }
      if (layer != null) {
        for (Parameter p : layer.parameters()) {
          String key = p.name().substring(layer.name().length() + 1);
          if (c.has("step" + s + ".grad." + key)) {
            check(at + " gradient of " + key, c.floats("step" + s + ".grad." + key), p.gradData());
          }
        }
      }
      if (c.has("step" + s + ".pre_grad." + PRE_SCALE)) {
        // While the scale is collecting statistics it is not in the graph: Brevitas reports a zero
        // gradient, qnn4j none.
        float[] grad =
            pre.parameters().stream()
                .filter(p -> p.name().endsWith(PRE_SCALE))
                .findFirst()
                .map(Parameter::gradData)
                .orElse(null);
        float[] ref = c.floats("step" + s + ".pre_grad." + PRE_SCALE);
        check(
            at + " pre-quantizer scale gradient", ref, grad == null ? new float[ref.length] : grad);
      }
    }
    // pre_state_after is not compared: within its statistics steps Brevitas saves the running
    // statistic under the scale's key, qnn4j the scale's initial value; the pre-quantizer's outputs
    // and gradients above, and the evaluation below, show it computes the same scale.
    if (layer != null && c.has("state_after")) {
      Map<String, Tensor> ours = layer.stateDict();
      c.state("state_after", layer.name())
          .forEach((k, v) -> check(name + " state " + k, v.data(), ours.get(k).data()));
    }
    pre.setTraining(false);
    if (layer != null) {
      layer.setTraining(false);
    }
    List<QuantTensor> qs = new ArrayList<>();
    for (int i = 0; c.has("eval.input" + i); i++) {
      qs.add(pre.forwardQuant(c.tensor("eval.input" + i)));
    }
    checkOutput(c, name + " eval", "eval.out", f.apply(qs));
  }

  private static void checkOutput(ZooLayer c, String at, String key, Tensor out) {
    if (c.has(key)) {
      check(at + " output", c.floats(key), out.data());
      return;
    }
    check(at + " output", c.floats(key + ".value"), out.data());
    if (c.has(key + ".scale")) {
      assertTrue(out instanceof QuantTensor, at + ": Brevitas returns a QuantTensor here");
      QuantTensor q = (QuantTensor) out;
      Matching.assertScales(
          at + " output scale", c.floats(key + ".scale"), q.scale().toFloatArray());
      assertEquals(c.floats(key + ".bit_width")[0], (float) q.bitWidth(), at + " output bit width");
      assertEquals(c.floats(key + ".zero_point")[0], q.zeroPoint(), at + " output zero point");
      if (c.has(key + ".int")) {
        assertArrayEquals(
            positiveZero(c.floats(key + ".int")),
            positiveZero(q.intValues()),
            at + " output integers");
      }
    }
  }

  /** Integers compare as numbers: {@code -0} and {@code 0} are one integer. */
  private static float[] positiveZero(float[] v) {
    float[] out = v.clone();
    for (int i = 0; i < out.length; i++) {
      out[i] += 0f;
    }
    return out;
  }

  /** Exact equality is the rule; a miss is reported with the README's rule's figures. */
  private static void check(String what, float[] ref, float[] actual) {
    Matching.assertMatches(what, ref, actual);
    int exact = Matching.exactCount(ref, actual);
    System.out.println(what + ": " + exact + " of " + ref.length + " bit-exact");
  }
}
