package dev.qnn4j.processor.generation;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.util.Set;
import java.util.TreeSet;

/**
 * The {@code META-INF/services/dev.qnn4j.runtime.nn.ModelFactory} file: one factory binary name per
 * line, sorted so the output is reproducible.
 */
public final class ServicesFile {
  public static final String PATH = "META-INF/services/dev.qnn4j.runtime.nn.ModelFactory";

  private ServicesFile() {}

  /** The entries of an existing file, without comments and blank lines. */
  public static Set<String> read(Reader in) throws IOException {
    Set<String> entries = new TreeSet<>();
    BufferedReader lines = new BufferedReader(in);
    for (String line = lines.readLine(); line != null; line = lines.readLine()) {
      int comment = line.indexOf('#');
      String entry = (comment >= 0 ? line.substring(0, comment) : line).trim();
      if (!entry.isEmpty()) {
        entries.add(entry);
      }
    }
    return entries;
  }

  public static void write(Set<String> entries, Writer out) throws IOException {
    for (String entry : new TreeSet<>(entries)) {
      out.write(entry);
      out.write('\n');
    }
  }
}
