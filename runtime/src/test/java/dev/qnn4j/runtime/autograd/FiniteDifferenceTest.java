package dev.qnn4j.runtime.autograd;

import static dev.qnn4j.runtime.autograd.GradCheck.check;
import static dev.qnn4j.runtime.autograd.GradCheck.randomParameter;

import dev.qnn4j.runtime.Parameter;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.nn.BatchNorm2d;
import dev.qnn4j.runtime.train.CrossEntropyLoss;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Every differentiable operation's gradient against central finite differences. */
class FiniteDifferenceTest {
  private final Random rng = new Random(42);

  @Test
  void conv2dPlain() {
    Parameter x = randomParameter("x", rng, 2, 3, 7, 6);
    Parameter w = randomParameter("w", rng, 4, 3, 3, 3);
    Parameter b = randomParameter("b", rng, 4);
    check(
        "conv2d",
        p -> Ops.conv2d(p[0], p[1], p[2], new int[] {1, 1}, new int[] {0, 0}, new int[] {1, 1}, 1),
        x,
        w,
        b);
  }

  @Test
  void conv2dStridePaddingDilationGroups() {
    Parameter x = randomParameter("x", rng, 2, 4, 9, 8);
    Parameter w = randomParameter("w", rng, 6, 2, 3, 2);
    Parameter b = randomParameter("b", rng, 6);
    check(
        "conv2d strided",
        p -> Ops.conv2d(p[0], p[1], p[2], new int[] {2, 1}, new int[] {1, 2}, new int[] {2, 1}, 2),
        x,
        w,
        b);
  }

  @Test
  void convTranspose2dStridePaddingOutputPaddingDilationGroups() {
    Parameter x = randomParameter("x", rng, 2, 4, 4, 3);
    Parameter w = randomParameter("w", rng, 4, 3, 3, 3);
    Parameter b = randomParameter("b", rng, 6);
    check(
        "convTranspose2d",
        p ->
            Ops.convTranspose2d(
                p[0],
                p[1],
                p[2],
                new int[] {2, 2},
                new int[] {1, 1},
                new int[] {1, 0},
                new int[] {1, 2},
                2),
        x,
        w,
        b);
  }

  @Test
  void linear() {
    Parameter x = randomParameter("x", rng, 3, 5);
    Parameter w = randomParameter("w", rng, 4, 5);
    Parameter b = randomParameter("b", rng, 4);
    check("linear", p -> Ops.linear(p[0], p[1], p[2]), x, w, b);
  }

  @Test
  void linearWithoutBias() {
    Parameter x = randomParameter("x", rng, 3, 5);
    Parameter w = randomParameter("w", rng, 2, 5);
    check("linear without bias", p -> Ops.linear(p[0], p[1], null), x, w);
  }

  @Test
  void maxPoolAndAvgPool() {
    Parameter x = randomParameter("x", rng, 2, 2, 6, 6);
    check(
        "maxPool2d",
        p -> Ops.maxPool2d(p[0], new int[] {2, 2}, new int[] {2, 2}, new int[] {0, 0}),
        x);
    check(
        "maxPool2d overlapping padded",
        p -> Ops.maxPool2d(p[0], new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 1}),
        x);
    check(
        "avgPool2d",
        p -> Ops.avgPool2d(p[0], new int[] {2, 2}, new int[] {2, 2}, new int[] {0, 0}),
        x);
    check(
        "avgPool2d padded",
        p -> Ops.avgPool2d(p[0], new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 1}),
        x);
  }

  @Test
  void reluAddReshapeMul() {
    Parameter a = randomParameter("a", rng, 2, 3, 4);
    Parameter b = randomParameter("b", rng, 2, 3, 4);
    Parameter s = randomParameter("s", rng);
    check("relu", p -> Ops.relu(p[0]), a);
    check("add", p -> Ops.add(p[0], p[1]), a, b);
    check("flatten", p -> Ops.flatten(p[0]), a);
    check("mul by scalar", p -> Ops.mul(p[0], p[1]), a, s);
    check("mul elementwise", p -> Ops.mul(p[0], p[1]), a, b);
  }

  @Test
  void scaleArithmetic() {
    Parameter s = randomParameter("s", rng, 3);
    check("div", p -> Ops.div(p[0], 7f), s);
    check("absBinarySignGrad", p -> Ops.absBinarySignGrad(p[0]), s);
    // Order statistics are differentiable where a perturbation keeps the ranks: well-separated
    // values.
    check("absMax", p -> Ops.absMax(p[0]), separated("w", 4, 5));
    check("absMaxPerChannel", p -> Ops.absMaxPerChannel(p[0]), separated("w", 4, 5));
    check("absPercentile", p -> Ops.absPercentile(p[0], 90.0), separated("x", 50));
  }

  /** Values with magnitudes 0.1 apart, mixed signs, in shuffled order. */
  private Parameter separated(String name, long... shape) {
    int n = (int) dev.qnn4j.runtime.kernels.NdArrays.numel(shape);
    java.util.List<Float> vals = new java.util.ArrayList<>();
    for (int i = 0; i < n; i++) {
      vals.add((i % 2 == 0 ? 1f : -1f) * (0.3f + 0.1f * i));
    }
    java.util.Collections.shuffle(vals, rng);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = vals.get(i);
    }
    return new Parameter(name, v, shape);
  }

  @Test
  void crossEntropy() {
    Parameter logits = randomParameter("logits", rng, 4, 5);
    check("cross entropy", p -> CrossEntropyLoss.mean(p[0], new int[] {0, 4, 2, 2}), logits);
  }

  @Test
  void batchNormTrainingAndEval() {
    BatchNorm2d bn = new BatchNorm2d("bn", 3);
    Parameter x = randomParameter("x", rng, 2, 3, 4, 4);
    Parameter gamma = bn.parameters().get(0);
    Parameter beta = bn.parameters().get(1);
    bn.setTraining(true);
    check("batchnorm training", p -> bn.forward(p[0]), x, gamma, beta);
    bn.setTraining(false);
    check("batchnorm eval", p -> bn.forward(p[0]), x, gamma, beta);
  }

  @Test
  void composedGraphSharesGradients() {
    // x feeds two branches; the gradient must be the sum of both.
    Parameter x = randomParameter("x", rng, 1, 2, 4, 4);
    Parameter w = randomParameter("w", rng, 2, 2, 3, 3);
    check(
        "residual",
        p -> {
          Tensor c =
              Ops.conv2d(p[0], p[1], null, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, 1);
          return Ops.add(Ops.relu(c), p[0]);
        },
        x,
        w);
  }
}
