package dev.qnn4j.runtime;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The reverse-mode pass over the graph that {@link GradFn}s record. */
public final class Autograd {
  private Autograd() {}

  /**
   * Propagates {@code upstream} (row-major, of root's shape) from {@code root} to every leaf that
   * requires a gradient, adding to the leaves' {@link Tensor#grad()}.
   */
  public static void backward(Tensor root, float[] upstream) {
    if (upstream.length != root.numel()) {
      throw new IllegalArgumentException(
          "upstream gradient of "
              + upstream.length
              + " values for a tensor of shape "
              + Arrays.toString(root.shape()));
    }
    if (!root.requiresGrad()) {
      throw new IllegalStateException("backward() on a tensor that does not require a gradient");
    }
    List<Tensor> order = topologicalOrder(root);
    Map<Tensor, float[]> grads = new IdentityHashMap<>();
    grads.put(root, upstream);
    for (Tensor t : order) {
      float[] g = grads.remove(t);
      if (g == null) {
        continue;
      }
      GradFn fn = t.gradFn();
      if (fn == null) {
        t.accumulateGrad(g);
        continue;
      }
      float[][] inputGrads = fn.backward(g);
      Tensor[] inputs = fn.inputs();
      for (int i = 0; i < inputs.length; i++) {
        Tensor in = inputs[i];
        if (in == null || !in.requiresGrad() || inputGrads[i] == null) {
          continue;
        }
        if (inputGrads[i].length != in.numel()) {
          throw new IllegalStateException(
              fn
                  + " returned a gradient of "
                  + inputGrads[i].length
                  + " values for input "
                  + i
                  + " of shape "
                  + Arrays.toString(in.shape()));
        }
        // Accumulate out of place: a backward step may hand the same array to several inputs.
        grads.merge(in, inputGrads[i], Autograd::sum);
      }
    }
  }

  /** {@code a + b} as a new array. */
  public static float[] sum(float[] a, float[] b) {
    float[] x = a.clone();
    for (int i = 0; i < x.length; i++) {
      x[i] += b[i];
    }
    return x;
  }

  /** Tensors reachable from root, each after every tensor that consumes it. */
  private static List<Tensor> topologicalOrder(Tensor root) {
    List<Tensor> postOrder = new ArrayList<>();
    Set<Tensor> visited = Collections.newSetFromMap(new IdentityHashMap<>());
    Deque<Object[]> stack = new ArrayDeque<>();
    stack.push(new Object[] {root, 0});
    visited.add(root);
    while (!stack.isEmpty()) {
      Object[] frame = stack.peek();
      Tensor t = (Tensor) frame[0];
      int next = (Integer) frame[1];
      Tensor[] inputs = t.gradFn() == null ? new Tensor[0] : t.gradFn().inputs();
      if (next < inputs.length) {
        frame[1] = next + 1;
        Tensor in = inputs[next];
        if (in != null && in.requiresGrad() && visited.add(in)) {
          stack.push(new Object[] {in, 0});
        }
      } else {
        stack.pop();
        postOrder.add(t);
      }
    }
    Collections.reverse(postOrder);
    return postOrder;
  }
}
