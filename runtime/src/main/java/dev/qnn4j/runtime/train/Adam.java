package dev.qnn4j.runtime.train;

import dev.qnn4j.runtime.Parameter;
import dev.qnn4j.runtime.io.ArrayData;
import dev.qnn4j.runtime.kernels.Parallel;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Adam as PyTorch's {@code torch.optim.Adam} (betas 0.9/0.999, eps 1e-8, L2 weight decay added to
 * the gradient): {@code m = b1 m + (1-b1) g}, {@code v = b2 v + (1-b2) g^2}, {@code p -= lr / (1 -
 * b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)}.
 *
 * <p>Its state, per parameter, uses PyTorch's names: {@code exp_avg} (m), {@code exp_avg_sq} (v)
 * and {@code step} (t).
 */
public final class Adam implements Optimizer {
  private final List<Parameter> parameters;
  private final float lr;
  private final float beta1;
  private final float beta2;
  private final float eps;
  private final float weightDecay;
  private final Map<Parameter, State> states = new IdentityHashMap<>();

  /**
   * One parameter's moments and step count; also the body of its parallel update, whose inputs are
   * set before each loop (one reusable object per parameter: a step allocates nothing).
   */
  private final class State implements Parallel.Chunk {
    final float[] m;
    final float[] v;
    long step;
    private float[] w;
    private float[] g;
    private float stepSize;
    private double bias2Sqrt;

    /** sqrt(v) / sqrt(1 - b2^t) of the step being taken, in double as PyTorch computes it. */
    private final double[] denominators;

    State(int n) {
      m = new float[n];
      v = new float[n];
      denominators = new double[n];
    }

    // Element-wise, so splitting over the cores changes no value. Four passes, each of which the
    // JIT vectorizes: one loop holding the float-to-double conversion, the double square root and
    // the float division ran element by element, twice as slow.
    @Override
    public void run(int chunk, int from, int to) {
      float[] w = this.w;
      float[] g = this.g;
      float[] m = this.m;
      float[] v = this.v;
      double[] d = denominators;
      float stepSize = this.stepSize;
      double bias2Sqrt = this.bias2Sqrt;
      for (int i = from; i < to; i++) {
        float gi = weightDecay != 0f ? g[i] + weightDecay * w[i] : g[i];
        m[i] = beta1 * m[i] + (1 - beta1) * gi;
        v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
      }
      for (int i = from; i < to; i++) {
        d[i] = v[i];
      }
      for (int i = from; i < to; i++) {
        d[i] = Math.sqrt(d[i]) / bias2Sqrt;
      }
      for (int i = from; i < to; i++) {
        float denom = (float) d[i] + eps;
        w[i] = w[i] - stepSize * m[i] / denom;
      }
    }
  }

  public Adam(
      List<Parameter> parameters,
      float lr,
      float beta1,
      float beta2,
      float eps,
      float weightDecay) {
    this.parameters = List.copyOf(parameters);
    this.lr = lr;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
    this.weightDecay = weightDecay;
  }

  public Adam(List<Parameter> parameters, float lr) {
    this(parameters, lr, 0.9f, 0.999f, 1e-8f, 0f);
  }

  @Override
  public List<Parameter> parameters() {
    return parameters;
  }

  @Override
  public String name() {
    return "Adam";
  }

  @Override
  public float lr() {
    return lr;
  }

  @Override
  public Map<String, String> hyperparameters() {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("lr", Float.toString(lr));
    h.put("beta1", Float.toString(beta1));
    h.put("beta2", Float.toString(beta2));
    h.put("eps", Float.toString(eps));
    h.put("weight_decay", Float.toString(weightDecay));
    return h;
  }

  @Override
  public Map<String, ArrayData> stateDict() {
    Map<String, ArrayData> out = new LinkedHashMap<>();
    for (Parameter p : parameters) {
      State s = states.get(p);
      if (s != null) {
        out.put(p.name() + ".exp_avg", OptimizerStates.floats(s.m, p));
        out.put(p.name() + ".exp_avg_sq", OptimizerStates.floats(s.v, p));
        out.put(p.name() + ".step", OptimizerStates.scalar(s.step));
      }
    }
    return out;
  }

  @Override
  public void loadStateDict(Map<String, ArrayData> state) {
    Map<Parameter, Map<String, ArrayData>> grouped =
        OptimizerStates.group(
            name(), parameters, state, Set.of("exp_avg", "exp_avg_sq", "step"), Set.of("step"));
    states.clear();
    for (Map.Entry<Parameter, Map<String, ArrayData>> g : grouped.entrySet()) {
      State s = new State((int) g.getKey().numel());
      System.arraycopy(g.getValue().get("exp_avg").toFloatArray(), 0, s.m, 0, s.m.length);
      System.arraycopy(g.getValue().get("exp_avg_sq").toFloatArray(), 0, s.v, 0, s.v.length);
      s.step = OptimizerStates.longValue(g.getValue().get("step"));
      states.put(g.getKey(), s);
    }
  }

  /** Updates each parameter with a gradient in place ({@link Parameter#valuesForUpdate}). */
  @Override
  public void step() {
    for (int index = 0; index < parameters.size(); index++) {
      Parameter p = parameters.get(index);
      if (p.gradData() == null) {
        continue;
      }
      State s = states.get(p);
      if (s == null) {
        s = new State((int) p.numel());
        states.put(p, s);
      }
      s.step++;
      double bias1 = 1 - Math.pow(beta1, s.step);
      s.bias2Sqrt = Math.sqrt(1 - Math.pow(beta2, s.step));
      s.stepSize = (float) (lr / bias1);
      s.w = p.valuesForUpdate();
      s.g = p.gradData();
      Parallel.forRange(s.w.length, 8, s);
      s.w = null;
      s.g = null;
    }
  }
}
