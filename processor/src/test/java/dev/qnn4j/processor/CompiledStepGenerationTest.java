package dev.qnn4j.processor;

import static com.google.common.truth.Truth.assertThat;
import static com.google.testing.compile.CompilationSubject.assertThat;
import static com.google.testing.compile.Compiler.javac;

import com.google.testing.compile.Compilation;
import javax.tools.Diagnostic;
import org.junit.jupiter.api.Test;

/**
 * Which models get a compiled training step: a straight-line float forward with an input shape
 * does; anything else gets a javac NOTE saying why (not a warning), and {@code
 * -Aqnn4j.requireCompiled=true} makes that an error.
 */
class CompiledStepGenerationTest {
  private static final TestSource FLOAT_MODEL =
      TestSource.model(
          "Small",
          """
      @QuantModel(inputShape = {1, 8, 8})
      public abstract class Small {
        @Conv2d(inChannels = 1, outChannels = 2, kernelSize = 3)
        abstract Tensor conv(Tensor x);

        @Linear(inFeatures = 18, outFeatures = 4)
        abstract Tensor fc(Tensor x);

        public Tensor forward(Tensor x) {
          Tensor out = F.maxPool2d(F.relu(conv(x)), 2);
          return fc(F.flatten(out));
        }
      }
      """);

  private static final TestSource QUANT_MODEL =
      TestSource.model(
          "SmallQuant",
          """
      @QuantModel(inputShape = {4})
      public abstract class SmallQuant {
        @QuantLinear(inFeatures = 4, outFeatures = 2, bitWidth = 4)
        abstract Tensor fc(Tensor x);

        @QuantIdentity(bitWidth = 4, scalingImpl = ScalingImpl.PARAMETER, minVal = -1f, maxVal = 1f,
            returnQuantTensor = true)
        abstract QuantTensor relu(Tensor x);

        public Tensor forward(Tensor x) {
          return relu(fc(x));
        }
      }
      """);

  private static final TestSource RESIDUAL_MODEL =
      TestSource.model(
          "Residual",
          """
      @QuantModel(inputShape = {4})
      public abstract class Residual {
        @Linear(inFeatures = 4, outFeatures = 4)
        abstract Tensor fc(Tensor x);

        public Tensor forward(Tensor x) {
          Tensor h = fc(x);
          return F.add(h, F.relu(h));
        }
      }
      """);

  @Test
  void aStraightLineFloatModelGetsACompiledStepWithoutANote() {
    Compilation c =
        javac()
            .withProcessors(new QuantModelProcessor())
            .withOptions("-Aqnn4j.requireCompiled=true")
            .compile(FLOAT_MODEL.file());
    assertThat(c).succeededWithoutWarnings();
    assertThat(
            c.notes().stream()
                .filter(d -> d.getMessage(null).contains("compiled training step"))
                .toList())
        .isEmpty();
    String source = generated(c, "test.QuantModel_Small");
    assertThat(source).contains("private final class Step implements CompiledStep");
    // Input [1, 8, 8], conv 3x3 -> [2, 6, 6], pool 2 -> [2, 3, 3], flatten -> 18, fc -> 4.
    assertThat(source)
        .contains("convGeometry = new ConvGeometry(n, 1, 8, 8, 3, 3, 1, 1, 0, 0, 1, 1);");
    assertThat(source)
        .contains("maxPool1Geometry = new ConvGeometry(n, 2, 6, 6, 2, 2, 2, 2, 0, 0, 1, 1);");
    assertThat(source)
        .contains(
            "Dense.forward(maxPool1Out, n, 18, 4, fc.weight().data(), fc.bias().data(), fcOut);");
    // The backward pass runs in reverse order and skips the input's gradient.
    assertThat(source.indexOf("Dense.backward("))
        .isLessThan(source.indexOf("Pooling.maxBackward("));
    assertThat(source.indexOf("Pooling.maxBackward("))
        .isLessThan(source.indexOf("Activations.reluBackward("));
    assertThat(source)
        .contains(
            "Convolution.backward(convGrad, input, convGeometry, 2, 1, conv.weight().data(), null,");
  }

  @Test
  void aQuantizerWithAScaleLearnedFromItsRangeGetsANoteNamingTheLayer() {
    Compilation c = TestSource.compile(QUANT_MODEL.file());
    assertThat(c).succeededWithoutWarnings();
    assertThat(c)
        .hadNoteContaining(
            "SmallQuant has no compiled training step and trains on the autograd tape: "
                + "@QuantIdentity (relu) has a scale learned from its range, which has no"
                + " compiled kernels yet");
    assertThat(generated(c, "test.QuantModel_SmallQuant")).doesNotContain("CompiledStep");
  }

  @Test
  void aBiasQuantizerReadingAQuantTensorScaleCompiles() {
    TestSource model =
        TestSource.model(
            "BiasQuant",
            """
        @QuantModel(inputShape = {4})
        public abstract class BiasQuant {
          @QuantIdentity(bitWidth = 8, returnQuantTensor = true)
          abstract QuantTensor quantInp(Tensor x);

          @QuantLinear(inFeatures = 4, outFeatures = 2, bitWidth = 4)
          @Int32Bias
          abstract Tensor fc(QuantTensor x);

          public Tensor forward(Tensor x) {
            return fc(quantInp(x));
          }
        }
        """);
    Compilation c =
        javac()
            .withProcessors(new QuantModelProcessor())
            .withOptions("-Aqnn4j.requireCompiled=true")
            .compile(model.file());
    assertThat(c).succeededWithoutWarnings();
    String source = generated(c, "test.QuantModel_BiasQuant");
    // Forward: the bias scale is the weight scale times quantInp's scale, after the weight's.
    assertThat(source)
        .contains(
            "fc.biasQuantizer().quantizeInto(fc.bias().data(), fcWeightScale, "
                + "quantInpRecord.scale(), fcBiasScale, fcQuantBias);");
    assertThat(source.indexOf("fc.weightQuantizer().quantizeInto("))
        .isLessThan(source.indexOf("fc.biasQuantizer().quantizeInto("));
    assertThat(source)
        .contains("Dense.forward(quantInpOut, n, 4, 2, fcQuantWeight, fcQuantBias, fcOut);");
    // Backward: the bias quantizer's scale gradient reaches the weight quantizer and quantInp.
    assertThat(source)
        .contains(
            "quantInpScaleGrad = fc.biasQuantizer().backwardInto(fc.bias().data(), fcBiasScale, "
                + "fcWeightScale, quantInpRecord.scale(), fcQuantBiasGrad, fcBiasGrad, "
                + "fcWeightScaleGrad);");
    assertThat(source)
        .contains(
            "fc.weightQuantizer().backwardInto(fc.weight().data(), fcWeightStats, fcWeightScale, "
                + "fcQuantWeightGrad, fcWeightScaleGrad, fcWeightGrad);");
    assertThat(source)
        .contains(
            "quantInp.quantizer().backwardInto(input, quantInpGrad, quantInpRecord, null, "
                + "quantInpScaleGrad);");
  }

  @Test
  void anOutputQuantizerGetsANote() {
    TestSource model =
        TestSource.model(
            "OutputQuantized",
            """
        @QuantModel(inputShape = {4})
        public abstract class OutputQuantized {
          @QuantLinear(inFeatures = 4, outFeatures = 2, bitWidth = 4)
          @OutputQuant(bitWidth = 8)
          abstract Tensor fc(Tensor x);

          public Tensor forward(Tensor x) {
            return fc(x);
          }
        }
        """);
    Compilation c = TestSource.compile(model.file());
    assertThat(c).succeededWithoutWarnings();
    assertThat(c)
        .hadNoteContaining(
            "@QuantLinear (fc) quantizes its output, which has no compiled kernels yet");
  }

  /**
   * A value read twice (a residual connection): the earlier reader's backward, which runs last,
   * writes a second buffer that is then added to the value's gradient.
   */
  @Test
  void aResidualAddCompilesAndSumsTheGradientsOfAValueReadTwice() {
    Compilation c =
        javac()
            .withProcessors(new QuantModelProcessor())
            .withOptions("-Aqnn4j.requireCompiled=true")
            .compile(RESIDUAL_MODEL.file());
    assertThat(c).succeededWithoutWarnings();
    String source = generated(c, "test.QuantModel_Residual");
    assertThat(source).contains("Elementwise.add(fcOut, relu1Out, add1Out, n * 4);");
    assertThat(source).contains("System.arraycopy(add1Grad, 0, fcGrad, 0, batch * 4);");
    assertThat(source).contains("System.arraycopy(add1Grad, 0, relu1Grad, 0, batch * 4);");
    assertThat(source)
        .contains("Activations.reluBackward(relu1Grad, relu1Out, fcGradPart, batch * 4);");
    int sum = source.indexOf("Elementwise.accumulate(fcGradPart, fcGrad, batch * 4);");
    assertThat(sum).isGreaterThan(source.indexOf("Activations.reluBackward("));
    assertThat(sum).isLessThan(source.indexOf("Dense.backward("));
  }

  @Test
  void aValueReadThreeTimesGetsANote() {
    TestSource model =
        TestSource.model(
            "ThreeReads",
            """
        @QuantModel(inputShape = {4})
        public abstract class ThreeReads {
          @Linear(inFeatures = 4, outFeatures = 4)
          abstract Tensor fc(Tensor x);

          public Tensor forward(Tensor x) {
            Tensor h = fc(x);
            return F.add(F.add(h, F.relu(h)), h);
          }
        }
        """);
    Compilation c = TestSource.compile(model.file());
    assertThat(c).succeededWithoutWarnings();
    assertThat(c).hadNoteContaining("the value fc is used 3 times");
  }

  @Test
  void batchNormAndAveragePoolingCompile() {
    TestSource model =
        TestSource.model(
            "NormPool",
            """
        @QuantModel(inputShape = {1, 8, 8})
        public abstract class NormPool {
          @Conv2d(inChannels = 1, outChannels = 2, kernelSize = 3, padding = 1)
          abstract Tensor conv(Tensor x);

          @BatchNorm2d(numFeatures = 2)
          abstract Tensor bn(Tensor x);

          @AdaptiveAvgPool2d(outputSize = 2)
          abstract Tensor pool(Tensor x);

          @Linear(inFeatures = 8, outFeatures = 3)
          abstract Tensor fc(Tensor x);

          public Tensor forward(Tensor x) {
            Tensor out = F.avgPool2d(bn(conv(x)), 2);
            return fc(F.flatten(pool(out)));
          }
        }
        """);
    Compilation c =
        javac()
            .withProcessors(new QuantModelProcessor())
            .withOptions("-Aqnn4j.requireCompiled=true")
            .compile(model.file());
    assertThat(c).succeededWithoutWarnings();
    String source = generated(c, "test.QuantModel_NormPool");
    // [2, 8, 8]: 2 channels of 64 values; avg pool 2 -> [2, 4, 4]; adaptive to 2 -> window 2.
    assertThat(source)
        .contains(
            "bnBatchStats = bn.forwardInto(convOut, n, 64, bnMean, bnInvStd, bnXhat, bnOut);");
    assertThat(source)
        .contains(
            "bn.backwardInto(bnGrad, batch, 64, bnBatchStats, bnInvStd, bnXhat, convGrad,"
                + " bnWeightGrad, bnBiasGrad);");
    assertThat(source)
        .contains("avgPool1Geometry = new ConvGeometry(n, 2, 8, 8, 2, 2, 2, 2, 0, 0, 1, 1);");
    assertThat(source)
        .contains("poolGeometry = new ConvGeometry(n, 2, 4, 4, 2, 2, 2, 2, 0, 0, 1, 1);");
    assertThat(source).contains("Pooling.avgBackward(poolGrad, poolGeometry, avgPool1Grad);");
  }

  @Test
  void requireCompiledTurnsTheNoteIntoAnError() {
    Compilation c =
        javac()
            .withProcessors(new QuantModelProcessor())
            .withOptions("-Aqnn4j.requireCompiled=true")
            .compile(QUANT_MODEL.file());
    assertThat(c).failed();
    assertThat(c)
        .hadErrorContaining(
            "SmallQuant has no compiled training step (qnn4j.requireCompiled is set)");
    assertThat(c.diagnostics().stream().filter(d -> d.getKind() == Diagnostic.Kind.ERROR).count())
        .isEqualTo(1);
  }

  private static String generated(Compilation c, String name) {
    try {
      return c.generatedSourceFile(name).orElseThrow().getCharContent(true).toString();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
