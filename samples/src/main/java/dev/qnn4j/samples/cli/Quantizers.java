package dev.qnn4j.samples.cli;

import dev.qnn4j.runtime.QuantTensor;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.nn.Module;
import dev.qnn4j.runtime.nn.QuantActivation;
import dev.qnn4j.runtime.nn.QuantEltwiseAdd;
import dev.qnn4j.runtime.nn.QuantWeightLayer;
import dev.qnn4j.runtime.quant.ActQuantConfig;
import dev.qnn4j.runtime.quant.ActQuantizer;
import dev.qnn4j.runtime.quant.ScaleRestriction;
import dev.qnn4j.runtime.quant.WeightQuantConfig;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Describes a model's quantizers for inspect and calibrate. */
final class Quantizers {
  private Quantizers() {}

  /** One activation quantizer with the layer and role it belongs to. */
  record Act(String layer, String role, ActQuantizer quantizer) {}

  /** Every activation quantizer in layer order: act (QuantReLU/QuantIdentity), input, output. */
  static List<Act> activations(Model model) {
    List<Act> out = new ArrayList<>();
    for (Module m : model.layers()) {
      if (m instanceof QuantActivation a) {
        out.add(new Act(m.name(), "act", a.quantizer()));
      } else if (m instanceof QuantWeightLayer w) {
        if (w.inputQuantizer() != null) {
          out.add(new Act(m.name(), "input", w.inputQuantizer()));
        }
        if (w.outputQuantizer() != null) {
          out.add(new Act(m.name(), "output", w.outputQuantizer()));
        }
      } else if (m instanceof QuantEltwiseAdd e && e.outputQuantizer() != null) {
        out.add(new Act(m.name(), "output", e.outputQuantizer()));
      }
    }
    return out;
  }

  /**
   * The table of every quantizer's configuration; with {@code scales}, also the current eval
   * scales.
   */
  static SummaryTable configTable(Model model, boolean scales) {
    List<String> headers =
        new ArrayList<>(
            List.of("layer", "quantizer", "bits", "signed", "narrow", "per-channel", "scaling"));
    if (scales) {
      headers.add("scale");
    }
    SummaryTable t = new SummaryTable(headers.toArray(String[]::new));
    Map<ActQuantizer, Act> acts = new LinkedHashMap<>();
    for (Act a : activations(model)) {
      acts.put(a.quantizer(), a);
    }
    for (Module m : model.layers()) {
      if (m instanceof QuantWeightLayer w) {
        if (w.inputQuantizer() != null) {
          t.addRow(row(scales, m.name(), "input", act(w.inputQuantizer(), scales)));
        }
        if (w.weightQuantizer() != null) {
          WeightQuantConfig c = w.weightQuantizer().config();
          String scale = "";
          if (scales) {
            Tensor s = w.weightQuantizer().scale(w.weight());
            scale = s.numel() == 1 ? sci(s.item()) : s.numel() + " values";
          }
          t.addRow(
              row(
                  scales,
                  m.name(),
                  "weight",
                  new String[] {
                    Integer.toString(c.bitWidth()),
                    "yes",
                    yesNo(c.narrowRange()),
                    yesNo(c.perChannel()),
                    restriction(c.restriction())
                        + ", absmax of the weights"
                        + (c.perChannel() ? " per output channel" : ""),
                    scale
                  }));
        } else {
          t.addRow(row(scales, m.name(), "weight", new String[] {"float", "-", "-", "-", "-", ""}));
        }
        if (w.biasQuantizer() != null) {
          t.addRow(
              row(
                  scales,
                  m.name(),
                  "bias",
                  new String[] {
                    Integer.toString(w.biasQuantizer().config().bitWidth()),
                    "yes",
                    "no",
                    "-",
                    "input scale x weight scale",
                    ""
                  }));
        }
        if (w.outputQuantizer() != null) {
          t.addRow(row(scales, m.name(), "output", act(w.outputQuantizer(), scales)));
        }
      } else if (m instanceof QuantActivation a) {
        t.addRow(row(scales, m.name(), "act", act(a.quantizer(), scales)));
      } else if (m instanceof QuantEltwiseAdd e && e.outputQuantizer() != null) {
        t.addRow(row(scales, m.name(), "output", act(e.outputQuantizer(), scales)));
      }
    }
    return t;
  }

  private static Object[] row(boolean scales, String layer, String role, String[] rest) {
    List<Object> cells = new ArrayList<>(List.of(layer, role));
    for (int i = 0; i < rest.length - 1; i++) {
      cells.add(rest[i]);
    }
    if (scales) {
      cells.add(rest[rest.length - 1].isEmpty() ? "-" : rest[rest.length - 1]);
    }
    return cells.toArray();
  }

  private static String[] act(ActQuantizer q, boolean scales) {
    ActQuantConfig c = q.config();
    String scaling =
        restriction(c.restriction())
            + ", percentile "
            + trim(c.percentile())
            + " of |x| over "
            + c.collectStatsSteps()
            + " training steps, then learned";
    return new String[] {
      Integer.toString(c.bitWidth()),
      yesNo(c.signed()),
      yesNo(c.narrowRange()),
      "no",
      scaling,
      scales ? sci(q.evalScale().item()) : ""
    };
  }

  /** Prints "activation scales: quant_inp 0.5142, relu1 0.1716, ..." (eval mode). */
  static void printActivationScales(Model model, PrintStream out) {
    List<String> parts = new ArrayList<>();
    for (Act a : activations(model)) {
      parts.add(
          a.layer()
              + (a.role().equals("act") ? "" : "." + a.role())
              + " "
              + String.format(Locale.ROOT, "%.6g", a.quantizer().evalScale().item()));
    }
    if (!parts.isEmpty()) {
      out.println("activation scales: " + String.join(", ", parts));
    }
  }

  static String describe(Tensor t) {
    if (t instanceof QuantTensor q) {
      return (q.signed() ? "int" : "uint")
          + q.bitWidth()
          + (q.perTensor() ? "" : " per-channel")
          + " QuantTensor";
    }
    return "float";
  }

  private static String restriction(ScaleRestriction r) {
    return r == ScaleRestriction.POWER_OF_TWO ? "power-of-two scale" : "float scale";
  }

  private static String yesNo(boolean b) {
    return b ? "yes" : "no";
  }

  private static String trim(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }

  private static String sci(float v) {
    return String.format(Locale.ROOT, "%.6g", v);
  }
}
