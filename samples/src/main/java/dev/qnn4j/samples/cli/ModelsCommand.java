package dev.qnn4j.samples.cli;

import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.nn.ModelFactory;
import java.util.Arrays;
import picocli.CommandLine.Command;

@Command(
    name = "models",
    description =
        "Lists the models on the class path (and in --classpath jars), with Brevitas' zoo name"
            + " where the model is one of its bnn_pynq examples (--model accepts either name).",
    footer = {"", "Example:", "  qnn4j models --classpath my-models.jar"})
final class ModelsCommand extends BaseCommand {
  @Override
  public Integer call() {
    SummaryTable t = new SummaryTable("model", "zoo name", "class", "input shape");
    for (ModelFactory f : Models.all(Models.loader(classpath))) {
      String shape;
      try {
        Model m = f.create();
        shape = m.inputShape().length == 0 ? "undeclared" : Arrays.toString(m.inputShape());
      } catch (RuntimeException | LinkageError e) {
        shape = "cannot create: " + e.getMessage();
      }
      String zoo = ZooNames.of(f.declaringClassName());
      t.addRow(f.modelName(), zoo == null ? "" : zoo, f.declaringClassName(), shape);
    }
    t.print(out());
    return Qnn4jCli.OK;
  }
}
