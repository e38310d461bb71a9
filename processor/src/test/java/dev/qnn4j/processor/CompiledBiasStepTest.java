package dev.qnn4j.processor;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static com.google.testing.compile.CompilationSubject.assertThat;
import static com.google.testing.compile.Compiler.javac;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.testing.compile.Compilation;
import dev.qnn4j.runtime.Parameter;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.nn.CompiledStep;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.nn.Module;
import dev.qnn4j.runtime.nn.QuantActivation;
import dev.qnn4j.runtime.nn.QuantWeightLayer;
import dev.qnn4j.runtime.quant.ActQuantizer;
import dev.qnn4j.runtime.train.Adam;
import dev.qnn4j.runtime.train.CrossEntropyLoss;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The compiled step of the quantizer combinations the samples' LeNets do not have, run against the
 * tape: per-channel weight scales under Int16 and Int8 biases (whose input-scale gradient is a sum
 * over the channels), a layer's own input quantizer feeding its bias, and a QuantReLU returning a
 * plain tensor before it. Logits, loss, gradients, parameters and quantizer states are exactly
 * equal ({@code ==}), from the first step and across the switch to learned scales.
 */
class CompiledBiasStepTest {
  private static final TestSource MODEL =
      TestSource.model(
          "PerChannelBias",
          """
      @QuantModel(inputShape = {1, 6, 6})
      public abstract class PerChannelBias {
        @QuantIdentity(bitWidth = 8, returnQuantTensor = true)
        abstract QuantTensor quantInp(Tensor x);

        @QuantConv2d(inChannels = 1, outChannels = 3, kernelSize = 3, bitWidth = 4, perChannel = true)
        @Int16Bias
        abstract Tensor conv(QuantTensor x);

        @QuantReLU(bitWidth = 4)
        abstract Tensor relu(Tensor x);

        @QuantLinear(inFeatures = 12, outFeatures = 4, bitWidth = 4, perChannel = true)
        @InputQuant(bitWidth = 6)
        @Int8Bias
        abstract Tensor fc(Tensor x);

        public Tensor forward(Tensor x) {
          Tensor h = F.maxPool2d(relu(conv(quantInp(x))), 2);
          return fc(F.flatten(h));
        }
      }
      """);

  private static final int BATCH = 8;

  @ParameterizedTest(name = "from step {0}")
  @ValueSource(ints = {0, 290})
  void trainsBitIdenticallyToTheTape(int startStep) throws Exception {
    Compilation c =
        javac()
            .withProcessors(new QuantModelProcessor())
            .withOptions("-Aqnn4j.requireCompiled=true")
            .compile(MODEL.file());
    assertThat(c).succeededWithoutWarnings();
    CompiledClasses classes = new CompiledClasses(c);
    Model tape = classes.create("test.QuantModel_PerChannelBias", Model.class);
    Model compiled = classes.create("test.QuantModel_PerChannelBias", Model.class);
    for (Model m : List.of(tape, compiled)) {
      for (ActQuantizer q : activationQuantizers(m)) {
        q.restoreState(startStep, q.collectStatsSteps(), 1.5f, 1f);
      }
      m.train();
    }
    assertThat(activationQuantizers(tape)).hasSize(3);
    assertEqual("initial parameters", flat(tape), flat(compiled));
    CompiledStep step = compiled.compiledStep().orElseThrow();
    Adam tapeAdam = new Adam(tape.parameters(), 1e-2f);
    Adam compiledAdam = new Adam(compiled.parameters(), 1e-2f);
    Random rng = new Random(21);
    for (int s = 0; s < 20; s++) {
      float[] input = new float[BATCH * 36];
      for (int i = 0; i < input.length; i++) {
        input[i] = (float) rng.nextGaussian();
      }
      int[] labels = new int[BATCH];
      for (int i = 0; i < BATCH; i++) {
        labels[i] = rng.nextInt(4);
      }
      tape.zeroGrad();
      Tensor logits = tape.forward(Tensor.of(input, BATCH, 1, 6, 6));
      Tensor loss = CrossEntropyLoss.mean(logits, labels);
      loss.backward();
      compiled.zeroGrad();
      assertEqual("logits at step " + s, logits.data(), step.forward(input, BATCH));
      float compiledLoss = step.loss(labels);
      if (compiledLoss != loss.item()) {
        fail("loss at step " + s + ": tape " + loss.item() + ", compiled " + compiledLoss);
      }
      step.backward();
      List<Parameter> tp = tape.parameters();
      List<Parameter> cp = compiled.parameters();
      for (int p = 0; p < tp.size(); p++) {
        String what = "gradient of " + tp.get(p).name() + " at step " + s;
        if (tp.get(p).gradData() == null || cp.get(p).gradData() == null) {
          assertWithMessage(what)
              .that(cp.get(p).gradData() == null)
              .isEqualTo(tp.get(p).gradData() == null);
        } else {
          assertEqual(what, tp.get(p).gradData(), cp.get(p).gradData());
        }
      }
      tapeAdam.step();
      compiledAdam.step();
      assertEqual("parameters after step " + s, flat(tape), flat(compiled));
      List<ActQuantizer> tq = activationQuantizers(tape);
      List<ActQuantizer> cq = activationQuantizers(compiled);
      for (int i = 0; i < tq.size(); i++) {
        assertThat(cq.get(i).counter()).isEqualTo(tq.get(i).counter());
        assertEqual(
            tq.get(i).value().name() + " statistic and eval scale after step " + s,
            new float[] {tq.get(i).buffer(), tq.get(i).evalScale().item()},
            new float[] {cq.get(i).buffer(), cq.get(i).evalScale().item()});
      }
    }
    // From step 290: ten statistics steps, the switch to the learned value (counted once), then
    // learned scales.
    assertThat(activationQuantizers(compiled).get(0).counter())
        .isEqualTo(startStep == 0 ? 20 : 301);
  }

  private static List<ActQuantizer> activationQuantizers(Model model) {
    List<ActQuantizer> quantizers = new ArrayList<>();
    for (Module layer : model.layers()) {
      if (layer instanceof QuantActivation a) {
        quantizers.add(a.quantizer());
      } else if (layer instanceof QuantWeightLayer w && w.inputQuantizer() != null) {
        quantizers.add(w.inputQuantizer());
      }
    }
    return quantizers;
  }

  private static float[] flat(Model model) {
    List<Float> values = new ArrayList<>();
    for (Parameter p : model.parameters()) {
      for (float v : p.data()) {
        values.add(v);
      }
    }
    float[] out = new float[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = values.get(i);
    }
    return out;
  }

  /** Exact equality value by value ({@code ==}: 0 equals -0, a NaN never passes). */
  private static void assertEqual(String what, float[] expected, float[] actual) {
    assertThat(actual.length).isEqualTo(expected.length);
    for (int i = 0; i < expected.length; i++) {
      if (expected[i] != actual[i]) {
        fail(what + " differs at " + i + ": tape " + expected[i] + ", compiled " + actual[i]);
      }
    }
  }
}
