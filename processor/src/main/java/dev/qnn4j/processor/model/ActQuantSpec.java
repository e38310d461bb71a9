package dev.qnn4j.processor.model;

/** An {@code @InputQuant} or {@code @OutputQuant} on a layer: an activation quantizer's configuration. */
public record ActQuantSpec(Attributes attributes) {
  public int bitWidth() {
    return attributes.intValue("bitWidth");
  }

  public boolean signed() {
    return attributes.booleanValue("signed");
  }

  public boolean powerOfTwo() {
    return "POWER_OF_TWO".equals(attributes.enumValue("scaling"));
  }
}
