package dev.qnn4j.runtime.architecture;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * No package cycles in the runtime's main code. Dependencies are read from the sources: imports and
 * fully qualified names of {@code dev.qnn4j.runtime} classes outside comments.
 *
 * <p>The root package ({@code Tensor}, {@code QuantTensor}, {@code Parameter} and the tape's {@code
 * GradFn} and {@code GradMode}) is what every other package builds on, so it depends on no runtime
 * package but the array kernels.
 */
class PackageCyclesTest {
  private static final String ROOT = "dev.qnn4j.runtime";
  private static final Path SOURCES = Path.of("src/main/java");
  private static final Pattern REFERENCE =
      Pattern.compile("\\b(dev\\.qnn4j\\.runtime(?:\\.[a-z][a-z0-9]*)*)\\.[A-Z]");
  private static final Pattern COMMENT = Pattern.compile("/\\*.*?\\*/|//[^\\n]*", Pattern.DOTALL);

  @Test
  void packagesFormNoCycle() throws IOException {
    Map<String, Set<String>> deps = dependencies();
    assertThat(deps.keySet())
        .containsAtLeast(
            ROOT,
            "dev.qnn4j.runtime.nn",
            "dev.qnn4j.runtime.quant",
            "dev.qnn4j.runtime.graph",
            "dev.qnn4j.runtime.train");
    assertWithMessage("package cycles in %s", deps).that(cycles(deps)).isEmpty();
  }

  @Test
  void theRootPackageReachesOnlyTheKernels() throws IOException {
    assertThat(dependencies().get(ROOT)).containsExactly("dev.qnn4j.runtime.kernels");
  }

  @Test
  void theCheckFindsACycle() {
    Map<String, Set<String>> deps =
        new TreeMap<>(
            Map.of(
                "a",
                new TreeSet<>(Set.of("b")),
                "b",
                new TreeSet<>(Set.of("c")),
                "c",
                new TreeSet<>(Set.of("a")),
                "d",
                new TreeSet<>(Set.of("a"))));
    assertThat(cycles(deps)).containsExactly(List.of("a", "b", "c"));
  }

  /** Package -> the other runtime packages its main sources refer to. */
  static Map<String, Set<String>> dependencies() throws IOException {
    Map<String, Set<String>> deps = new TreeMap<>();
    try (Stream<Path> files = Files.walk(SOURCES)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        String pkg =
            SOURCES
                .relativize(file.getParent())
                .toString()
                .replace(file.getFileSystem().getSeparator(), ".");
        Set<String> targets = deps.computeIfAbsent(pkg, k -> new TreeSet<>());
        String code = COMMENT.matcher(Files.readString(file)).replaceAll(" ");
        Matcher m = REFERENCE.matcher(code);
        while (m.find()) {
          if (!m.group(1).equals(pkg)) {
            targets.add(m.group(1));
          }
        }
      }
    }
    return deps;
  }

  /** The strongly connected components of more than one package (Tarjan), each sorted. */
  static List<List<String>> cycles(Map<String, Set<String>> deps) {
    List<List<String>> out = new ArrayList<>();
    Map<String, Integer> index = new TreeMap<>();
    Map<String, Integer> low = new TreeMap<>();
    Deque<String> stack = new ArrayDeque<>();
    Set<String> onStack = new TreeSet<>();
    for (String p : deps.keySet()) {
      if (!index.containsKey(p)) {
        connect(p, deps, index, low, stack, onStack, out);
      }
    }
    return out;
  }

  private static void connect(
      String p,
      Map<String, Set<String>> deps,
      Map<String, Integer> index,
      Map<String, Integer> low,
      Deque<String> stack,
      Set<String> onStack,
      List<List<String>> out) {
    index.put(p, index.size());
    low.put(p, index.get(p));
    stack.push(p);
    onStack.add(p);
    for (String q : deps.getOrDefault(p, Set.of())) {
      if (!index.containsKey(q)) {
        connect(q, deps, index, low, stack, onStack, out);
        low.put(p, Math.min(low.get(p), low.get(q)));
      } else if (onStack.contains(q)) {
        low.put(p, Math.min(low.get(p), index.get(q)));
      }
    }
    if (low.get(p).equals(index.get(p))) {
      List<String> component = new ArrayList<>();
      String q;
      do {
        q = stack.pop();
        onStack.remove(q);
        component.add(q);
      } while (!q.equals(p));
      if (component.size() > 1) {
        component.sort(null);
        out.add(component);
      }
    }
  }
}
