package dev.qnn4j.samples.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Main class of the self-contained command-line jar ({@code java -jar qnn4j-cli-<version>.jar
 * ...}): runs {@link Qnn4jCli} with what the {@code ./qnn4j} launcher sets up.
 *
 * <p>The launcher exports {@code OMP_NUM_THREADS=1} and {@code OPENBLAS_NUM_THREADS=1} (native
 * thread pools on top of qnn4j's own parallelism oversubscribe the cores) and starts the JVM with
 * G1 heap settings. A running JVM cannot change its own environment before ND4J's native libraries
 * read it, nor its heap, so this class starts the command line once more, in a child JVM of the
 * same {@code java} with the same jar, with those variables (unless already set) and the launcher's
 * JVM options (unless the user gave JVM options of their own, which are passed on instead, or set
 * {@code QNN4J_JAVA_OPTS}, as for the launcher). The child's exit code is returned. The cost is one
 * JVM start, about 0.1-0.3 s. With {@code -Dqnn4j.cli.fork=false}, or where no {@code java}
 * executable can be found, the command line runs in this JVM as it was started.
 */
public final class CliJar {
  /** Marks the child, so that it does not start another. */
  static final String CHILD_MARKER = "QNN4J_CLI_CHILD";

  /** The launcher's JVM options (see ./qnn4j for the measurements behind them). */
  static final List<String> LAUNCHER_JVM_OPTIONS = List.of("-Xmx2g", "-XX:+UseSerialGC", "-Xmn64m");

  private CliJar() {}

  /**
   * Runs the command line, in a child JVM set up as the launcher does where possible.
   *
   * @param args the command line's arguments
   */
  public static void main(String[] args) {
    List<String> command =
        childCommand(
            args,
            System.getenv(),
            ManagementFactory.getRuntimeMXBean().getInputArguments(),
            ownJar());
    if (command == null) {
      Qnn4jCli.main(args);
      return;
    }
    ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
    builder.environment().putAll(childEnvironment(System.getenv()));
    Process child;
    try {
      child = builder.start();
    } catch (IOException e) {
      Qnn4jCli.main(args);
      return;
    }
    // Ctrl-C reaches both JVMs (same process group); a kill of this one must not orphan the child.
    Runtime.getRuntime().addShutdownHook(new Thread(child::destroy));
    int code;
    while (true) {
      try {
        code = child.waitFor();
        break;
      } catch (InterruptedException e) {
        // keep waiting: the child decides when the command is over
      }
    }
    System.exit(code);
  }

  /**
   * The variables the child gets on top of {@code env}: the launcher's native thread-pool sizes
   * where the user has not set them, and the marker that stops it from starting another child.
   */
  static Map<String, String> childEnvironment(Map<String, String> env) {
    Map<String, String> added = new java.util.LinkedHashMap<>();
    for (String pool : List.of("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")) {
      if (!env.containsKey(pool)) {
        added.put(pool, "1");
      }
    }
    added.put(CHILD_MARKER, "1");
    return added;
  }

  /**
   * The child JVM's command line, or null to run in this JVM (already the child, forking turned
   * off, no jar or no java executable).
   */
  static List<String> childCommand(
      String[] args, Map<String, String> env, List<String> jvmArguments, Path jar) {
    if (env.containsKey(CHILD_MARKER)
        || "false".equals(System.getProperty("qnn4j.cli.fork"))
        || jar == null) {
      return null;
    }
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    if (!Files.isExecutable(java)) {
      return null;
    }
    List<String> command = new ArrayList<>();
    command.add(java.toString());
    String javaOpts = env.get("QNN4J_JAVA_OPTS");
    if (javaOpts != null && !javaOpts.isBlank()) {
      command.addAll(List.of(javaOpts.trim().split("\\s+")));
    } else if (jvmArguments.isEmpty()) {
      command.addAll(LAUNCHER_JVM_OPTIONS);
    } else {
      command.addAll(jvmArguments);
    }
    command.add("-cp");
    command.add(jar.toString());
    command.add(Qnn4jCli.class.getName());
    command.addAll(List.of(args));
    return command;
  }

  /** The jar this class was loaded from, or null when it runs from a directory (tests, IDEs). */
  private static Path ownJar() {
    try {
      java.security.CodeSource source = CliJar.class.getProtectionDomain().getCodeSource();
      if (source == null || source.getLocation() == null) {
        return null;
      }
      Path location = Path.of(source.getLocation().toURI());
      return Files.isRegularFile(location) ? location : null;
    } catch (URISyntaxException | SecurityException e) {
      return null;
    }
  }
}
