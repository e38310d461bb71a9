package dev.qnn4j.processor;

import static com.google.common.truth.Truth.assertThat;
import static com.google.testing.compile.CompilationSubject.assertThat;

import com.google.testing.compile.Compilation;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Compile-time checks of automated quantization ({@code @QuantizeFrom}): one failing compilation
 * per rule, asserting message, file and line (the annotation value the message is about).
 */
class AutoQuantizationValidationTest {
  /** A float model: conv1 (3 -> 4, k3), relu1, max pool, flatten, fc1 (36 -> 10). */
  static final TestSource NET =
      TestSource.model(
          "Net",
          """
      @QuantModel(inputShape = {3, 8, 8})
      public abstract class Net {
        @Conv2d(inChannels = 3, outChannels = 4, kernelSize = 3)
        abstract Tensor conv1(Tensor x);

        @ReLU
        abstract Tensor relu1(Tensor x);

        @Linear(inFeatures = 36, outFeatures = 10)
        abstract Tensor fc1(Tensor x);

        public Tensor forward(Tensor x) {
          Tensor out = F.maxPool2d(relu1(conv1(x)), 2);
          return fc1(F.flatten(out));
        }
      }
      """);

  /** {@code test.AutoNet}: {@code body} is the {@code @QuantizeFrom} type's declaration. */
  static TestSource auto(String body) {
    return TestSource.model("AutoNet", body);
  }

  private static void assertError(TestSource holder, String message, String onLineWith) {
    assertError(NET, holder, message, onLineWith);
  }

  private static void assertError(
      TestSource floatModel, TestSource holder, String message, String onLineWith) {
    Compilation c = TestSource.compile(floatModel.file(), holder.file());
    assertThat(c).failed();
    assertThat(c)
        .hadErrorContaining(message)
        .inFile(holder.file())
        .onLine(holder.lineOf(onLineWith));
  }

  @Nested
  class Rules {
    @Test
    void weightBitWidthAbove8() {
      TestSource s =
          auto(
              """
          @QuantizeFrom(value = Net.class, rules = @QuantRules(
              weightBitWidth = 9))
          public interface AutoNet {}
          """);
      assertError(
          s,
          "@QuantRules weightBitWidth = 9 is outside 1..8: weights and activations are exported as QCDQ,"
              + " which holds at most 8-bit integers",
          "weightBitWidth = 9");
    }

    @Test
    void inputBitWidthOutOfRange() {
      TestSource s =
          auto(
              """
          @QuantizeFrom(value = Net.class, rules = @QuantRules(
              inputBitWidth = 40))
          public interface AutoNet {}
          """);
      assertError(
          s,
          "@QuantRules inputBitWidth = 40 is outside 0..32 (0 = no input quantizer)",
          "inputBitWidth = 40");
    }

    @Test
    void reluBitWidthNegative() {
      TestSource s =
          auto(
              """
          @QuantizeFrom(value = Net.class, rules = @QuantRules(
              reluBitWidth = -2))
          public interface AutoNet {}
          """);
      assertError(
          s, "@QuantRules reluBitWidth = -2 is outside 0..32 (0 = float)", "reluBitWidth = -2");
    }

    @Test
    void biasInheritInTheRules() {
      TestSource s =
          auto(
              """
          @QuantizeFrom(value = Net.class, rules = @QuantRules(
              bias = BiasRule.INHERIT))
          public interface AutoNet {}
          """);
      assertError(
          s,
          "@QuantRules bias = INHERIT: INHERIT belongs in a @LayerRule",
          "bias = BiasRule.INHERIT");
    }

    @Test
    void int32BiasWhereTheInputCannotBeQuantized() {
      TestSource s =
          auto(
              """
          @QuantizeFrom(value = Net.class, rules = @QuantRules(inputBitWidth = 0,
              bias = BiasRule.INT32))
          public interface AutoNet {}
          """);
      assertError(
          s,
          "conv1: bias = INT32 needs the input scale (bias scale = input scale x weight scale), but the"
              + " input of conv1 in Net.forward is a float Tensor and inputBitWidth = 0 adds no input quantizer: set"
              + " inputBitWidth, or bias = FLOAT for conv1 with a @LayerRule; Brevitas fails at run time with \"Input scale"
              + " required\"",
          "bias = BiasRule.INT32");
    }

    @Test
    void defaultInt32BiasWhereAFloatReluFeedsTheLayer() {
      // relu1 stays float, so fc1's input is a float Tensor; fc1's rule gives it no input
      // quantizer.
      TestSource s =
          auto(
              """
          @QuantizeFrom(value = Net.class, layers = {
              @LayerRule(name = "relu1", keepFloat = true),
              @LayerRule(name = "fc1", inputBitWidth = 0)})
          public interface AutoNet {}
          """);
      assertError(
          s,
          "fc1: bias = INT32 needs the input scale",
          "@QuantizeFrom(value = Net.class, layers = {");
    }

    @Test
    void accumulatorOverflow() {
      TestSource s =
          auto(
              """
          @QuantizeFrom(value = Net.class, rules = @QuantRules(
              accumulatorBitWidth = 12))
          public interface AutoNet {}
          """);
      assertError(
          s,
          "conv1: the worst-case accumulator needs 20 bits, more than accumulatorBitWidth = 12 (fan-in 27,"
              + " inputs up to 128 as 8-bit signed, weights up to 127 as 8-bit)",
          "accumulatorBitWidth = 12");
    }

    @Test
    void quantizerCalledAtTwoPlacesIsAWarning() {
      TestSource twice =
          TestSource.model(
              "Net",
              """
          @QuantModel(inputShape = {4})
          public abstract class Net {
            @Linear(inFeatures = 4, outFeatures = 4)
            abstract Tensor fc1(Tensor x);

            @ReLU
            abstract Tensor relu(Tensor x);

            @Linear(inFeatures = 4, outFeatures = 2)
            abstract Tensor fc2(Tensor x);

            public Tensor forward(Tensor x) {
              return fc2(relu(fc1(relu(x))));
            }
          }
          """);
      TestSource s =
          auto(
              """
          @QuantizeFrom(Net.class)
          public interface AutoNet {}
          """);
      Compilation c = TestSource.compile(twice.file(), s.file());
      assertThat(c).succeeded();
      assertThat(c)
          .hadWarningContaining(
              "relu (a @ReLU of Net, quantized to QuantReLU) is called at 2 places in"
                  + " Net.forward: activation quantizers are stateful")
          .inFile(s.file())
          .onLine(s.lineOf("@QuantizeFrom"));
      // The compiled step keeps one quantizer record per layer: this model trains on the tape.
      assertThat(c)
          .hadNoteContaining(
              "AutoNet has no compiled training step and trains on the autograd tape: "
                  + "@QuantReLU (relu) is called at two places");
    }
  }

  @Nested
  class LayerRules {
    @Test
    void unknownLayerName() {
      TestSource s =
          auto(
              """
          @QuantizeFrom(value = Net.class, layers = {
              @LayerRule(name = "fc1", weightBitWidth = 8),
              @LayerRule(name = "conv3", weightBitWidth = 8)})
          public interface AutoNet {}
          """);
      assertError(
          s,
          "@LayerRule(name = \"conv3\"): Net has no layer conv3; its layers are conv1, relu1, fc1",
          "name = \"conv3\"");
    }

    @Test
    void twoRulesForOneLayer() {
      TestSource s =
          auto(
              """
          @QuantizeFrom(value = Net.class, layers = {
              @LayerRule(name = "fc1", weightBitWidth = 8),
              @LayerRule(name = "fc1", weightBitWidth = 6)})
          public interface AutoNet {}
          """);
      assertError(
          s, "@LayerRule(name = \"fc1\") appears twice; one rule per layer", "weightBitWidth = 6");
    }

    @Test
    void attributeForAnotherKindOfLayer() {
      TestSource s =
          auto(
              """
          @QuantizeFrom(value = Net.class, layers =
              @LayerRule(name = "conv1", reluBitWidth = 4))
          public interface AutoNet {}
          """);
      assertError(
          s,
          "conv1: @LayerRule reluBitWidth applies to @ReLU layers; conv1 is a @Conv2d",
          "reluBitWidth = 4");
    }

    @Test
    void weightAttributeOnARelu() {
      TestSource s =
          auto(
              """
          @QuantizeFrom(value = Net.class, layers = @LayerRule(name = "relu1",
              bias = BiasRule.INT8))
          public interface AutoNet {}
          """);
      assertError(
          s,
          "relu1: @LayerRule bias applies to @Conv2d and @Linear layers; relu1 is a @ReLU",
          "bias = BiasRule.INT8");
    }

    @Test
    void weightBitWidthOutOfRange() {
      TestSource s =
          auto(
              """
          @QuantizeFrom(value = Net.class, layers = @LayerRule(name = "fc1",
              weightBitWidth = 0))
          public interface AutoNet {}
          """);
      assertError(s, "fc1: @LayerRule weightBitWidth = 0 is outside 1..32", "weightBitWidth = 0");
    }

    @Test
    void keepFloatWithAnotherAttribute() {
      TestSource s =
          auto(
              """
          @QuantizeFrom(value = Net.class, layers = @LayerRule(name = "fc1", keepFloat = true,
              weightBitWidth = 4))
          public interface AutoNet {}
          """);
      assertError(
          s,
          "fc1: @LayerRule keepFloat = true keeps fc1 float, so weightBitWidth has no effect",
          "weightBitWidth = 4");
    }

    @Test
    void biasOnALayerWithoutBias() {
      TestSource noBias =
          TestSource.model(
              "Net",
              """
          @QuantModel
          public abstract class Net {
            @Linear(inFeatures = 4, outFeatures = 2, bias = false)
            abstract Tensor fc1(Tensor x);

            public Tensor forward(Tensor x) {
              return fc1(x);
            }
          }
          """);
      TestSource s =
          auto(
              """
          @QuantizeFrom(value = Net.class, layers = @LayerRule(name = "fc1",
              bias = BiasRule.INT16))
          public interface AutoNet {}
          """);
      assertError(
          noBias,
          s,
          "fc1: @LayerRule bias = INT16 on a layer with bias = false",
          "bias = BiasRule.INT16");
    }
  }

  @Nested
  class Types {
    @Test
    void valueIsNotAModel() {
      TestSource s =
          auto(
              """
          @QuantizeFrom(
              String.class)
          public interface AutoNet {}
          """);
      assertError(
          s,
          "@QuantizeFrom(value = String.class): String is not a @QuantModel class",
          "String.class");
    }

    @Test
    void floatModelWithErrors() {
      TestSource broken =
          TestSource.model(
              "Net",
              """
          @QuantModel
          public abstract class Net {
            @Linear(inFeatures = 0, outFeatures = 2)
            abstract Tensor fc1(Tensor x);

            public Tensor forward(Tensor x) {
              return fc1(x);
            }
          }
          """);
      TestSource s =
          auto(
              """
          @QuantizeFrom(
              value = Net.class)
          public interface AutoNet {}
          """);
      assertError(
          broken,
          s,
          "@QuantizeFrom(value = Net.class): Net has errors (reported on it)",
          "value = Net.class");
    }

    @Test
    void concreteClass() {
      TestSource s =
          auto(
              """
          @QuantizeFrom(Net.class)
          public class AutoNet {}
          """);
      assertError(
          s,
          "@QuantizeFrom class AutoNet must be abstract: the generated QuantModel_AutoNet extends it",
          "@QuantizeFrom(Net.class)");
    }

    @Test
    void declaresForward() {
      TestSource s =
          auto(
              """
          @QuantizeFrom(Net.class)
          public abstract class AutoNet {
            public Tensor forward(Tensor x) {
              return x;
            }
          }
          """);
      assertError(
          s,
          "AutoNet must not declare forward: the generated QuantModel_AutoNet defines it",
          "public Tensor forward(Tensor x)");
    }

    @Test
    void declaresAnAbstractMethod() {
      TestSource s =
          auto(
              """
          @QuantizeFrom(Net.class)
          public interface AutoNet {
            Tensor head(Tensor x);
          }
          """);
      assertError(
          s, "AutoNet: abstract method head would stay unimplemented", "Tensor head(Tensor x);");
    }

    @Test
    void alsoAQuantModel() {
      TestSource s =
          auto(
              """
          @QuantModel
          @QuantizeFrom(Net.class)
          public abstract class AutoNet {
            public Tensor forward(Tensor x) {
              return x;
            }
          }
          """);
      Compilation c = TestSource.compile(NET.file(), s.file());
      assertThat(c)
          .hadErrorContaining("AutoNet is both a @QuantModel and a @QuantizeFrom")
          .inFile(s.file())
          .onLine(s.lineOf("@QuantizeFrom(Net.class)"));
    }
  }

  @Nested
  class Forward {
    @Test
    void loopInTheFloatForward() {
      TestSource looping =
          TestSource.model(
              "Net",
              """
          @QuantModel
          public abstract class Net {
            @Linear(inFeatures = 4, outFeatures = 4)
            abstract Tensor fc1(Tensor x);

            public Tensor forward(Tensor x) {
              Tensor out = x;
              for (int i = 0; i < 2; i++) {
                out = fc1(out);
              }
              return out;
            }
          }
          """);
      TestSource s =
          auto(
              """
          @QuantizeFrom(
              value = Net.class)
          public interface AutoNet {}
          """);
      Compilation c = TestSource.compile(looping.file(), s.file());
      assertThat(c)
          .hadErrorContaining(
              "@QuantizeFrom(value = Net.class): automated quantization regenerates"
                  + " Net.forward with the quantized layers, so it must be straight-line code (locals, layer-method calls, F"
                  + " calls with constant sizes, one return), but it has a for loop")
          .inFile(s.file())
          .onLine(s.lineOf("value = Net.class"));
      assertThat(c)
          .hadNoteContaining("AutoNet (@QuantizeFrom) cannot follow this")
          .inFile(looping.file())
          .onLine(looping.lineOf("for (int i = 0"));
    }

    @Test
    void nonConstantSize() {
      TestSource reshaping =
          TestSource.model(
              "Net",
              """
          @QuantModel
          public abstract class Net {
            @Linear(inFeatures = 4, outFeatures = 4)
            abstract Tensor fc1(Tensor x);

            public Tensor forward(Tensor x) {
              return fc1(F.reshape(x, x.size(0), 4));
            }
          }
          """);
      TestSource s =
          auto(
              """
          @QuantizeFrom(
              value = Net.class)
          public interface AutoNet {}
          """);
      assertError(
          reshaping,
          s,
          "but the argument x.size(0) of F.reshape is not an integer constant",
          "value = Net.class");
    }
  }

  @Test
  void theRulesOfTheSeedCompileWithoutWarnings() {
    TestSource s =
        auto(
            """
        @QuantizeFrom(value = Net.class, rules = @QuantRules(weightBitWidth = 4, bias = BiasRule.INT32,
            inputBitWidth = 4, reluBitWidth = 4, returnQuantTensor = true))
        public interface AutoNet {}
        """);
    Compilation c = TestSource.compile(NET.file(), s.file());
    assertThat(c).succeededWithoutWarnings();
    assertThat(c).generatedSourceFile("test.QuantModel_AutoNet").isNotNull();
  }
}
