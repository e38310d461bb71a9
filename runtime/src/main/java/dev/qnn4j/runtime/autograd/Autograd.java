package dev.qnn4j.runtime.autograd;

import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.kernels.NdArrays;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The reverse-mode pass over the graph that {@link GradFn}s record. */
public final class Autograd {
  private Autograd() {}

  /**
   * Propagates {@code upstream} from {@code root} to every leaf that requires a gradient, adding to
   * the leaves' {@link Tensor#grad()}.
   */
  public static void backward(Tensor root, INDArray upstream) {
    if (!Arrays.equals(upstream.shape(), root.shape())) {
      throw new IllegalArgumentException("upstream gradient of shape " + Arrays.toString(upstream.shape())
          + " for a tensor of shape " + Arrays.toString(root.shape()));
    }
    if (!root.requiresGrad()) {
      throw new IllegalStateException("backward() on a tensor that does not require a gradient");
    }
    List<Tensor> order = topologicalOrder(root);
    Map<Tensor, INDArray> grads = new IdentityHashMap<>();
    grads.put(root, upstream);
    for (Tensor t : order) {
      INDArray g = grads.remove(t);
      if (g == null) {
        continue;
      }
      GradFn fn = t.gradFn();
      if (fn == null) {
        t.accumulateGrad(g);
        continue;
      }
      INDArray[] inputGrads = fn.backward(g);
      Tensor[] inputs = fn.inputs();
      for (int i = 0; i < inputs.length; i++) {
        Tensor in = inputs[i];
        if (in == null || !in.requiresGrad() || inputGrads[i] == null) {
          continue;
        }
        if (!Arrays.equals(inputGrads[i].shape(), in.shape())) {
          throw new IllegalStateException(fn + " returned a gradient of shape "
              + Arrays.toString(inputGrads[i].shape()) + " for input " + i + " of shape "
              + Arrays.toString(in.shape()));
        }
        // Accumulate out of place: a backward step may hand the same array to several inputs.
        grads.merge(in, inputGrads[i], Autograd::sum);
      }
    }
  }

  /** {@code a + b} as a new array; summed in Java, cheaper than an ND4J op for these sizes. */
  public static INDArray sum(INDArray a, INDArray b) {
    float[] x = NdArrays.read(a);
    float[] y = NdArrays.read(b);
    for (int i = 0; i < x.length; i++) {
      x[i] += y[i];
    }
    return NdArrays.create(x, a.shape());
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
