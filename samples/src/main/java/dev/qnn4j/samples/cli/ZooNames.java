package dev.qnn4j.samples.cli;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Brevitas' names of its example zoo (bnn_pynq {@code cfg/*.ini}) for the classes of {@code
 * dev.qnn4j.samples.zoo}, so that {@code --model tfc_1w1a} works as in Brevitas' {@code
 * model_with_cfg}. A name whose class is not on the class path is simply not offered.
 */
final class ZooNames {
  private static final String PACKAGE = "dev.qnn4j.samples.zoo.";

  /** Zoo name to class, in Brevitas' order. */
  private static final Map<String, String> CLASSES = new LinkedHashMap<>();

  static {
    CLASSES.put("tfc_1w1a", "Tfc1W1A");
    CLASSES.put("tfc_1w2a", "Tfc1W2A");
    CLASSES.put("tfc_2w2a", "Tfc2W2A");
    CLASSES.put("sfc_1w1a", "Sfc1W1A");
    CLASSES.put("sfc_1w2a", "Sfc1W2A");
    CLASSES.put("sfc_2w2a", "Sfc2W2A");
    CLASSES.put("lfc_1w1a", "Lfc1W1A");
    CLASSES.put("lfc_1w2a", "Lfc1W2A");
    CLASSES.put("cnv_1w1a", "Cnv1W1A");
    CLASSES.put("cnv_1w2a", "Cnv1W2A");
    CLASSES.put("cnv_2w2a", "Cnv2W2A");
    CLASSES.put("resnet18_4w4a", "Resnet18W4A4");
  }

  private ZooNames() {}

  /** The zoo name of the {@code @QuantModel} class {@code declaringClassName}, or null. */
  static String of(String declaringClassName) {
    for (Map.Entry<String, String> e : CLASSES.entrySet()) {
      if (declaringClassName.equals(PACKAGE + e.getValue())) {
        return e.getKey();
      }
    }
    return null;
  }

  /**
   * Whether the model takes images in [0, 1]: Brevitas' bnn_pynq trainer feeds every zoo model
   * {@code ToTensor()} images (the FC and CNV models map them to [-1, 1] in their own {@code
   * forward}).
   */
  static boolean takesUnitRange(String declaringClassName) {
    return of(declaringClassName) != null;
  }
}
