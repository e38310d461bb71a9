package dev.qnn4j.processor;

import static com.google.common.truth.Truth.assertThat;
import static com.google.testing.compile.CompilationSubject.assertThat;
import static com.google.testing.compile.Compiler.javac;

import com.google.testing.compile.Compilation;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An exception inside the processor (a bug in qnn4j) is reported as an error on the model being
 * processed, naming the exception, and the compilation goes on: javac does not crash, the other
 * models are still processed.
 */
class ProcessorBugTest {
  /** A valid model named {@code name}: one linear layer. */
  private static TestSource model(String name) {
    return TestSource.model(
        name,
        """
        @QuantModel
        public abstract class %s {
          @QuantLinear(inFeatures = 4, outFeatures = 2)
          abstract Tensor fc(Tensor x);

          public Tensor forward(Tensor x) {
            return fc(x);
          }
        }
        """
            .formatted(name));
  }

  @Test
  void anExceptionInsideTheProcessorIsAnErrorOnTheModel() {
    TestSource broken = model("Broken");
    TestSource healthy = model("Healthy");
    List<String> processed = new ArrayList<>();
    QuantModelProcessor processor =
        new QuantModelProcessor(
            model -> {
              processed.add(model.getSimpleName().toString());
              if (model.getSimpleName().contentEquals("Broken")) {
                throw new IllegalStateException("simulated bug");
              }
            });
    Compilation c = javac().withProcessors(processor).compile(broken.file(), healthy.file());
    assertThat(c).failed();
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining(
            "qnn4j's annotation processor failed on test.Broken with"
                + " java.lang.IllegalStateException: simulated bug at dev.qnn4j.processor.ProcessorBugTest")
        .inFile(broken.file())
        .onLine(broken.lineOf("public abstract class Broken"));
    assertThat(c).hadErrorContaining("this is a bug in qnn4j, please report it");
    // The next model was still processed, and without an error of its own.
    assertThat(processed).containsAtLeast("Broken", "Healthy");
  }

  @Test
  void withoutTheHookTheSameSourcesCompile() {
    Compilation c = TestSource.compile(model("Broken").file(), model("Healthy").file());
    assertThat(c).succeededWithoutWarnings();
  }
}
