package dev.qnn4j.processor;

import static com.google.common.truth.Truth.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Gradle's incremental annotation processing: the processor jar declares each registered processor
 * with its category. Aggregating, because one services file lists the factories of all models of a
 * compilation (see ServicesFileTest), and @QuantizeFrom reads another model class.
 */
class GradleIncrementalTest {
  private static List<String> lines(String resource) throws IOException {
    try (InputStream in =
        QuantModelProcessor.class.getClassLoader().getResourceAsStream(resource)) {
      assertThat(in).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8)
          .lines()
          .filter(l -> !l.isBlank() && !l.startsWith("#"))
          .toList();
    }
  }

  @Test
  void everyRegisteredProcessorIsDeclaredAggregating() throws IOException {
    List<String> registered = lines("META-INF/services/javax.annotation.processing.Processor");
    assertThat(registered).containsExactly(QuantModelProcessor.class.getName());

    assertThat(lines("META-INF/gradle/incremental.annotation.processors"))
        .containsExactlyElementsIn(registered.stream().map(p -> p + ",aggregating").toList());
  }
}
