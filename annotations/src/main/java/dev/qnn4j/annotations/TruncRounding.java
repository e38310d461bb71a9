package dev.qnn4j.annotations;

/**
 * How a truncated average pool drops the bits it shifts out: Brevitas' {@code TruncTo8bit} ({@link
 * #FLOOR}) and {@code RoundTo8bit} ({@link #ROUND}, half to even).
 */
public enum TruncRounding {
  FLOOR,
  ROUND
}
