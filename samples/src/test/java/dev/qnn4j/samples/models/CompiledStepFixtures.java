package dev.qnn4j.samples.models;

import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.nn.Module;
import java.util.List;
import java.util.Random;

/** What the tests comparing a compiled step with the tape share: the tape-only view and inputs. */
final class CompiledStepFixtures {
  private CompiledStepFixtures() {}

  /** {@code model} without its compiled step: it runs on the tape. */
  static Model onTheTape(Model model) {
    return new Delegate(model);
  }

  /**
   * Everything but the compiled step delegates to {@code model} (a subclass may add one back, e.g.
   * to count its calls).
   */
  static class Delegate implements Model {
    private final Model model;

    Delegate(Model model) {
      this.model = model;
    }

    @Override
    public String modelName() {
      return model.modelName();
    }

    @Override
    public List<Module> layers() {
      return model.layers();
    }

    @Override
    public Tensor forward(Tensor x) {
      return model.forward(x);
    }

    @Override
    public long[] inputShape() {
      return model.inputShape();
    }
  }

  /** {@code n} standard normal values. */
  static float[] gaussian(int n, Random rng) {
    float[] x = new float[n];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) rng.nextGaussian();
    }
    return x;
  }

  /** Gaussian inputs for {@code batch} 3x32x32 images. */
  static float[] images(int batch, Random rng) {
    return gaussian(batch * 3 * 32 * 32, rng);
  }
}
