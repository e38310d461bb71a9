package dev.qnn4j.runtime.graph;

import dev.qnn4j.runtime.GradMode;
import dev.qnn4j.runtime.QuantTensor;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.nn.AdaptiveAvgPool2d;
import dev.qnn4j.runtime.nn.BatchNorm;
import dev.qnn4j.runtime.nn.Dropout;
import dev.qnn4j.runtime.nn.F;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.nn.Module;
import dev.qnn4j.runtime.nn.QuantActivation;
import dev.qnn4j.runtime.nn.QuantCat;
import dev.qnn4j.runtime.nn.QuantEltwiseAdd;
import dev.qnn4j.runtime.nn.QuantMaxPool2d;
import dev.qnn4j.runtime.nn.QuantUpsample;
import dev.qnn4j.runtime.nn.ReLU;
import dev.qnn4j.runtime.nn.TraceEvent;
import dev.qnn4j.runtime.nn.Tracer;
import dev.qnn4j.runtime.nn.TruncAdaptiveAvgPool2d;
import dev.qnn4j.runtime.nn.TruncAvgPool2d;
import dev.qnn4j.runtime.nn.WeightLayer;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The topology of one forward pass of a model, recorded with {@link Tracer} (as Brevitas' graph
 * quantization traces a model with FX): the layer calls and {@code F} operations in call order,
 * connected by value. {@link #run} replays it on a new input, possibly with other layers ({@link
 * #mapLayers}); each operation dispatches on the run-time type of its input, so {@code F.maxPool2d}
 * and {@code F.flatten} keep a {@code QuantTensor}'s metadata.
 *
 * <p>Like an FX trace, the graph is the path one input took: a {@code forward} whose steps depend
 * on the data is recorded for that data only. {@code F.reshape}'s target shape is replayed as
 * recorded, except that a leading size equal to the traced batch size follows the batch size.
 *
 * @param steps the recorded steps; value 0 is the input, step {@code i} produces value {@code i +
 *     1}
 * @param result the value {@code forward} returned
 * @param tracedBatch the batch size of the example input
 */
public record ForwardGraph(List<Step> steps, int result, long tracedBatch) {

  public ForwardGraph {
    steps = List.copyOf(steps);
  }

  /**
   * One layer call or {@code F} operation.
   *
   * @param layer the layer for {@link TraceEvent.Op#LAYER}, else null
   * @param inputs the values it reads
   * @param ints kernel, stride and padding for pooling; the target shape for reshape
   */
  public record Step(TraceEvent.Op op, Module layer, List<Integer> inputs, long[] ints) {
    public Step {
      inputs = List.copyOf(inputs);
      ints = ints.clone();
    }

    @Override
    public long[] ints() {
      return ints.clone();
    }
  }

  /**
   * A traced graph with the tensors its values took on the example input.
   *
   * @param values value {@code i} of the graph as a tensor: the example input, then each step's
   *     result
   */
  public record Trace(ForwardGraph graph, List<Tensor> values) {
    public Trace {
      values = List.copyOf(values);
    }
  }

  /** A forward pass that reads or returns a tensor the trace did not see produced. */
  public static final class UntracedTensorException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final String step;
    private final String reason;

    UntracedTensorException(String step, String reason) {
      super(step + ": " + reason);
      this.step = step;
      this.reason = reason;
    }

    /** The layer or {@code F} operation that read the tensor, or the model that returned it. */
    public String step() {
      return step;
    }

    public String reason() {
      return reason;
    }
  }

  /**
   * Records {@code model.forward(example)} in evaluation mode without gradients (batch norms keep
   * their statistics, quantizers their state), then restores each layer's mode.
   *
   * @throws UntracedTensorException when forward uses a tensor that is not computed from its input
   */
  public static ForwardGraph trace(Model model, Tensor example) {
    return traceValues(model, example).graph();
  }

  /**
   * As {@link #trace}, keeping the tensors each value took (for export, which reads their shapes).
   */
  @SuppressWarnings("try") // the no-grad scope is only opened and closed
  public static Trace traceValues(Model model, Tensor example) {
    Map<Module, Boolean> training = new IdentityHashMap<>();
    for (Module m : model.layers()) {
      training.put(m, m.isTraining());
    }
    Tensor[] returned = new Tensor[1];
    List<TraceEvent> events;
    model.eval();
    try (GradMode.Scope ignored = GradMode.noGrad()) {
      events = Tracer.trace(() -> returned[0] = model.forward(example));
    } finally {
      training.forEach(Module::setTraining);
    }
    Map<Tensor, Integer> ids = new IdentityHashMap<>();
    ids.put(example, 0);
    List<Tensor> values = new ArrayList<>();
    values.add(example);
    List<Step> steps = new ArrayList<>();
    for (TraceEvent e : events) {
      List<Integer> inputs = new ArrayList<>();
      for (Tensor t : e.inputs()) {
        Integer id = ids.get(t);
        if (id == null) {
          throw new UntracedTensorException(
              stepName(e),
              "input "
                  + inputs.size()
                  + " is neither the model input"
                  + " nor the result of a traced layer or F operation (computed with Ops or created inside forward?)");
        }
        inputs.add(id);
      }
      steps.add(new Step(e.op(), e.layer(), inputs, e.ints()));
      values.add(e.output());
      ids.put(e.output(), steps.size());
    }
    Integer result = ids.get(returned[0]);
    if (result == null) {
      throw new UntracedTensorException(
          model.modelName(),
          "forward returned a tensor that no traced layer or F" + " operation produced");
    }
    return new Trace(
        new ForwardGraph(steps, result, example.rank() == 0 ? 1 : example.size(0)), values);
  }

  /** The layer's name, or the {@code F} operation ({@code F.maxPool2d}). */
  public static String stepName(TraceEvent.Op op, Module layer) {
    if (layer != null) {
      return layer.name();
    }
    return switch (op) {
      case MAX_POOL -> "F.maxPool2d";
      case AVG_POOL -> "F.avgPool2d";
      case RELU -> "F.relu";
      case FLATTEN -> "F.flatten";
      case RESHAPE -> "F.reshape";
      case ADD -> "F.add";
      case UPSAMPLE_NEAREST -> "F.upsampleNearest";
      case CAT -> "F.cat";
      case AFFINE -> "F.affine";
      case LAYER -> "layer";
    };
  }

  private static String stepName(TraceEvent e) {
    return stepName(e.op(), e.layer());
  }

  /** The same graph with each layer replaced by {@code replacement.apply(layer)}. */
  public ForwardGraph mapLayers(Function<Module, Module> replacement) {
    Map<Module, Module> replaced = new IdentityHashMap<>();
    List<Step> mapped = new ArrayList<>();
    for (Step s : steps) {
      Module layer = s.layer() == null ? null : replaced.computeIfAbsent(s.layer(), replacement);
      mapped.add(new Step(s.op(), layer, s.inputs(), s.ints));
    }
    return new ForwardGraph(mapped, result, tracedBatch);
  }

  /** Replays the graph on {@code input}. */
  public Tensor run(Tensor input) {
    Tensor[] values = new Tensor[steps.size() + 1];
    values[0] = input;
    for (int i = 0; i < steps.size(); i++) {
      Step s = steps.get(i);
      Tensor x = values[s.inputs().get(0)];
      values[i + 1] =
          switch (s.op()) {
            case LAYER ->
                call(s.layer(), s.inputs().stream().map(k -> values[k]).toArray(Tensor[]::new));
            case MAX_POOL ->
                x instanceof QuantTensor q
                    ? F.maxPool2d(q, (int) s.ints[0], (int) s.ints[1], (int) s.ints[2])
                    : F.maxPool2d(x, (int) s.ints[0], (int) s.ints[1], (int) s.ints[2]);
            case AVG_POOL -> F.avgPool2d(x, (int) s.ints[0], (int) s.ints[1], (int) s.ints[2]);
            case RELU -> F.relu(x);
            case FLATTEN -> x instanceof QuantTensor q ? F.flatten(q) : F.flatten(x);
            case RESHAPE -> F.reshape(x, batchShape(s.ints, input));
            case ADD -> F.add(x, values[s.inputs().get(1)]);
            case UPSAMPLE_NEAREST ->
                x instanceof QuantTensor q
                    ? F.upsampleNearest(q, (int) s.ints[0], (int) s.ints[1])
                    : F.upsampleNearest(x, (int) s.ints[0], (int) s.ints[1]);
            case CAT -> F.cat(s.inputs().stream().map(k -> values[k]).toArray(Tensor[]::new));
            case AFFINE -> {
              float[] a = F.affineParameters(s.ints);
              yield F.affine(x, a[0], a[1]);
            }
          };
    }
    return values[result];
  }

  private long[] batchShape(long[] shape, Tensor input) {
    long[] out = shape.clone();
    if (out.length > 0 && out[0] == tracedBatch && input.rank() > 0) {
      out[0] = input.size(0);
    }
    return out;
  }

  /** A layer's forward, by the kind of layer (layers share no forward interface). */
  static Tensor call(Module layer, Tensor... in) {
    Tensor x = in[0];
    Tensor y = in.length > 1 ? in[1] : null;
    if (layer instanceof WeightLayer w) {
      return w.forward(x);
    }
    if (layer instanceof QuantActivation a) {
      return a.forward(x);
    }
    if (layer instanceof ReLU r) {
      return r.forward(x);
    }
    if (layer instanceof BatchNorm b) {
      return b.forward(x);
    }
    if (layer instanceof Dropout d) {
      return d.forward(x);
    }
    if (layer instanceof TruncAvgPool2d p) {
      return p.forward(x);
    }
    if (layer instanceof TruncAdaptiveAvgPool2d p) {
      return p.forward(x);
    }
    if (layer instanceof AdaptiveAvgPool2d p) {
      return p.forward(x);
    }
    if (layer instanceof QuantUpsample u) {
      return u.forward(x);
    }
    if (layer instanceof QuantCat c) {
      QuantTensor[] parts = new QuantTensor[in.length];
      for (int i = 0; i < in.length; i++) {
        if (!(in[i] instanceof QuantTensor q)) {
          throw new IllegalStateException(
              layer.name() + ": input " + i + " of a QuantCat is not a QuantTensor");
        }
        parts[i] = q;
      }
      return c.forward(parts);
    }
    if (layer instanceof QuantMaxPool2d p) {
      return p.forward(x);
    }
    if (layer instanceof QuantEltwiseAdd e) {
      return e.forward(x, y);
    }
    throw new IllegalStateException(
        layer.name() + ": a traced graph cannot call a " + layer.getClass().getSimpleName());
  }
}
