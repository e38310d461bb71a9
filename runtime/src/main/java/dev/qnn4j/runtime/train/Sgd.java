package dev.qnn4j.runtime.train;

import dev.qnn4j.runtime.Parameter;
import dev.qnn4j.runtime.io.ArrayData;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Stochastic gradient descent as PyTorch's {@code torch.optim.SGD}: {@code g += wd * p}; momentum
 * buffer {@code b = mu * b + g} (b = g at the first step); {@code p -= lr * b}.
 *
 * <p>Its state is PyTorch's {@code momentum_buffer} per parameter (none without momentum).
 */
public final class Sgd implements Optimizer {
  private final List<Parameter> parameters;
  private final float lr;
  private final float momentum;
  private final float weightDecay;
  private final Map<Parameter, float[]> buffers = new IdentityHashMap<>();

  /** Per parameter, the gradient plus weight decay (scratch, reused every step). */
  private final Map<Parameter, float[]> decayed = new IdentityHashMap<>();

  public Sgd(List<Parameter> parameters, float lr, float momentum, float weightDecay) {
    this.parameters = List.copyOf(parameters);
    this.lr = lr;
    this.momentum = momentum;
    this.weightDecay = weightDecay;
  }

  public Sgd(List<Parameter> parameters, float lr) {
    this(parameters, lr, 0f, 0f);
  }

  @Override
  public List<Parameter> parameters() {
    return parameters;
  }

  @Override
  public String name() {
    return "SGD";
  }

  @Override
  public float lr() {
    return lr;
  }

  @Override
  public Map<String, String> hyperparameters() {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("lr", Float.toString(lr));
    h.put("momentum", Float.toString(momentum));
    h.put("weight_decay", Float.toString(weightDecay));
    return h;
  }

  @Override
  public Map<String, ArrayData> stateDict() {
    Map<String, ArrayData> out = new LinkedHashMap<>();
    for (Parameter p : parameters) {
      float[] b = buffers.get(p);
      if (b != null) {
        out.put(p.name() + ".momentum_buffer", OptimizerStates.floats(b, p));
      }
    }
    return out;
  }

  @Override
  public void loadStateDict(Map<String, ArrayData> state) {
    Map<Parameter, Map<String, ArrayData>> grouped =
        OptimizerStates.group(name(), parameters, state, Set.of("momentum_buffer"), Set.of());
    buffers.clear();
    for (Map.Entry<Parameter, Map<String, ArrayData>> g : grouped.entrySet()) {
      buffers.put(g.getKey(), g.getValue().get("momentum_buffer").toFloatArray());
    }
  }

  /**
   * Updates each parameter with a gradient in place ({@link Parameter#valuesForUpdate}); the
   * gradient with weight decay goes to a scratch array kept per parameter.
   */
  @Override
  public void step() {
    for (int index = 0; index < parameters.size(); index++) {
      Parameter p = parameters.get(index);
      float[] grad = p.gradData();
      if (grad == null) {
        continue;
      }
      float[] w = p.valuesForUpdate();
      float[] g = grad;
      if (weightDecay != 0f) {
        g = decayed.get(p);
        if (g == null) {
          g = new float[w.length];
          decayed.put(p, g);
        }
        for (int i = 0; i < g.length; i++) {
          g[i] = grad[i] + weightDecay * w[i];
        }
      }
      if (momentum != 0f) {
        float[] b = buffers.get(p);
        if (b == null) {
          b = g.clone();
          buffers.put(p, b);
        } else {
          for (int i = 0; i < g.length; i++) {
            b[i] = momentum * b[i] + g[i];
          }
        }
        g = b;
      }
      for (int i = 0; i < w.length; i++) {
        w[i] = w[i] - lr * g[i];
      }
    }
  }
}
