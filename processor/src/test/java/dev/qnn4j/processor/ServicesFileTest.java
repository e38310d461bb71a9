package dev.qnn4j.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;

import com.google.testing.compile.Compilation;
import javax.tools.StandardLocation;
import org.junit.jupiter.api.Test;

/**
 * The services file lists the factories of every model of the compilation, each exactly once,
 * sorted.
 */
class ServicesFileTest {
  private static TestSource model(String pkg, String name, String body) {
    return new TestSource(
        pkg + "." + name, "package " + pkg + ";\n\n" + TestSource.IMPORTS + "\n" + body);
  }

  @Test
  void listsTheFactoriesOfAllModels() {
    TestSource first =
        model(
            "zoo.b",
            "Second",
            """
        @QuantModel
        public abstract class Second {
          @ReLU
          abstract Tensor relu(Tensor x);

          public Tensor forward(Tensor x) {
            return relu(x);
          }
        }
        """);
    TestSource second =
        model(
            "zoo.a",
            "First",
            """
        @QuantModel
        public abstract class First {
          @QuantIdentity
          abstract Tensor quantInp(Tensor x);

          public Tensor forward(Tensor x) {
            return quantInp(x);
          }

          @QuantModel
          public abstract static class Inner {
            @ReLU
            abstract Tensor relu(Tensor x);

            public Tensor forward(Tensor x) {
              return relu(x);
            }
          }
        }
        """);
    Compilation c = TestSource.compile(first.file(), second.file());
    assertThat(c).succeededWithoutWarnings();
    assertThat(c)
        .generatedFile(
            StandardLocation.CLASS_OUTPUT, "META-INF/services/dev.qnn4j.runtime.nn.ModelFactory")
        .contentsAsUtf8String()
        .isEqualTo(
            "zoo.a.QuantModel_First$Factory\nzoo.a.QuantModel_First_Inner$Factory\n"
                + "zoo.b.QuantModel_Second$Factory\n");
  }
}
