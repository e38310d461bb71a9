package dev.qnn4j.processor;

import static com.google.testing.compile.Compiler.javac;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.JavaFileObjects;
import java.util.Arrays;
import java.util.List;
import javax.tools.JavaFileObject;

/** A test's model source, with a way to find the line a diagnostic should point at. */
record TestSource(String className, String text) {
  static final String IMPORTS =
      """
      import dev.qnn4j.annotations.*;
      import dev.qnn4j.runtime.nn.F;
      import dev.qnn4j.runtime.QuantTensor;
      import dev.qnn4j.runtime.Tensor;
      """;

  /** {@code test.<name>}: package and imports, then {@code body} (the class declaration). */
  static TestSource model(String name, String body) {
    return new TestSource("test." + name, "package test;\n\n" + IMPORTS + "\n" + body);
  }

  JavaFileObject file() {
    return JavaFileObjects.forSourceString(className, text);
  }

  /** The 1-based line of the only line containing {@code snippet}. */
  long lineOf(String snippet) {
    List<String> lines = Arrays.asList(text.split("\n", -1));
    int found = -1;
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains(snippet)) {
        if (found >= 0) {
          throw new IllegalArgumentException(
              "\"" + snippet + "\" is on lines " + (found + 1) + " and " + (i + 1));
        }
        found = i;
      }
    }
    if (found < 0) {
      throw new IllegalArgumentException("\"" + snippet + "\" is not in " + className);
    }
    return found + 1;
  }

  static Compilation compile(JavaFileObject... files) {
    return javac().withProcessors(new QuantModelProcessor()).compile(files);
  }

  Compilation compile() {
    return compile(file());
  }
}
