package dev.qnn4j.runtime.train;

import dev.qnn4j.runtime.kernels.NdArrays;
import dev.qnn4j.runtime.nn.Parameter;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stochastic gradient descent as PyTorch's {@code torch.optim.SGD}: {@code g += wd * p};
 * momentum buffer {@code b = mu * b + g} (b = g at the first step); {@code p -= lr * b}.
 */
public final class Sgd implements Optimizer {
  private final List<Parameter> parameters;
  private final float lr;
  private final float momentum;
  private final float weightDecay;
  private final Map<Parameter, float[]> buffers = new IdentityHashMap<>();

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
  public void step() {
    for (Parameter p : parameters) {
      if (p.grad() == null) {
        continue;
      }
      float[] w = p.toFloatArray();
      float[] g = NdArrays.read(p.grad());
      if (weightDecay != 0f) {
        for (int i = 0; i < g.length; i++) {
          g[i] = g[i] + weightDecay * w[i];
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
      p.set(NdArrays.create(w, p.shape()));
    }
  }
}
