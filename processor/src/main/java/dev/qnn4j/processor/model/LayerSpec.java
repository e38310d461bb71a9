package dev.qnn4j.processor.model;

import java.util.Optional;

/**
 * A layer annotation read once into typed values: the layer's kind, its sizes, its own quantizers
 * and whether it returns a QuantTensor. Validation, the forward analysis and generation read this,
 * never the annotation; the {@link Anchor} only positions diagnostics.
 *
 * @param weightQuant present for layers with quantized weights
 * @param activationQuant present for {@code @QuantReLU} and {@code @QuantIdentity}
 */
public record LayerSpec(
    LayerKind kind,
    Geometry geometry,
    Optional<WeightQuantSpec> weightQuant,
    Optional<ActQuantSpec> activationQuant,
    boolean returnQuantTensor,
    Anchor anchor) {

  public Geometry.Conv conv() {
    return (Geometry.Conv) geometry;
  }

  public Geometry.ConvTranspose convTranspose() {
    return (Geometry.ConvTranspose) geometry;
  }

  public Geometry.Dense dense() {
    return (Geometry.Dense) geometry;
  }

  public Geometry.Pool pool() {
    return (Geometry.Pool) geometry;
  }

  public Geometry.BatchNorm batchNorm() {
    return (Geometry.BatchNorm) geometry;
  }

  public Geometry.Trunc trunc() {
    return (Geometry.Trunc) geometry;
  }

  public Geometry.Adaptive adaptive() {
    return (Geometry.Adaptive) geometry;
  }

  public Geometry.Upsample upsample() {
    return (Geometry.Upsample) geometry;
  }

  public Geometry.Dropout dropout() {
    return (Geometry.Dropout) geometry;
  }

  public WeightQuantSpec weight() {
    return weightQuant.orElseThrow(
        () -> new IllegalStateException(kind + " has no weight quantizer"));
  }

  public ActQuantSpec activation() {
    return activationQuant.orElseThrow(
        () -> new IllegalStateException(kind + " has no activation quantizer"));
  }

  /** Whether a conv or linear layer has a bias; false for other kinds. */
  public boolean hasBias() {
    if (geometry instanceof Geometry.Conv c) {
      return c.bias();
    }
    if (geometry instanceof Geometry.ConvTranspose t) {
      return t.bias();
    }
    return geometry instanceof Geometry.Dense d && d.bias();
  }

  /** Inputs summed per output of a conv or linear layer. */
  public long fanIn() {
    if (geometry instanceof Geometry.ConvTranspose t) {
      return t.fanIn();
    }
    if (geometry instanceof Geometry.Conv c) {
      return kind == LayerKind.QUANT_CONV1D ? c.fanIn1d() : c.fanIn();
    }
    return dense().inFeatures();
  }
}
