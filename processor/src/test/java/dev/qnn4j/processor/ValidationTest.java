package dev.qnn4j.processor;

import static com.google.common.truth.Truth.assertThat;
import static com.google.testing.compile.CompilationSubject.assertThat;

import com.google.testing.compile.Compilation;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** One failing compilation per compile-time rule, asserting message, file and line. */
class ValidationTest {

  private static void assertError(TestSource source, String message, String onLineWith) {
    Compilation c = source.compile();
    assertThat(c).failed();
    assertThat(c)
        .hadErrorContaining(message)
        .inFile(source.file())
        .onLine(source.lineOf(onLineWith));
  }

  @Nested
  class Rule1BitWidths {
    @Test
    void weightBitWidthAbove32() {
      TestSource s =
          TestSource.model(
              "Net",
              """
          @QuantModel
          public abstract class Net {
            @QuantConv2d(inChannels = 3, outChannels = 6, kernelSize = 5,
                bitWidth = 40)
            abstract Tensor conv1(Tensor x);

            public Tensor forward(Tensor x) {
              return conv1(x);
            }
          }
          """);
      assertError(s, "conv1: weight bitWidth = 40 is outside 1..32", "bitWidth = 40");
    }

    @Test
    void weightBitWidthAbove8IsNotExportable() {
      TestSource s =
          TestSource.model(
              "Net",
              """
          @QuantModel
          public abstract class Net {
            @QuantLinear(inFeatures = 10, outFeatures = 2,
                bitWidth = 16)
            abstract Tensor fc1(Tensor x);

            public Tensor forward(Tensor x) {
              return fc1(x);
            }
          }
          """);
      assertError(
          s,
          "fc1: weight bitWidth = 16 is outside 1..8: weights and activations are exported as QCDQ,"
              + " which holds at most 8-bit integers",
          "bitWidth = 16");
    }

    @Test
    void activationBitWidthZero() {
      TestSource s =
          TestSource.model(
              "Net",
              """
          @QuantModel
          public abstract class Net {
            @QuantReLU(bitWidth = 0)
            abstract Tensor relu1(Tensor x);

            public Tensor forward(Tensor x) {
              return relu1(x);
            }
          }
          """);
      assertError(s, "relu1: activation bitWidth = 0 is outside 1..32", "@QuantReLU(bitWidth = 0)");
    }

    @Test
    void activationBitWidthAbove8() {
      TestSource s =
          TestSource.model(
              "Net",
              """
          @QuantModel
          public abstract class Net {
            @QuantIdentity(bitWidth = 9)
            abstract Tensor quantInp(Tensor x);

            public Tensor forward(Tensor x) {
              return quantInp(x);
            }
          }
          """);
      assertError(
          s,
          "quant_inp: activation bitWidth = 9 is outside 1..8: weights and activations are exported as"
              + " QCDQ",
          "@QuantIdentity(bitWidth = 9)");
    }

    @Test
    void inputQuantizerBitWidthAbove8() {
      TestSource s =
          TestSource.model(
              "Net",
              """
          @QuantModel
          public abstract class Net {
            @QuantLinear(inFeatures = 10, outFeatures = 2)
            @InputQuant(bitWidth = 12)
            abstract Tensor fc1(Tensor x);

            public Tensor forward(Tensor x) {
              return fc1(x);
            }
          }
          """);
      assertError(
          s, "fc1: @InputQuant bitWidth = 12 is outside 1..8", "@InputQuant(bitWidth = 12)");
    }

    @Test
    void accumulatorBitWidthAbove32() {
      TestSource s =
          TestSource.model(
              "Net",
              """
          @QuantModel
          public abstract class Net {
            @QuantLinear(inFeatures = 10, outFeatures = 2,
                accumulatorBitWidth = 64)
            abstract Tensor fc1(Tensor x);

            public Tensor forward(Tensor x) {
              return fc1(x);
            }
          }
          """);
      assertError(s, "fc1: accumulatorBitWidth = 64 is outside 1..32", "accumulatorBitWidth = 64");
    }
  }

  @Nested
  class Rule2BiasQuantizers {
    @Test
    void biasQuantizerNeedsQuantTensorInput() {
      TestSource s =
          TestSource.model(
              "Net",
              """
          @QuantModel
          public abstract class Net {
            @QuantIdentity(bitWidth = 4)
            abstract Tensor quantInp(Tensor x);

            @QuantConv2d(inChannels = 3, outChannels = 6, kernelSize = 5, bitWidth = 4)
            @Int32Bias
            abstract Tensor conv1(Tensor x);

            public Tensor forward(Tensor x) {
              return conv1(quantInp(x));
            }
          }
          """);
      assertError(
          s,
          "conv1: @Int32Bias needs the input scale (bias scale = input scale x weight scale), but input x"
              + " is a Tensor: declare it QuantTensor (from a layer with returnQuantTensor = true) or add @InputQuant;"
              + " Brevitas fails at run time with \"Input scale required\"",
          "@Int32Bias");
    }

    @Test
    void biasQuantizerOnLayerWithoutBias() {
      TestSource s =
          TestSource.model(
              "Net",
              """
          @QuantModel
          public abstract class Net {
            @QuantLinear(inFeatures = 10, outFeatures = 2, bias = false)
            @Int16Bias
            abstract Tensor fc1(QuantTensor x);

            public Tensor forward(Tensor x) {
              return x;
            }
          }
          """);
      assertError(s, "fc1: @Int16Bias on a layer with bias = false", "@Int16Bias");
    }

    @Test
    void twoBiasQuantizers() {
      TestSource s =
          TestSource.model(
              "Net",
              """
          @QuantModel
          public abstract class Net {
            @QuantLinear(inFeatures = 10, outFeatures = 2)
            @Int8Bias
            @Int32Bias
            abstract Tensor fc1(QuantTensor x);

            public Tensor forward(Tensor x) {
              return x;
            }
          }
          """);
      assertError(
          s,
          "fc1: two bias quantizers, @Int8Bias and @Int32Bias; a layer has one bias",
          "@Int32Bias");
    }

    @Test
    void biasQuantizerOnActivation() {
      TestSource s =
          TestSource.model(
              "Net",
              """
          @QuantModel
          public abstract class Net {
            @QuantReLU
            @Int8Bias
            abstract Tensor relu1(Tensor x);

            public Tensor forward(Tensor x) {
              return relu1(x);
            }
          }
          """);
      assertError(s, "relu1: @Int8Bias applies to @QuantConv2d and @QuantLinear only", "@Int8Bias");
    }

    @Test
    void inputQuantizerProvidesTheInputScale() {
      TestSource s =
          TestSource.model(
              "Net",
              """
          @QuantModel
          public abstract class Net {
            @QuantLinear(inFeatures = 10, outFeatures = 2)
            @InputQuant(bitWidth = 8)
            @Int32Bias
            abstract Tensor fc1(Tensor x);

            public Tensor forward(Tensor x) {
              return fc1(x);
            }
          }
          """);
      assertThat(s.compile()).succeededWithoutWarnings();
    }
  }

  @Nested
  class Rule3Signatures {
    @Test
    void returnQuantTensorButReturnsTensor() {
      TestSource s =
          TestSource.model(
              "Net",
              """
          @QuantModel
          public abstract class Net {
            @QuantIdentity(bitWidth = 4, returnQuantTensor = true)
            abstract Tensor quantInp(Tensor x);

            public Tensor forward(Tensor x) {
              return quantInp(x);
            }
          }
          """);
      assertError(
          s,
          "quant_inp: returnQuantTensor = true but the method returns Tensor; declare it to return"
              + " QuantTensor",
          "returnQuantTensor = true");
    }

    @Test
    void returnsQuantTensorWithoutReturnQuantTensor() {
      TestSource s =
          TestSource.model(
              "Net",
              """
          @QuantModel
          public abstract class Net {
            @QuantReLU(bitWidth = 4)
            abstract QuantTensor relu1(Tensor x);

            public Tensor forward(Tensor x) {
              return relu1(x);
            }
          }
          """);
      assertError(
          s,
          "relu1: returnQuantTensor = false but the method returns QuantTensor; set returnQuantTensor ="
              + " true or return Tensor",
          "@QuantReLU(bitWidth = 4)");
    }

    @Test
    void parameterNeitherTensorNorQuantTensor() {
      TestSource s =
          TestSource.model(
              "Net",
              """
          @QuantModel
          public abstract class Net {
            @QuantLinear(inFeatures = 10, outFeatures = 2)
            abstract Tensor fc1(
                float[] features);

            public Tensor forward(Tensor x) {
              return x;
            }
          }
          """);
      assertError(
          s,
          "fc1: parameter features has type float[]; layer inputs are Tensor or QuantTensor",
          "float[] features");
    }

    @Test
    void returnTypeNeitherTensorNorQuantTensor() {
      TestSource s =
          TestSource.model(
              "Net",
              """
          @QuantModel
          public abstract class Net {
            @ReLU
            abstract float[] relu1(Tensor x);

            public Tensor forward(Tensor x) {
              return x;
            }
          }
          """);
      assertError(
          s,
          "relu1: returns float[]; layers return Tensor or QuantTensor",
          "abstract float[] relu1");
    }

    @Test
    void twoInputsWhereOneIsNeeded() {
      TestSource s =
          TestSource.model(
              "Net",
              """
          @QuantModel
          public abstract class Net {
            @QuantConv2d(inChannels = 3, outChannels = 6, kernelSize = 5)
            abstract Tensor conv1(Tensor x, Tensor y);

            public Tensor forward(Tensor x) {
              return conv1(x, x);
            }
          }
          """);
      assertError(
          s, "conv1: @QuantConv2d takes one input, the method has 2 parameters", "@QuantConv2d");
    }

    @Test
    void oneInputWhereTwoAreNeeded() {
      TestSource s =
          TestSource.model(
              "Net",
              """
          @QuantModel
          public abstract class Net {
            @QuantEltwiseAdd
            abstract Tensor add(Tensor x);

            public Tensor forward(Tensor x) {
              return add(x);
            }
          }
          """);
      assertError(
          s,
          "add: @QuantEltwiseAdd takes two inputs, the method has 1 parameter",
          "@QuantEltwiseAdd");
    }

    @Test
    void floatLayerCannotReturnQuantTensor() {
      TestSource s =
          TestSource.model(
              "Net",
              """
          @QuantModel
          public abstract class Net {
            @ReLU
            abstract QuantTensor relu1(QuantTensor x);

            public Tensor forward(Tensor x) {
              return x;
            }
          }
          """);
      assertError(s, "relu1: @ReLU is a float layer and returns Tensor, not QuantTensor", "@ReLU");
    }
  }

  @Nested
  class Rule4Structure {
    @Test
    void finalModelClass() {
      // Not abstract either (javac itself rejects "abstract final"), so this also reports rule
      // "abstract".
      TestSource s =
          TestSource.model(
              "Net",
              """
          @QuantModel
          public final class Net {
            public Tensor forward(Tensor x) {
              return x;
            }
          }
          """);
      assertError(
          s,
          "@QuantModel class Net must not be final: the processor generates a subclass that"
              + " implements it",
          "@QuantModel");
    }

    @Test
    void modelClassNotAbstract() {
      TestSource s =
          TestSource.model(
              "Net",
              """
          @QuantModel
          public class Net {
            public Tensor forward(Tensor x) {
              return x;
            }
          }
          """);
      assertError(
          s,
          "@QuantModel class Net must be abstract: its layer methods are abstract and implemented by the"
              + " generated subclass",
          "@QuantModel");
    }

    @Test
    void layerMethodWithBody() {
      TestSource s =
          TestSource.model(
              "Net",
              """
          @QuantModel
          public abstract class Net {
            @QuantReLU
            Tensor relu1(Tensor x) {
              return x;
            }

            public Tensor forward(Tensor x) {
              return relu1(x);
            }
          }
          """);
      assertError(
          s,
          "relu1: a layer method must be abstract: the generated subclass implements it",
          "Tensor relu1(Tensor x)");
    }

    @Test
    void privateLayerMethod() {
      TestSource s =
          TestSource.model(
              "Net",
              """
          @QuantModel
          public abstract class Net {
            @QuantReLU
            private Tensor relu1(Tensor x) {
              return x;
            }

            public Tensor forward(Tensor x) {
              return relu1(x);
            }
          }
          """);
      assertError(
          s,
          "relu1: a layer method must not be private: the generated subclass overrides it",
          "private Tensor relu1");
    }

    @Test
    void staticLayerMethod() {
      TestSource s =
          TestSource.model(
              "Net",
              """
          @QuantModel
          public abstract class Net {
            @QuantReLU
            static Tensor relu1(Tensor x) {
              return x;
            }

            public Tensor forward(Tensor x) {
              return relu1(x);
            }
          }
          """);
      assertError(
          s,
          "relu1: a layer method must not be static: the generated subclass overrides it",
          "static Tensor relu1");
    }

    @Test
    void twoLayerAnnotations() {
      TestSource s =
          TestSource.model(
              "Net",
              """
          @QuantModel
          public abstract class Net {
            @QuantReLU
            @ReLU
            abstract Tensor relu1(Tensor x);

            public Tensor forward(Tensor x) {
              return relu1(x);
            }
          }
          """);
      assertError(s, "relu1: a method is one layer, but it has @QuantReLU and @ReLU", "@ReLU");
    }

    @Test
    void duplicateLayerNamesAfterSnakeCase() {
      TestSource s =
          TestSource.model(
              "Net",
              """
          @QuantModel
          public abstract class Net {
            @QuantIdentity
            abstract Tensor quantInp(Tensor x);

            @QuantIdentity
            abstract Tensor quant_inp(Tensor x);

            @ReLU
            abstract Tensor conv1(Tensor x);

            @ReLU
            abstract Tensor Conv1(Tensor x);

            @ReLU
            abstract Tensor fc_1(Tensor x);

            @ReLU
            abstract Tensor fc1(Tensor x);

            public Tensor forward(Tensor x) {
              return fc1(fc_1(Conv1(conv1(quant_inp(quantInp(x))))));
            }
          }
          """);
      Compilation c = s.compile();
      assertThat(c)
          .hadErrorContaining(
              "layer name quant_inp of method quant_inp duplicates that of method quantInp:"
                  + " layer names (method names in snake_case, or @StateDictName) must be unique in"
                  + " the state dict")
          .inFile(s.file())
          .onLine(s.lineOf("Tensor quant_inp("));
      assertThat(c)
          .hadErrorContaining("layer name conv1 of method Conv1 duplicates that of method conv1")
          .inFile(s.file())
          .onLine(s.lineOf("Tensor Conv1("));
      // fc_1 and fc1 stay distinct: digits never start a new word.
      assertThat(c).hadErrorCount(2);
    }

    @Test
    void stateDictNameGivesTheLayerItsPyTorchPath() throws Exception {
      TestSource s =
          TestSource.model(
              "Net",
              """
          @QuantModel(inputShape = {8})
          public abstract class Net {
            @QuantLinear(inFeatures = 8, outFeatures = 4, bias = false)
            @StateDictName("features.2")
            abstract Tensor fc0(Tensor x);

            @QuantReLU
            @StateDictName("features.3")
            abstract Tensor relu0(Tensor x);

            public Tensor forward(Tensor x) {
              return relu0(fc0(x));
            }
          }
          """);
      Compilation c = s.compile();
      assertThat(c).succeededWithoutWarnings();
      String generated =
          c.generatedSourceFile("test.QuantModel_Net")
              .orElseThrow()
              .getCharContent(true)
              .toString();
      assertThat(generated).contains("QuantLinear.builder(\"features.2\", 8, 4)");
      assertThat(generated).contains("(\"features.3\"");
      assertThat(generated).doesNotContain("\"fc0\"");
    }

    @Test
    void stateDictNameMustBeADottedPathAndUnique() {
      TestSource s =
          TestSource.model(
              "Net",
              """
          @QuantModel
          public abstract class Net {
            @ReLU
            @StateDictName("features..1")
            abstract Tensor a(Tensor x);

            @ReLU
            @StateDictName("features.2")
            abstract Tensor b(Tensor x);

            @ReLU
            @StateDictName("features.2")
            abstract Tensor c(Tensor x);

            @StateDictName("features.4")
            abstract Tensor d(Tensor x);

            public Tensor forward(Tensor x) {
              return d(c(b(a(x))));
            }
          }
          """);
      Compilation c = s.compile();
      assertThat(c)
          .hadErrorContaining(
              "@StateDictName(\"features..1\") of method a: expected a dotted module path such as"
                  + " conv_features.1")
          .inFile(s.file())
          .onLine(s.lineOf("\"features..1\""));
      assertThat(c)
          .hadErrorContaining("layer name features.2 of method c duplicates that of method b")
          .inFile(s.file())
          .onLine(s.lineOf("Tensor c("));
      assertThat(c)
          .hadErrorContaining(
              "features.4: @StateDictName refines a layer and needs a layer annotation")
          .inFile(s.file())
          .onLine(s.lineOf("\"features.4\""));
    }

    @Test
    void layerAnnotationOutsideQuantModel() {
      TestSource s =
          TestSource.model(
              "Net",
              """
          public abstract class Net {
            @QuantReLU
            abstract Tensor relu1(Tensor x);
          }
          """);
      assertError(s, "@QuantReLU belongs on a layer method of a @QuantModel class", "@QuantReLU");
    }

    @Test
    void missingForward() {
      TestSource s =
          TestSource.model(
              "Net",
              """
          @QuantModel
          public abstract class Net {
            @QuantReLU
            abstract Tensor relu1(Tensor x);
          }
          """);
      assertError(
          s,
          "@QuantModel class Net must declare public Tensor forward(Tensor x), which implements"
              + " Model.forward",
          "@QuantModel");
    }
  }

  @Nested
  class Rule5Forward {
    @Test
    void linearInFeaturesAgainstFlattenedInputShape() {
      TestSource s =
          TestSource.model(
              "Net",
              """
          @QuantModel(inputShape = {3, 32, 32})
          public abstract class Net {
            @QuantConv2d(inChannels = 3, outChannels = 16, kernelSize = 5)
            abstract Tensor conv1(Tensor x);

            @QuantLinear(
                inFeatures = 256, outFeatures = 10)
            abstract Tensor fc1(Tensor x);

            public Tensor forward(Tensor x) {
              Tensor out = F.maxPool2d(conv1(x), 2);
              out = F.maxPool2d(out, 2);
              return fc1(F.flatten(out));
            }
          }
          """);
      assertError(
          s, "fc1: expected input [N, 256] (in_features = 256), got [N, 784]", "inFeatures = 256");
    }

    @Test
    void convInChannelsAgainstPreviousOutChannels() {
      TestSource s =
          TestSource.model(
              "Net",
              """
          @QuantModel
          public abstract class Net {
            @QuantConv2d(inChannels = 3, outChannels = 6, kernelSize = 5)
            abstract Tensor conv1(Tensor x);

            @ReLU
            abstract Tensor relu1(Tensor x);

            @QuantConv2d(
                inChannels = 8, outChannels = 16, kernelSize = 5)
            abstract Tensor conv2(Tensor x);

            public Tensor forward(Tensor x) {
              Tensor out = relu1(conv1(x));
              return conv2(out);
            }
          }
          """);
      assertError(
          s,
          "conv2: expected input [N, 8, H, W] (in_channels = 8), got [N, 6, ?, ?]",
          "inChannels = 8");
    }

    @Test
    void functionalOpOnWrongRankPointsAtTheCall() {
      TestSource s =
          TestSource.model(
              "Net",
              """
          @QuantModel(inputShape = {400})
          public abstract class Net {
            @QuantLinear(inFeatures = 400, outFeatures = 10)
            abstract Tensor fc1(Tensor x);

            public Tensor forward(Tensor x) {
              Tensor out = fc1(x);
              return F.maxPool2d(out, 2);
            }
          }
          """);
      assertError(
          s,
          "maxPool2d: expected input a 4-d input [N, C, H, W], got [N, 10]",
          "F.maxPool2d(out, 2)");
    }

    @Test
    void statefulQuantizerCalledTwiceIsAWarning() {
      TestSource s =
          TestSource.model(
              "Net",
              """
          @QuantModel
          public abstract class Net {
            @QuantLinear(inFeatures = 10, outFeatures = 10)
            abstract Tensor fc1(Tensor x);

            @QuantLinear(inFeatures = 10, outFeatures = 10)
            abstract Tensor fc2(Tensor x);

            @QuantReLU(bitWidth = 4)
            abstract Tensor relu(Tensor x);

            public Tensor forward(Tensor x) {
              Tensor out = relu(fc1(x));
              return relu(fc2(out));
            }
          }
          """);
      Compilation c = s.compile();
      assertThat(c).succeeded();
      assertThat(c)
          .hadWarningContaining(
              "relu (QuantReLU) is called at two places in forward: activation quantizers"
                  + " are stateful, each instance keeps its own statistics, so reusing one mixes the statistics of two"
                  + " places; declare one layer method per place")
          .inFile(s.file())
          .onLine(s.lineOf("return relu(fc2(out))"));
    }

    @Test
    void branchingForwardIsLeftToTheRuntime() {
      TestSource s =
          TestSource.model(
              "Net",
              """
          @QuantModel(inputShape = {3, 32, 32})
          public abstract class Net {
            @QuantConv2d(inChannels = 3, outChannels = 16, kernelSize = 5)
            abstract Tensor conv1(Tensor x);

            @QuantLinear(inFeatures = 256, outFeatures = 10)
            abstract Tensor fc1(Tensor x);

            @QuantReLU
            abstract Tensor relu(Tensor x);

            public Tensor forward(Tensor x) {
              Tensor out = conv1(x);
              for (int i = 0; i < 2; i++) {
                out = F.maxPool2d(relu(out), 2);
              }
              return fc1(F.flatten(out));
            }
          }
          """);
      assertThat(s.compile()).succeededWithoutWarnings();
    }
  }

  @Nested
  class Rule6Accumulator {
    @Test
    void unsignedInputFromQuantReLU() {
      TestSource s =
          TestSource.model(
              "Net",
              """
          @QuantModel
          public abstract class Net {
            @QuantReLU(bitWidth = 8)
            abstract Tensor relu(Tensor x);

            @QuantLinear(inFeatures = 400, outFeatures = 10, bitWidth = 8,
                accumulatorBitWidth = 16)
            abstract Tensor fc1(Tensor x);

            public Tensor forward(Tensor x) {
              return fc1(relu(x));
            }
          }
          """);
      // 400 * 255 * 127 = 12,954,000 < 2^24: 24 bits of magnitude plus a sign bit.
      assertError(
          s,
          "fc1: the worst-case accumulator needs 25 bits, more than accumulatorBitWidth = 16 (fan-in 400,"
              + " inputs up to 255 as 8-bit unsigned, weights up to 127 as 8-bit)",
          "accumulatorBitWidth = 16");
    }

    @Test
    void signedInputFromQuantIdentity() {
      TestSource s =
          TestSource.model(
              "Net",
              """
          @QuantModel
          public abstract class Net {
            @QuantIdentity(bitWidth = 4)
            abstract Tensor quantInp(Tensor x);

            @QuantConv2d(inChannels = 3, outChannels = 6, kernelSize = 5, bitWidth = 4,
                accumulatorBitWidth = 13)
            abstract Tensor conv1(Tensor x);

            public Tensor forward(Tensor x) {
              Tensor out = quantInp(x);
              return conv1(out);
            }
          }
          """);
      // 75 * 8 * 7 = 4200 < 2^13: 13 bits plus a sign bit.
      assertError(
          s,
          "conv1: the worst-case accumulator needs 14 bits, more than accumulatorBitWidth = 13",
          "accumulatorBitWidth = 13");
    }

    @Test
    void ownInputQuantizerIsCheckedWhateverForwardLooksLike() {
      TestSource s =
          TestSource.model(
              "Net",
              """
          @QuantModel
          public abstract class Net {
            @QuantLinear(inFeatures = 1000, outFeatures = 10, bitWidth = 8, accumulatorBitWidth = 20)
            @InputQuant(bitWidth = 8, signed = false)
            abstract Tensor fc1(Tensor x);

            public Tensor forward(Tensor x) {
              if (x.rank() > 2) {
                x = F.flatten(x);
              }
              return fc1(x);
            }
          }
          """);
      assertError(
          s,
          "fc1: the worst-case accumulator needs 26 bits, more than accumulatorBitWidth = 20",
          "accumulatorBitWidth = 20");
    }

    @Test
    void fitsByDefault() {
      TestSource s =
          TestSource.model(
              "Net",
              """
          @QuantModel
          public abstract class Net {
            @QuantReLU(bitWidth = 8)
            abstract Tensor relu(Tensor x);

            @QuantLinear(inFeatures = 400, outFeatures = 10, bitWidth = 8)
            abstract Tensor fc1(Tensor x);

            public Tensor forward(Tensor x) {
              return fc1(relu(x));
            }
          }
          """);
      assertThat(s.compile()).succeededWithoutWarnings();
    }
  }

  @Test
  void reportsEveryErrorInOnePass() {
    TestSource s =
        TestSource.model(
            "Net",
            """
        @QuantModel(inputShape = {3, 32, 32})
        public final class Net {
          @QuantIdentity(bitWidth = 12, returnQuantTensor = true)
          abstract Tensor quantInp(Tensor x);

          @QuantConv2d(inChannels = 3, outChannels = 6, kernelSize = 5, bitWidth = 4)
          @Int32Bias
          abstract Tensor conv1(Tensor x);

          @QuantLinear(inFeatures = 100, outFeatures = 10)
          abstract Tensor fc1(Tensor x);

          public Tensor forward(Tensor x) {
            return fc1(F.flatten(F.maxPool2d(conv1(quantInp(x)), 2)));
          }
        }
        """);
    Compilation c = s.compile();
    assertThat(c).failed();
    assertThat(c)
        .hadErrorContaining("must not be final")
        .inFile(s.file())
        .onLine(s.lineOf("@QuantModel"));
    assertThat(c)
        .hadErrorContaining("quant_inp: activation bitWidth = 12 is outside 1..8")
        .inFile(s.file())
        .onLine(s.lineOf("bitWidth = 12"));
    assertThat(c)
        .hadErrorContaining("quant_inp: returnQuantTensor = true but the method returns Tensor")
        .inFile(s.file())
        .onLine(s.lineOf("bitWidth = 12"));
    assertThat(c)
        .hadErrorContaining("conv1: @Int32Bias needs the input scale")
        .inFile(s.file())
        .onLine(s.lineOf("@Int32Bias"));
    assertThat(c)
        .hadErrorContaining("fc1: expected input [N, 100] (in_features = 100), got [N, 1176]")
        .inFile(s.file())
        .onLine(s.lineOf("inFeatures = 100"));
    // javac adds its own complaint about abstract methods in a final class.
    assertThat(c.errors().size()).isAtLeast(5);
  }
}
