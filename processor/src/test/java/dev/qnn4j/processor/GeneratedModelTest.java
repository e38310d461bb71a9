package dev.qnn4j.processor;

import static com.google.common.truth.Truth.assertThat;
import static com.google.testing.compile.CompilationSubject.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.testing.compile.Compilation;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.nn.LayerShapeException;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.nn.ModelFactory;
import dev.qnn4j.runtime.nn.Module;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Generated models run: every layer kind and option of the DSL in one residual network whose
 * forward uses a loop, and the run-time shape check of a forward the processor cannot follow.
 */
class GeneratedModelTest {
  private static final TestSource RESIDUAL =
      TestSource.model(
          "ResidualNet",
          """
      @QuantModel(inputShape = {3, 8, 8})
      public abstract class ResidualNet {
        @QuantIdentity(bitWidth = 8, returnQuantTensor = true)
        abstract QuantTensor quantInp(Tensor x);

        @QuantConv2d(inChannels = 3, outChannels = 4, kernelSize = 3, padding = 1, bitWidth = 4, perChannel = true)
        @Int16Bias
        @OutputQuant(bitWidth = 8)
        abstract Tensor stem(QuantTensor x);

        @BatchNorm2d(numFeatures = 4)
        abstract Tensor bn(Tensor x);

        @QuantReLU(bitWidth = 4, returnQuantTensor = true, scaling = Scaling.POWER_OF_TWO)
        abstract QuantTensor relu(Tensor x);

        @QuantConv2d(inChannels = 4, outChannels = 4, kernelSize = 3, padding = 1, groups = 2, bitWidth = 4,
            returnQuantTensor = true)
        abstract QuantTensor block(QuantTensor x);

        @QuantEltwiseAdd(returnQuantTensor = true)
        @OutputQuant(bitWidth = 8)
        abstract QuantTensor add(Tensor a, Tensor b);

        @QuantMaxPool2d(kernelSize = 2)
        abstract QuantTensor pool(QuantTensor x);

        @QuantLinear(inFeatures = 64, outFeatures = 10, scaling = Scaling.POWER_OF_TWO)
        @InputQuant(bitWidth = 8)
        @Int8Bias
        abstract Tensor fc(Tensor x);

        @ReLU
        abstract Tensor fcRelu(Tensor x);

        @Conv2d(inChannels = 1, outChannels = 1, kernelSize = 1)
        abstract Tensor unusedConv(Tensor x);

        @Linear(inFeatures = 10, outFeatures = 2)
        abstract Tensor head(Tensor x);

        public Tensor forward(Tensor x) {
          QuantTensor out = relu(bn(stem(quantInp(x))));
          for (int i = 0; i < 2; i++) {
            out = add(out, block(out));
          }
          return head(fcRelu(fc(F.flatten(pool(out)))));
        }
      }
      """);

  @Test
  void everyLayerKindRunsInAResidualNetwork() throws Exception {
    Compilation c = RESIDUAL.compile();
    assertThat(c).succeededWithoutWarnings();
    CompiledClasses classes = new CompiledClasses(c);
    Model model = classes.create("test.QuantModel_ResidualNet", Model.class);

    Tensor logits = model.forward(randomInput(2, 3, 8, 8));

    assertThat(logits.shape()).asList().containsExactly(2L, 2L).inOrder();
    assertThat(model.modelName()).isEqualTo("ResidualNet");
    assertThat(model.inputShape()).asList().containsExactly(3L, 8L, 8L).inOrder();
    assertThat(model.layers().stream().map(Module::name).toList())
        .containsExactly(
            "quant_inp",
            "stem",
            "bn",
            "relu",
            "block",
            "add",
            "pool",
            "fc",
            "fc_relu",
            "unused_conv",
            "head")
        .inOrder();
    assertThat(model.stateDict().keySet())
        .containsAtLeast(
            "stem.weight",
            "stem.bias",
            "bn.running_mean",
            "fc.input_quant.fused_activation_quant_proxy.tensor_quant.scaling_impl.value",
            "head.weight");
    assertThat(model.toString())
        .isEqualTo(
            String.join(
                "\n",
                "ResidualNet(",
                "  (quant_inp): QuantIdentity(act_quant=Int8ActPerTensorFloat, return_quant_tensor=True)",
                "  (stem): QuantConv2d(3, 4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), "
                    + "weight_quant=Int4WeightPerChannelFloat, bias_quant=Int16Bias, output_quant=Int8ActPerTensorFloat)",
                "  (bn): BatchNorm2d(4, eps=1.0E-5, momentum=0.1)",
                "  (relu): QuantReLU(act_quant=Uint4ActPerTensorFixedPoint, return_quant_tensor=True)",
                "  (block): QuantConv2d(4, 4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), groups=2, "
                    + "weight_quant=Int4WeightPerTensorFloat, return_quant_tensor=True)",
                "  (add): QuantEltwiseAdd(output_quant=Int8ActPerTensorFloat)",
                "  (pool): QuantMaxPool2d(kernel_size=2, stride=2, padding=0)",
                "  (fc): QuantLinear(in_features=64, out_features=10, bias=True, input_quant=Int8ActPerTensorFloat, "
                    + "weight_quant=Int8WeightPerTensorFixedPoint, bias_quant=Int8Bias)",
                "  (fc_relu): ReLU()",
                "  (unused_conv): Conv2d(1, 1, kernel_size=(1, 1), stride=(1, 1))",
                "  (head): Linear(in_features=10, out_features=2, bias=True)",
                ")"));

    ModelFactory factory =
        classes.create("test.QuantModel_ResidualNet$Factory", ModelFactory.class);
    assertThat(factory.modelName()).isEqualTo("ResidualNet");
    assertThat(factory.declaringClassName()).isEqualTo("test.ResidualNet");
    assertThat(factory.create()).isNotSameInstanceAs(model);
  }

  @Test
  void shapeMismatchInALoopingForwardFailsAtTheFirstForward() throws Exception {
    TestSource s =
        TestSource.model(
            "Looping",
            """
        @QuantModel(inputShape = {3, 32, 32})
        public abstract class Looping {
          @QuantConv2d(inChannels = 3, outChannels = 16, kernelSize = 5)
          abstract Tensor conv1(Tensor x);

          @QuantLinear(inFeatures = 256, outFeatures = 10)
          abstract Tensor fc1(Tensor x);

          public Tensor forward(Tensor x) {
            Tensor out = conv1(x);
            for (int i = 0; i < 2; i++) {
              out = F.maxPool2d(out, 2);
            }
            return fc1(F.flatten(out));
          }
        }
        """);
    Compilation c = s.compile();
    assertThat(c).succeededWithoutWarnings();
    Model model = new CompiledClasses(c).create("test.QuantModel_Looping", Model.class);

    LayerShapeException e =
        assertThrows(LayerShapeException.class, () -> model.forward(randomInput(1, 3, 32, 32)));
    assertThat(e)
        .hasMessageThat()
        .isEqualTo("fc1: expected input [N, 256] (in_features = 256), got [1, 784]");
  }

  /** Standard normal values, seed 42: the input of every generated-model test. */
  static Tensor randomInput(long... shape) {
    Random rng = new Random(42);
    int n = 1;
    for (long d : shape) {
      n *= (int) d;
    }
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) rng.nextGaussian();
    }
    return Tensor.of(v, shape);
  }
}
