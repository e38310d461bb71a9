package dev.qnn4j.runtime.quant;

/**
 * A bias quantizer: Brevitas' {@code Int8Bias}, {@code Int16Bias} or {@code Int32Bias}. Signed,
 * full range, scale = input scale x weight scale (so it needs a quantized input).
 */
public record BiasQuantConfig(int bitWidth) {
  public BiasQuantConfig {
    new IntRange(bitWidth, true, false);
  }

  public static BiasQuantConfig int8() {
    return new BiasQuantConfig(8);
  }

  public static BiasQuantConfig int16() {
    return new BiasQuantConfig(16);
  }

  public static BiasQuantConfig int32() {
    return new BiasQuantConfig(32);
  }

  /**
   * Brevitas' name for this quantizer: {@code Int8Bias}, {@code Int16Bias} or {@code Int32Bias}.
   */
  public String brevitasName() {
    return "Int" + bitWidth + "Bias";
  }

  public IntRange range() {
    return new IntRange(bitWidth, true, false);
  }
}
