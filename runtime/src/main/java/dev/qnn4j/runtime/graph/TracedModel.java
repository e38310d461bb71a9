package dev.qnn4j.runtime.graph;

import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.nn.Module;
import java.util.List;

/**
 * A model whose {@code forward} replays a {@link ForwardGraph}, e.g. a float model's traced forward
 * with quantized layers ({@code dev.qnn4j.runtime.graph.AutoQuantization#quantize}). Training,
 * calibration, parameters and state dicts come from {@link Model}'s defaults, as for a generated
 * model.
 */
public final class TracedModel implements Model {
  private final String name;
  private final long[] inputShape;
  private final List<Module> layers;
  private final ForwardGraph graph;

  /**
   * @param layers the layers in declaration order; every layer the graph calls must be among them
   */
  public TracedModel(String name, long[] inputShape, List<Module> layers, ForwardGraph graph) {
    this.name = name;
    this.inputShape = inputShape.clone();
    this.layers = List.copyOf(layers);
    this.graph = graph;
    for (ForwardGraph.Step s : graph.steps()) {
      if (s.layer() != null && this.layers.stream().noneMatch(l -> l == s.layer())) {
        throw new IllegalArgumentException(
            name
                + ": the graph calls "
                + s.layer().name()
                + ", which is not one of the model's layers");
      }
    }
  }

  public ForwardGraph graph() {
    return graph;
  }

  @Override
  public String modelName() {
    return name;
  }

  @Override
  public List<Module> layers() {
    return layers;
  }

  @Override
  public long[] inputShape() {
    return inputShape.clone();
  }

  @Override
  public Tensor forward(Tensor x) {
    return graph.run(x);
  }

  /** The layer tree, as Brevitas prints a module (and as generated models print). */
  @Override
  public String toString() {
    StringBuilder description = new StringBuilder(name + "(\n");
    for (Module layer : layers) {
      description
          .append("  (")
          .append(layer.name())
          .append("): ")
          .append(layer.describe())
          .append('\n');
    }
    return description.append(')').toString();
  }
}
