package dev.qnn4j.runtime.autograd;

import static org.junit.jupiter.api.Assertions.fail;

import dev.qnn4j.runtime.Parameter;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.kernels.NdArrays;
import java.util.Random;
import java.util.function.Function;

/**
 * Compares analytic gradients with central finite differences. The checked scalar is {@code
 * sum(f(inputs) * r)} for a fixed random {@code r}, so every output element contributes.
 */
public final class GradCheck {
  private GradCheck() {}

  public static Parameter randomParameter(String name, Random rng, long... shape) {
    float[] v = new float[(int) NdArrays.numel(shape)];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) rng.nextGaussian();
    }
    return new Parameter(name, v, shape);
  }

  public static void check(String what, Function<Parameter[], Tensor> f, Parameter... inputs) {
    Random rng = new Random(7);
    Tensor out = f.apply(inputs);
    float[] r = new float[(int) out.numel()];
    for (int i = 0; i < r.length; i++) {
      r[i] = (float) rng.nextGaussian();
    }
    for (Parameter p : inputs) {
      p.zeroGrad();
    }
    out.backward(NdArrays.create(r, out.shape()));
    double eps = 1e-2;
    for (Parameter p : inputs) {
      float[] analytic = p.grad() == null ? new float[(int) p.numel()] : NdArrays.read(p.grad());
      float[] values = p.toFloatArray();
      double maxAbs = 1e-6;
      for (float a : analytic) {
        maxAbs = Math.max(maxAbs, Math.abs(a));
      }
      for (int i = 0; i < values.length; i++) {
        float original = values[i];
        values[i] = (float) (original + eps);
        p.set(values.clone());
        double plus = weightedSum(f.apply(inputs), r);
        values[i] = (float) (original - eps);
        p.set(values.clone());
        double minus = weightedSum(f.apply(inputs), r);
        values[i] = original;
        p.set(values.clone());
        double numeric = (plus - minus) / (2 * eps);
        if (Math.abs(numeric - analytic[i]) > 2e-2 * maxAbs + 2e-3) {
          fail(
              what
                  + ": d/d"
                  + p.name()
                  + "["
                  + i
                  + "] analytic "
                  + analytic[i]
                  + ", numeric "
                  + numeric);
        }
      }
    }
  }

  private static double weightedSum(Tensor t, float[] r) {
    float[] v = t.toFloatArray();
    double s = 0;
    for (int i = 0; i < v.length; i++) {
      s += (double) v[i] * r[i];
    }
    return s;
  }
}
