package dev.qnn4j.processor.validation;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Collects diagnostics in the order found, dropping exact repeats (a layer called twice with the
 * same bad input).
 */
public final class Diagnostics {
  private final List<Diagnostic> all = new ArrayList<>();
  private final Set<List<Object>> seen = new LinkedHashSet<>();

  public void add(Diagnostic d) {
    List<Object> key = new ArrayList<>();
    key.add(d.kind());
    key.add(d.message());
    key.add(d.element());
    key.add(d.tree());
    if (seen.add(key)) {
      all.add(d);
    }
  }

  public List<Diagnostic> all() {
    return List.copyOf(all);
  }

  public boolean hasErrors() {
    return all.stream().anyMatch(Diagnostic::isError);
  }
}
