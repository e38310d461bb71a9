package dev.qnn4j.runtime.fuzz;

import static com.google.common.truth.Truth.assertWithMessage;

import dev.qnn4j.runtime.io.ArrayData;
import dev.qnn4j.runtime.io.Qnn4jFormatException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Shared plumbing of the reader fuzz tests: one scratch directory per JVM, and the contract every
 * reader's failure must meet.
 *
 * <p>The contract: a reader given arbitrary bytes either parses them or throws its documented
 * exception, a {@link Qnn4jFormatException} whose message is a single line that starts with the
 * file's path. Anything else that escapes a reader (a RuntimeException, an OutOfMemoryError from
 * trusting a declared size, a native crash) is a finding. The fuzz tests check this with a small
 * heap (see the {@code fuzz} executions in the module pom), so a reader that allocates what a
 * header merely declares fails with OutOfMemoryError.
 *
 * <p>How fuzzing is run (see the {@code fuzz} profile in the module pom): without {@code
 * JAZZER_FUZZ} in the environment, each {@code @FuzzTest} only replays its seed corpus, the files
 * under {@code src/test/resources/dev/qnn4j/runtime/fuzz/<Class>Inputs/<method>/} (regression
 * mode), like any parameterized test. {@code mvn verify} runs one surefire execution per reader
 * (Jazzer fuzzes only one test per JVM) that replays the corpus and then fuzzes for {@link
 * #CI_DURATION}. To fuzz one reader longer by hand:
 *
 * <pre>
 * JAZZER_FUZZ=1 mvn -pl runtime test -Dtest=NpyFuzzTest -Djazzer.max_duration=1h
 * </pre>
 *
 * A finding is saved as {@code crash-<sha1>} in that {@code <Class>Inputs/<method>/} source
 * directory when fuzzing by hand, in {@code target/jazzer/} in the build; once it is in the source
 * directory, every later build replays it. The corpus Jazzer grows is kept in {@code
 * .cifuzz-corpus/} (by hand, git-ignored) or {@code target/jazzer/.cifuzz-corpus/} (build).
 */
final class FuzzSupport {
  /** How long {@code mvn verify} fuzzes each reader; override with -Djazzer.max_duration. */
  static final String CI_DURATION = "10s";

  private static Path dir;

  private FuzzSupport() {}

  /** A directory private to this JVM, deleted on exit. */
  static synchronized Path dir() {
    if (dir == null) {
      try {
        dir = Files.createTempDirectory("qnn4j-fuzz");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      Path d = dir;
      Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(d)));
    }
    return dir;
  }

  /** Writes {@code data} to {@code name} in the scratch directory, replacing it. */
  static Path write(String name, byte[] data) throws IOException {
    Path file = dir().resolve(name);
    Files.createDirectories(file.getParent());
    Files.write(file, data);
    return file;
  }

  /**
   * Checks that a reader's failure is its documented one: a {@link Qnn4jFormatException} with a
   * one-line message that starts with {@code source} and says what was wrong.
   */
  static void checkFormatError(IOException e, Object source) {
    if (!(e instanceof Qnn4jFormatException)) {
      throw new AssertionError("expected a Qnn4jFormatException, got " + e, e);
    }
    checkOneLine(e.getMessage(), source.toString(), e);
  }

  static void checkOneLine(String message, String source, Throwable e) {
    assertWithMessage("message of %s", e).that(message).startsWith(source + ": ");
    assertWithMessage("message of %s", e)
        .that(message)
        .doesNotContainMatch("[\\r\\n\\u000B\\u000C\\u0085\\u2028\\u2029]");
    String problem = message.substring(source.length() + 2);
    assertWithMessage("message of %s", e).that(problem.strip()).isNotEmpty();
    // A hostile file must not be able to blow a log line up (names are abbreviated).
    assertWithMessage("length of the message of %s", e)
        .that(message.length())
        .isLessThan(source.length() + 1000);
  }

  /** Invariants of any array a reader returns. */
  static void checkArray(ArrayData a) {
    long count = ArrayData.checkedElementCount(a.shape());
    assertWithMessage("%s element count", a).that(a.numElements()).isEqualTo(count);
    assertWithMessage("%s float view", a).that((long) a.toFloatArray().length).isEqualTo(count);
  }

  private static void deleteTree(Path root) {
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      // best effort
    }
  }
}
