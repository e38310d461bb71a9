package dev.qnn4j.samples.cli;

import static com.google.common.truth.Truth.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The self-contained jar's main class starts the command line as ./qnn4j would. */
class CliJarTest {
  private static final Path JAR = Path.of("/opt/qnn4j-cli.jar");
  private static final String JAVA =
      Path.of(System.getProperty("java.home"), "bin", "java").toString();

  @Test
  void withoutJvmOptionsTheChildGetsTheLaunchersOptions() {
    List<String> command =
        CliJar.childCommand(new String[] {"demo", "--epochs", "1"}, Map.of(), List.of(), JAR);

    assertThat(command)
        .containsExactly(
            JAVA,
            "-Xmx2g",
            "-XX:+UseSerialGC",
            "-Xmn64m",
            "-cp",
            JAR.toString(),
            Qnn4jCli.class.getName(),
            "demo",
            "--epochs",
            "1")
        .inOrder();
  }

  @Test
  void theUsersJvmOptionsOrQnn4jJavaOptsWin() {
    assertThat(CliJar.childCommand(new String[] {"models"}, Map.of(), List.of("-Xmx8g"), JAR))
        .containsExactly(JAVA, "-Xmx8g", "-cp", JAR.toString(), Qnn4jCli.class.getName(), "models")
        .inOrder();
    assertThat(
            CliJar.childCommand(
                new String[] {"models"},
                Map.of("QNN4J_JAVA_OPTS", " -Xmx2g  -XX:+UseSerialGC "),
                List.of("-Xmx8g"),
                JAR))
        .containsExactly(
            JAVA,
            "-Xmx2g",
            "-XX:+UseSerialGC",
            "-cp",
            JAR.toString(),
            Qnn4jCli.class.getName(),
            "models")
        .inOrder();
  }

  @Test
  void theChildGetsTheLaunchersThreadPoolSizesUnlessTheUserSetThem() {
    assertThat(CliJar.childEnvironment(Map.of()))
        .containsExactly(
            "OMP_NUM_THREADS", "1", "OPENBLAS_NUM_THREADS", "1", CliJar.CHILD_MARKER, "1");
    assertThat(CliJar.childEnvironment(Map.of("OMP_NUM_THREADS", "4")))
        .containsExactly("OPENBLAS_NUM_THREADS", "1", CliJar.CHILD_MARKER, "1");
  }

  @Test
  void theChildAndRunsOutsideAJarRunInProcess() {
    assertThat(
            CliJar.childCommand(
                new String[] {"models"}, Map.of(CliJar.CHILD_MARKER, "1"), List.of(), JAR))
        .isNull();
    assertThat(CliJar.childCommand(new String[] {"models"}, Map.of(), List.of(), null)).isNull();
  }
}
