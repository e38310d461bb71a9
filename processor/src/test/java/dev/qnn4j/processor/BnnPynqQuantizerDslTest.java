package dev.qnn4j.processor;

import static com.google.common.truth.Truth.assertThat;
import static com.google.testing.compile.CompilationSubject.assertThat;

import com.google.testing.compile.Compilation;
import dev.qnn4j.runtime.QuantTensor;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.nn.Module;
import dev.qnn4j.runtime.nn.QuantConv2d;
import dev.qnn4j.runtime.nn.QuantLinear;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The bnn_pynq quantizers in the DSL: constant, binary, power-of-two and learned scales, narrow
 * range, QuantHardTanh/QuantSigmoid/QuantTanh generate models with Brevitas' numbers and names;
 * each meaningless or impossible combination is one error on its attribute's line.
 */
class BnnPynqQuantizerDslTest {
  private static final TestSource BNN =
      TestSource.model(
          "BnnNet",
          """
      @QuantModel(inputShape = {3, 8, 8})
      public abstract class BnnNet {
        @QuantIdentity(bitWidth = 8, scalingImpl = ScalingImpl.CONST, minVal = -1f, maxVal = 0.9921875f,
            scaling = Scaling.POWER_OF_TWO, returnQuantTensor = true)
        abstract QuantTensor quantInp(Tensor x);

        @QuantConv2d(inChannels = 3, outChannels = 4, kernelSize = 3, bias = false, bitWidth = 2,
            scalingImpl = ScalingImpl.CONST, scalingConst = 1f, perChannel = true)
        abstract Tensor conv(QuantTensor x);

        @QuantIdentity(bitWidth = 2, scalingImpl = ScalingImpl.CONST, minVal = -1f, maxVal = 1f, narrowRange = true)
        abstract Tensor act(Tensor x);

        @QuantLinear(inFeatures = 144, outFeatures = 16, bias = false, bitWidth = 1,
            scalingImpl = ScalingImpl.CONST, scalingConst = 1f)
        abstract Tensor fc1(Tensor x);

        @QuantIdentity(bitWidth = 1, scalingImpl = ScalingImpl.CONST, minVal = -1f, maxVal = 1f)
        abstract Tensor binaryAct(Tensor x);

        @QuantLinear(inFeatures = 16, outFeatures = 12, bias = false, bitWidth = 4, narrowRange = false,
            scalingImpl = ScalingImpl.CONST, scalingConst = 0.3f, scaling = Scaling.POWER_OF_TWO)
        abstract Tensor fc2(Tensor x);

        @QuantHardTanh(bitWidth = 4)
        abstract Tensor hardTanh(Tensor x);

        @QuantLinear(inFeatures = 12, outFeatures = 12, bias = false, bitWidth = 4)
        abstract Tensor fc3(Tensor x);

        @QuantTanh(bitWidth = 4)
        abstract Tensor tanh(Tensor x);

        @QuantLinear(inFeatures = 12, outFeatures = 10, bias = false, bitWidth = 4)
        abstract Tensor fc4(Tensor x);

        @QuantSigmoid(bitWidth = 4)
        abstract Tensor sigmoid(Tensor x);

        public Tensor forward(Tensor x) {
          Tensor h = act(conv(quantInp(x)));
          h = binaryAct(fc1(F.flatten(h)));
          h = tanh(fc3(hardTanh(fc2(h))));
          return sigmoid(fc4(h));
        }
      }
      """);

  @Test
  void bnnPynqQuantizersGenerateAModelWithBrevitasNumbersAndNames() throws Exception {
    Compilation c = BNN.compile();
    assertThat(c).succeededWithoutWarnings();
    Model model = new CompiledClasses(c).create("test.QuantModel_BnnNet", Model.class);
    model.eval();
    Tensor out = model.forward(GeneratedModelTest.randomInput(2, 3, 8, 8));
    assertThat(out.shape()).asList().containsExactly(2L, 10L).inOrder();

    assertThat(model.toString())
        .isEqualTo(
            String.join(
                "\n",
                "BnnNet(",
                "  (quant_inp): QuantIdentity(act_quant=CommonActQuant(bit_width=8, min_val=-1.0, max_val=0.9921875,"
                    + " narrow_range=False, restrict_scaling_type=POWER_OF_TWO), return_quant_tensor=True)",
                "  (conv): QuantConv2d(3, 4, kernel_size=(3, 3), stride=(1, 1), bias=False, "
                    + "weight_quant=CommonWeightQuant(bit_width=2, narrow_range=True, scaling_const=1.0))",
                "  (act): QuantIdentity(act_quant=CommonActQuant(bit_width=2, min_val=-1.0, max_val=1.0, narrow_range=True))",
                "  (fc1): QuantLinear(in_features=144, out_features=16, bias=False, weight_quant=SignedBinaryWeightPerTensorConst)",
                "  (binary_act): QuantIdentity(act_quant=SignedBinaryActPerTensorConst)",
                "  (fc2): QuantLinear(in_features=16, out_features=12, bias=False, weight_quant=CommonWeightQuant(bit_width=4,"
                    + " narrow_range=False, scaling_const=0.3, restrict_scaling_type=POWER_OF_TWO))",
                "  (hard_tanh): QuantHardTanh(act_quant=Int4ActPerTensorFloatMinMaxInit(min_val=-1.0, max_val=1.0))",
                "  (fc3): QuantLinear(in_features=12, out_features=12, bias=False, weight_quant=Int4WeightPerTensorFloat)",
                "  (tanh): QuantTanh(act_quant=Int4ActPerTensorFloat)",
                "  (fc4): QuantLinear(in_features=12, out_features=10, bias=False, weight_quant=Int4WeightPerTensorFloat)",
                "  (sigmoid): QuantSigmoid(act_quant=Uint4ActPerTensorFloat)",
                ")"));
    // Constant scales are no state (as in Brevitas); learned and statistics scales are.
    assertThat(model.stateDict().keySet())
        .containsExactly(
            "conv.weight",
            "fc1.weight",
            "fc2.weight",
            "hard_tanh.act_quant.fused_activation_quant_proxy.tensor_quant.scaling_impl.value",
            "fc3.weight",
            "tanh.act_quant.fused_activation_quant_proxy.tensor_quant.scaling_impl.value",
            "fc4.weight",
            "sigmoid.act_quant.fused_activation_quant_proxy.tensor_quant.scaling_impl.value");

    QuantLinear fc1 = (QuantLinear) layer(model, "fc1");
    QuantTensor binary = fc1.weightQuantizer().quantize(fc1.weight());
    for (float v : binary.intValues()) {
      assertThat(Math.abs(v)).isEqualTo(1f);
    }
    assertThat(binary.scale().item()).isEqualTo(1f);
    QuantConv2d conv = (QuantConv2d) layer(model, "conv");
    // bnn_pynq initialises its weights uniformly in [-1, 1] (the constant scale's range).
    Random r = new Random(9);
    float[] w = new float[(int) conv.weight().numel()];
    for (int i = 0; i < w.length; i++) {
      w[i] = 2 * r.nextFloat() - 1;
    }
    conv.weight().set(w);
    QuantTensor ternary = conv.weightQuantizer().quantize(conv.weight());
    assertThat(ternary.scale().numel()).isEqualTo(1L);
    assertThat(ternary.intValues()).usingExactEquality().containsAtLeast(-1f, 0f, 1f);
    for (float v : ternary.intValues()) {
      assertThat(Math.abs(v)).isAtMost(1f);
    }
    QuantLinear fc2 = (QuantLinear) layer(model, "fc2");
    assertThat(fc2.weightQuantizer().quantize(fc2.weight()).scale().item()).isEqualTo(0.03125f);
  }

  private static Module layer(Model model, String name) {
    return model.layers().stream().filter(m -> m.name().equals(name)).findFirst().orElseThrow();
  }

  // ---------------------------------------------------------------------------------------------

  private static void assertError(String annotation, String message, String onLineWith) {
    TestSource s =
        TestSource.model(
            "Net",
            """
        @QuantModel
        public abstract class Net {
          %s
          abstract Tensor layer(Tensor x);

          public Tensor forward(Tensor x) {
            return layer(x);
          }
        }
        """
                .formatted(annotation));
    Compilation c = s.compile();
    assertThat(c).failed();
    assertThat(c).hadErrorContaining(message).inFile(s.file()).onLine(s.lineOf(onLineWith));
  }

  @Test
  void constWeightScaleNeedsAPositiveScalingConst() {
    assertError(
        "@QuantLinear(inFeatures = 4, outFeatures = 2, bitWidth = 2,\n"
            + "    scalingImpl = ScalingImpl.CONST)",
        "layer: scalingImpl = CONST needs a positive, finite scalingConst (Brevitas' scaling_const), got 0.0",
        "scalingImpl = ScalingImpl.CONST)");
    assertError(
        "@QuantLinear(inFeatures = 4, outFeatures = 2, scalingImpl = ScalingImpl.CONST,\n"
            + "    scalingConst = -0.5f)",
        "got -0.5",
        "scalingConst = -0.5f)");
  }

  @Test
  void scalingConstWithoutConstScalingIsAnError() {
    assertError(
        "@QuantConv2d(inChannels = 1, outChannels = 1, kernelSize = 1,\n    scalingConst = 1f)",
        "layer: scalingConst is only read with scalingImpl = CONST, not STATS",
        "scalingConst = 1f)");
  }

  @Test
  void learnedWeightScalesAreRefused() {
    assertError(
        "@QuantLinear(inFeatures = 4, outFeatures = 2,\n    scalingImpl = ScalingImpl.PARAMETER)",
        "layer: weight scales are STATS (AbsMax) or CONST",
        "scalingImpl = ScalingImpl.PARAMETER)");
  }

  @Test
  void binaryWeightsWithNarrowRangeAreMeaningless() {
    assertError(
        "@QuantLinear(inFeatures = 4, outFeatures = 2, bitWidth = 1, scalingImpl = ScalingImpl.CONST,\n"
            + "    scalingConst = 1f, narrowRange = false)",
        "layer: narrowRange means nothing for a binary (1-bit CONST) quantizer",
        "narrowRange = false)");
  }

  @Test
  void activationRangeMustBeOrdered() {
    assertError(
        "@QuantIdentity(bitWidth = 2, scalingImpl = ScalingImpl.CONST,\n    minVal = 1f, maxVal = -1f)",
        "layer: a CONST or PARAMETER scale needs finite minVal < maxVal (Brevitas' min_val, max_val), got 1.0, -1.0",
        "minVal = 1f, maxVal = -1f)");
    assertError(
        "@QuantHardTanh(bitWidth = 4,\n    minVal = 2f, maxVal = 2f)",
        "got 2.0, 2.0",
        "minVal = 2f, maxVal = 2f)");
  }

  @Test
  void constActivationScaleNeedsARange() {
    assertError(
        "@QuantIdentity(bitWidth = 2,\n    scalingImpl = ScalingImpl.CONST)",
        "got NaN, NaN",
        "scalingImpl = ScalingImpl.CONST)");
  }

  @Test
  void rangeWithStatisticsScaleIsAnError() {
    assertError(
        "@QuantIdentity(bitWidth = 4,\n    maxVal = 2f)",
        "layer: minVal/maxVal are only read with scalingImpl = CONST or PARAMETER",
        "maxVal = 2f)");
  }

  @Test
  void unsignedReLUCannotHaveANegativeMinimum() {
    assertError(
        "@QuantReLU(bitWidth = 4, scalingImpl = ScalingImpl.CONST,\n    minVal = -1f, maxVal = 6f)",
        "layer: @QuantReLU is unsigned, so minVal must be >= 0, got -1.0",
        "minVal = -1f, maxVal = 6f)");
  }

  @Test
  void binaryActivationsAreSignedConstantAndWithoutNarrowRange() {
    assertError(
        "@QuantReLU(maxVal = 1f, scalingImpl = ScalingImpl.CONST,\n    bitWidth = 1)",
        "layer: a binary (1-bit CONST) quantizer gives -scale and +scale, which @QuantReLU (unsigned) cannot",
        "bitWidth = 1)");
    assertError(
        "@QuantHardTanh(\n    bitWidth = 1)",
        "layer: a binary (1-bit) quantizer has a constant scale",
        "bitWidth = 1)");
    assertError(
        "@QuantIdentity(bitWidth = 1, scalingImpl = ScalingImpl.CONST, minVal = -1f, maxVal = 1f,\n"
            + "    narrowRange = true)",
        "narrowRange means nothing for a binary",
        "narrowRange = true)");
  }
}
