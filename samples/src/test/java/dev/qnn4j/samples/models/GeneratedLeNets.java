package dev.qnn4j.samples.models;

import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.samples.QuantModel_QuantWeightActBiasLeNet;
import dev.qnn4j.samples.QuantModel_QuantWeightActLeNet;
import dev.qnn4j.samples.QuantModel_QuantWeightLeNet;

/** The seed's LeNets as the annotation processor generates them, by model name. */
final class GeneratedLeNets {
  static final String[] NAMES = {
    "QuantWeightLeNet", "QuantWeightActLeNet", "QuantWeightActBiasLeNet"
  };

  private GeneratedLeNets() {}

  static Model create(String modelName) {
    return switch (modelName) {
      case "QuantWeightLeNet" -> new QuantModel_QuantWeightLeNet();
      case "QuantWeightActLeNet" -> new QuantModel_QuantWeightActLeNet();
      case "QuantWeightActBiasLeNet" -> new QuantModel_QuantWeightActBiasLeNet();
      default -> throw new IllegalArgumentException(modelName);
    };
  }
}
