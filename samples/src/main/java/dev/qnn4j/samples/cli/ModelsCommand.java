package dev.qnn4j.samples.cli;

import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.nn.ModelFactory;
import java.util.Arrays;
import picocli.CommandLine.Command;

@Command(
    name = "models",
    description = "Lists the models on the class path (and in --classpath jars).",
    footer = {"", "Example:", "  qnn4j models --classpath my-models.jar"})
final class ModelsCommand extends BaseCommand {
  @Override
  public Integer call() {
    SummaryTable t = new SummaryTable("model", "class", "input shape");
    for (ModelFactory f : Models.all(Models.loader(classpath))) {
      String shape;
      try {
        Model m = f.create();
        shape = m.inputShape().length == 0 ? "undeclared" : Arrays.toString(m.inputShape());
      } catch (RuntimeException | LinkageError e) {
        shape = "cannot create: " + e.getMessage();
      }
      t.addRow(f.modelName(), f.declaringClassName(), shape);
    }
    t.print(out());
    return Qnn4jCli.OK;
  }
}
