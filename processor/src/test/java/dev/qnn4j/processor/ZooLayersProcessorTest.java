package dev.qnn4j.processor;

import static com.google.common.truth.Truth.assertThat;
import static com.google.testing.compile.CompilationSubject.assertThat;

import com.google.testing.compile.Compilation;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.nn.Module;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The layers of issue 17 (bnn_pynq zoo, mobile and image-to-image nets): generation, running,
 * checks.
 */
class ZooLayersProcessorTest {

  private static void assertError(TestSource source, String message, String onLineWith) {
    Compilation c = source.compile();
    assertThat(c).failed();
    assertThat(c)
        .hadErrorContaining(message)
        .inFile(source.file())
        .onLine(source.lineOf(onLineWith));
  }

  static final TestSource TFC_LIKE =
      TestSource.model(
          "TfcLike",
          """
      @QuantModel(inputShape = {1, 4, 4})
      public abstract class TfcLike {
        @QuantIdentity(bitWidth = 2, returnQuantTensor = true)
        abstract QuantTensor quantInp(Tensor x);

        @QuantLinear(inFeatures = 16, outFeatures = 8, bias = false, bitWidth = 2)
        abstract Tensor fc0(QuantTensor x);

        @BatchNorm1d(numFeatures = 8)
        abstract Tensor bn0(Tensor x);

        @Dropout(p = 0.2)
        abstract Tensor drop0(Tensor x);

        @QuantIdentity(bitWidth = 2, returnQuantTensor = true)
        abstract QuantTensor act0(Tensor x);

        @QuantLinear(inFeatures = 8, outFeatures = 3, bias = false, bitWidth = 2)
        abstract Tensor fc1(QuantTensor x);

        @TensorNorm
        abstract Tensor norm(Tensor x);

        public Tensor forward(Tensor x) {
          QuantTensor q = quantInp(F.flatten(x));
          return norm(fc1(act0(drop0(bn0(fc0(q))))));
        }
      }
      """);

  @Test
  void batchNorm1dDropoutAndTensorNormGenerateAndRun() throws Exception {
    Compilation c = TFC_LIKE.compile();
    assertThat(c).succeededWithoutWarnings();
    Model model = new CompiledClasses(c).create("test.QuantModel_TfcLike", Model.class);
    assertThat(model.layers().stream().map(Module::describe).toList())
        .containsAtLeast(
            "BatchNorm1d(8, eps=1.0E-5, momentum=0.1)",
            "Dropout(p=0.2)",
            "TensorNorm(eps=1.0E-4, momentum=0.1)");
    assertThat(model.stateDict().keySet())
        .containsAtLeast(
            "bn0.running_var",
            "bn0.num_batches_tracked",
            "norm.weight",
            "norm.bias",
            "norm.running_mean",
            "norm.running_var");
    assertThat(model.stateDict().keySet()).doesNotContain("norm.num_batches_tracked");

    Tensor input = randomInput(5, 1, 4, 4);
    Tensor train = model.forward(input);
    assertThat(train.shape()).asList().containsExactly(5L, 3L).inOrder();
    // TensorNorm in training normalises all 15 logits together: mean 0, biased variance ~1.
    double mean = 0;
    for (float v : train.data()) {
      mean += v;
    }
    assertThat(Math.abs(mean / 15)).isLessThan(1e-5);
    assertThat(model.stateDict().get("norm.running_mean").data()[0]).isNotEqualTo(0f);

    model.eval();
    float[] eval1 = model.forward(input).data();
    float[] eval2 = model.forward(input).data();
    assertThat(eval1).isEqualTo(eval2);
  }

  @Test
  void batchNorm1dFeaturesMustMatchTheInput() {
    TestSource s =
        TestSource.model(
            "Net",
            """
        @QuantModel(inputShape = {16})
        public abstract class Net {
          @Linear(inFeatures = 16, outFeatures = 8)
          abstract Tensor fc0(Tensor x);

          @BatchNorm1d(numFeatures = 10)
          abstract Tensor bn0(Tensor x);

          public Tensor forward(Tensor x) {
            return bn0(fc0(x));
          }
        }
        """);
    assertError(
        s, "bn0: expected input [N, 10] (num_features = 10), got [N, 8]", "numFeatures = 10");
  }

  @Test
  void batchNorm1dRefusesImages() {
    TestSource s =
        TestSource.model(
            "Net",
            """
        @QuantModel(inputShape = {3, 8, 8})
        public abstract class Net {
          @BatchNorm1d(numFeatures = 3)
          abstract Tensor bn0(Tensor x);

          public Tensor forward(Tensor x) {
            return bn0(x);
          }
        }
        """);
    assertError(
        s,
        "bn0: expected input a 2-d input [N, C] or 3-d input [N, C, L], got [N, 3, 8, 8]",
        "@BatchNorm1d(numFeatures = 3)");
  }

  @Test
  void dropoutProbabilityMustBeBelowOne() {
    TestSource s =
        TestSource.model(
            "Net",
            """
        @QuantModel
        public abstract class Net {
          @Dropout(p = 1.5)
          abstract Tensor drop(Tensor x);

          public Tensor forward(Tensor x) {
            return drop(x);
          }
        }
        """);
    assertError(s, "drop: dropout probability p must be in [0, 1), got 1.5", "@Dropout(p = 1.5)");
  }

  static final TestSource UNET_LIKE =
      TestSource.model(
          "UnetLike",
          """
      @QuantModel(inputShape = {2, 8, 8})
      public abstract class UnetLike {
        @QuantIdentity(bitWidth = 4, returnQuantTensor = true)
        abstract QuantTensor quantInp(Tensor x);

        @QuantConv2d(inChannels = 2, outChannels = 2, kernelSize = 3, padding = 1, groups = 2, bias = false,
            bitWidth = 4, perChannel = true)
        abstract Tensor depthwise(QuantTensor x);

        @QuantReLU(bitWidth = 4, returnQuantTensor = true)
        abstract QuantTensor relu(Tensor x);

        @TruncAvgPool2d(kernelSize = 2)
        abstract QuantTensor pool(QuantTensor x);

        @QuantUpsample(scaleFactor = 2)
        abstract QuantTensor up(QuantTensor x);

        @QuantCat
        abstract QuantTensor cat(QuantTensor a, QuantTensor b);

        @TruncAdaptiveAvgPool2d
        abstract QuantTensor gap(QuantTensor x);

        public Tensor forward(Tensor x) {
          QuantTensor skip = relu(depthwise(quantInp(x)));
          return F.flatten(gap(pool(cat(skip, up(F.maxPool2d(skip, 2))))));
        }
      }
      """);

  @Test
  void poolsUpsampleAndCatGenerateAndRun() throws Exception {
    Compilation c = UNET_LIKE.compile();
    assertThat(c).succeededWithoutWarnings();
    Model model = new CompiledClasses(c).create("test.QuantModel_UnetLike", Model.class);
    assertThat(model.layers().stream().map(Module::describe).toList())
        .containsAtLeast(
            "TruncAvgPool2d(kernel_size=2, stride=2, bit_width=8, trunc_quant=TruncTo8bit)",
            "QuantUpsamplingNearest2d(scale_factor=2)",
            "QuantCat(dim=1)",
            "TruncAdaptiveAvgPool2d(output_size=1, bit_width=8, trunc_quant=RoundTo8bit)");
    Tensor out = model.forward(randomInput(3, 2, 8, 8));
    assertThat(out.shape()).asList().containsExactly(3L, 4L).inOrder();
    model.eval();
    assertThat(model.forward(randomInput(3, 2, 8, 8)).shape())
        .asList()
        .containsExactly(3L, 4L)
        .inOrder();
  }

  @Test
  void catOfDifferentlyQuantizedInputsIsAnError() {
    TestSource s =
        TestSource.model(
            "Net",
            """
        @QuantModel(inputShape = {2, 4, 4})
        public abstract class Net {
          @QuantIdentity(bitWidth = 8, returnQuantTensor = true)
          abstract QuantTensor quantInp(Tensor x);

          @QuantReLU(bitWidth = 4, returnQuantTensor = true)
          abstract QuantTensor relu(Tensor x);

          @QuantCat
          abstract QuantTensor cat(QuantTensor a, QuantTensor b);

          public Tensor forward(Tensor x) {
            QuantTensor a = quantInp(x);
            return cat(a, relu(a));
          }
        }
        """);
    assertError(
        s,
        "cat: concatenates a 8-bit signed and a 4-bit unsigned QuantTensor; in evaluation Brevitas"
            + " refuses QuantTensors whose scales, bit widths or signs differ",
        "@QuantCat");
  }

  @Test
  void catShapesMustAgreeButForTheChannels() {
    TestSource s =
        TestSource.model(
            "Net",
            """
        @QuantModel(inputShape = {2, 4, 4})
        public abstract class Net {
          @QuantIdentity(bitWidth = 4, returnQuantTensor = true)
          abstract QuantTensor quantInp(Tensor x);

          @TruncAvgPool2d(kernelSize = 2)
          abstract QuantTensor pool(QuantTensor x);

          @QuantCat
          abstract QuantTensor cat(QuantTensor a, QuantTensor b);

          public Tensor forward(Tensor x) {
            QuantTensor a = quantInp(x);
            return cat(a, pool(a));
          }
        }
        """);
    assertError(
        s,
        "cat: expected input two inputs equal in every dimension but the channels, the first [N, 2, 4, 4],"
            + " got [N, 2, 2, 2]",
        "@QuantCat");
  }

  @Test
  void upsampleNeedsAFactorOrASize() {
    TestSource s =
        TestSource.model(
            "Net",
            """
        @QuantModel
        public abstract class Net {
          @QuantUpsample(scaleFactor = 2, height = 5)
          abstract Tensor up(Tensor x);

          public Tensor forward(Tensor x) {
            return up(x);
          }
        }
        """);
    assertError(
        s,
        "up: @QuantUpsample needs scaleFactor >= 1, or height >= 1 and width >= 1 with scaleFactor = 0",
        "@QuantUpsample(scaleFactor = 2, height = 5)");
  }

  @Test
  void quantConv1dAndQuantConvTranspose2dGenerateAndRun() throws Exception {
    TestSource s =
        TestSource.model(
            "Convs",
            """
        @QuantModel(inputShape = {4, 4, 4})
        public abstract class Convs {
          @QuantIdentity(bitWidth = 4, returnQuantTensor = true)
          abstract QuantTensor quantInp(Tensor x);

          @QuantConvTranspose2d(inChannels = 4, outChannels = 3, kernelSize = 3, stride = 2, padding = 1,
              outputPadding = 1, bitWidth = 4, returnQuantTensor = true)
          @Int32Bias
          abstract QuantTensor up(QuantTensor x);

          @QuantIdentity(bitWidth = 4, returnQuantTensor = true)
          abstract QuantTensor requant(Tensor x);

          @QuantConv1d(inChannels = 3, outChannels = 6, kernelSize = 3, stride = 2, padding = 1, bitWidth = 4)
          abstract Tensor conv1d(QuantTensor x);

          public Tensor forward(Tensor x) {
            QuantTensor u = up(quantInp(x));
            return conv1d(requant(F.reshape(u, 2, 3, 64)));
          }
        }
        """);
    Compilation c = s.compile();
    assertThat(c).succeededWithoutWarnings();
    Model model = new CompiledClasses(c).create("test.QuantModel_Convs", Model.class);
    assertThat(model.stateDict().get("up.weight").shape())
        .asList()
        .containsExactly(4L, 3L, 3L, 3L)
        .inOrder();
    assertThat(model.stateDict().get("conv1d.weight").shape())
        .asList()
        .containsExactly(6L, 3L, 3L)
        .inOrder();
    Tensor out = model.forward(randomInput(2, 4, 4, 4));
    assertThat(out.shape()).asList().containsExactly(2L, 6L, 32L).inOrder();
  }

  @Test
  void transposedConvOutputPaddingMustBeBelowTheStride() {
    TestSource s =
        TestSource.model(
            "Net",
            """
        @QuantModel
        public abstract class Net {
          @QuantConvTranspose2d(inChannels = 4, outChannels = 2, kernelSize = 2, stride = 2,
              outputPadding = 2)
          abstract Tensor up(Tensor x);

          public Tensor forward(Tensor x) {
            return up(x);
          }
        }
        """);
    assertError(
        s,
        "up: outputPadding = 2 must be smaller than stride (2) or dilation (1)",
        "outputPadding = 2)");
  }

  @Test
  void conv1dChannelsMustMatchTheInput() {
    TestSource s =
        TestSource.model(
            "Net",
            """
        @QuantModel(inputShape = {5, 16})
        public abstract class Net {
          @QuantConv1d(inChannels = 4, outChannels = 2, kernelSize = 3)
          abstract Tensor conv(Tensor x);

          public Tensor forward(Tensor x) {
            return conv(x);
          }
        }
        """);
    assertError(
        s, "conv: expected input [N, 4, L] (in_channels = 4), got [N, 5, 16]", "inChannels = 4");
  }

  @Test
  void functionalCatAndUpsampleShapesAreChecked() throws Exception {
    TestSource s =
        TestSource.model(
            "Net",
            """
        @QuantModel(inputShape = {2, 4, 4})
        public abstract class Net {
          @Conv2d(inChannels = 2, outChannels = 3, kernelSize = 1)
          abstract Tensor conv(Tensor x);

          @Linear(inFeatures = 80, outFeatures = 2)
          abstract Tensor fc(Tensor x);

          public Tensor forward(Tensor x) {
            Tensor y = F.cat(x, conv(F.maxPool2d(x, 2)));
            return fc(F.flatten(F.upsampleNearest(y, 2)));
          }
        }
        """);
    Compilation c = s.compile();
    assertThat(c).failed();
    assertThat(c)
        .hadErrorContaining(
            "cat: expected input tensors equal in every dimension but the channels, the"
                + " first [N, 2, 4, 4], got [N, 3, 2, 2]")
        .inFile(s.file())
        .onLine(s.lineOf("Tensor y = F.cat"));
  }

  private static Tensor randomInput(long... shape) {
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
