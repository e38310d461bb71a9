package dev.qnn4j.processor;

import com.google.auto.service.AutoService;
import com.sun.source.util.Trees;
import dev.qnn4j.processor.auto.AutoModelDescriptor;
import dev.qnn4j.processor.auto.AutoQuantizer;
import dev.qnn4j.processor.forward.ForwardParser;
import dev.qnn4j.processor.forward.ForwardProgram;
import dev.qnn4j.processor.forward.ForwardProgram.Unsupported;
import dev.qnn4j.processor.forward.StepPlan;
import dev.qnn4j.processor.generation.AutoModelGenerator;
import dev.qnn4j.processor.generation.ModelGenerator;
import dev.qnn4j.processor.generation.ServicesFile;
import dev.qnn4j.processor.model.Companion;
import dev.qnn4j.processor.model.LayerDescriptor;
import dev.qnn4j.processor.model.LayerKind;
import dev.qnn4j.processor.model.ModelDescriptor;
import dev.qnn4j.processor.model.ModelExtractor;
import dev.qnn4j.processor.validation.Diagnostic;
import dev.qnn4j.processor.validation.ForwardAnalyzer;
import dev.qnn4j.processor.validation.Messages;
import dev.qnn4j.processor.validation.Validator;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Stream;
import javax.annotation.processing.AbstractProcessor;
import javax.annotation.processing.ProcessingEnvironment;
import javax.annotation.processing.Processor;
import javax.annotation.processing.RoundEnvironment;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.TypeElement;
import javax.lang.model.type.TypeKind;
import javax.lang.model.type.TypeMirror;
import javax.tools.FileObject;
import javax.tools.StandardLocation;

/**
 * Checks every {@code @QuantModel} class and generates {@code QuantModel_<Name>} plus its factory;
 * in the last round writes the {@code ModelFactory} services file listing the factories of the
 * compilation. Pipeline per model: {@link ModelExtractor} (elements to a descriptor), {@link
 * Validator} (all diagnostics at once), {@link ModelGenerator} (only when there is no error).
 * {@code @QuantizeFrom} types (automated quantization) go through {@link AutoQuantizer} (rules
 * applied to the float model, checked) and {@link AutoModelGenerator}.
 */
@AutoService(Processor.class)
public final class QuantModelProcessor extends AbstractProcessor {
  private ModelExtractor extractor;
  private Validator validator;
  private Optional<Trees> trees;
  private Optional<ForwardParser> parser;
  private final ModelGenerator generator = new ModelGenerator();
  private final AutoModelGenerator autoGenerator = new AutoModelGenerator();
  private AutoQuantizer autoQuantizer;

  /** Factories generated in this compilation, by binary name. */
  private final Set<String> factories = new TreeSet<>();

  /**
   * Models whose signatures mention types not generated yet (by another processor): retried next
   * round.
   */
  private final Set<String> deferred = new LinkedHashSet<>();

  /**
   * Runs before each model is processed; tests use it to make the processor fail as a bug would.
   */
  private final Consumer<TypeElement> beforeEachModel;

  public QuantModelProcessor() {
    this(model -> {});
  }

  QuantModelProcessor(Consumer<TypeElement> beforeEachModel) {
    this.beforeEachModel = beforeEachModel;
  }

  @Override
  public synchronized void init(ProcessingEnvironment env) {
    super.init(env);
    extractor = new ModelExtractor(env.getElementUtils());
    trees = treesOf(env);
    parser = trees.map(t -> new ForwardParser(t, env.getElementUtils()));
    validator = new Validator(parser.map(ForwardAnalyzer::new));
    autoQuantizer = new AutoQuantizer(env.getElementUtils(), env.getTypeUtils(), validator, parser);
  }

  /** javac's tree API, for the checks that read forward's body; absent on other compilers. */
  private static Optional<Trees> treesOf(ProcessingEnvironment env) {
    try {
      return Optional.of(Trees.instance(env));
    } catch (IllegalArgumentException | LinkageError notJavac) {
      return Optional.empty();
    }
  }

  @Override
  public Set<String> getSupportedAnnotationTypes() {
    Set<String> names = new TreeSet<>();
    names.add(ModelExtractor.QUANT_MODEL);
    names.add(ModelExtractor.QUANTIZE_FROM);
    Stream.of(LayerKind.values()).forEach(k -> names.add(k.annotationName()));
    Stream.of(Companion.values()).forEach(c -> names.add(c.annotationName()));
    return names;
  }

  @Override
  public Set<String> getSupportedOptions() {
    return Set.of(REQUIRE_COMPILED);
  }

  /**
   * {@code -Aqnn4j.requireCompiled=true}: a model whose training step cannot be compiled is an
   * error, not a note.
   */
  public static final String REQUIRE_COMPILED = "qnn4j.requireCompiled";

  @Override
  public SourceVersion getSupportedSourceVersion() {
    return SourceVersion.latestSupported();
  }

  @Override
  public boolean process(Set<? extends TypeElement> annotations, RoundEnvironment round) {
    Set<TypeElement> models = new LinkedHashSet<>();
    for (String name : deferred) {
      TypeElement t = processingEnv.getElementUtils().getTypeElement(name);
      if (t != null) {
        models.add(t);
      }
    }
    deferred.clear();
    TypeElement quantModel =
        processingEnv.getElementUtils().getTypeElement(ModelExtractor.QUANT_MODEL);
    if (quantModel != null) {
      for (Element e : round.getElementsAnnotatedWith(quantModel)) {
        if (e instanceof TypeElement t) {
          models.add(t);
        }
      }
    }
    TypeElement quantizeFrom =
        processingEnv.getElementUtils().getTypeElement(ModelExtractor.QUANTIZE_FROM);
    if (quantizeFrom != null) {
      for (Element e : round.getElementsAnnotatedWith(quantizeFrom)) {
        if (e instanceof TypeElement t) {
          models.add(t);
        }
      }
    }
    for (TypeElement model : models) {
      try {
        beforeEachModel.accept(model);
        if (!round.processingOver() && mentionsUngeneratedTypes(model)) {
          deferred.add(model.getQualifiedName().toString());
        } else if (ModelExtractor.findAnnotation(model, ModelExtractor.QUANTIZE_FROM).isPresent()) {
          processAutomated(model, !round.processingOver());
        } else {
          process(model, !round.processingOver());
        }
      } catch (RuntimeException | LinkageError | AssertionError bug) {
        // A bug in the processor: an error on the model, naming the exception, instead of a javac
        // crash.
        processingEnv
            .getMessager()
            .printMessage(
                javax.tools.Diagnostic.Kind.ERROR,
                Messages.processorBug(model.getQualifiedName().toString(), bug),
                model);
      }
    }
    reportLayersOutsideModels(round);
    if (round.processingOver()) {
      writeServicesFile();
    }
    return false;
  }

  private void process(TypeElement type, boolean mayGenerate) {
    ModelDescriptor model = extractor.extract(type);
    List<Diagnostic> diagnostics = validator.validate(model);
    diagnostics.forEach(this::print);
    if (!mayGenerate || diagnostics.stream().anyMatch(Diagnostic::isError)) {
      return;
    }
    Optional<StepPlan> plan = compiledStep(model, type);
    if (plan.isEmpty() && requireCompiled()) {
      return;
    }
    try {
      generator.generate(model, plan).writeTo(processingEnv.getFiler());
      factories.add(model.factoryBinaryName());
    } catch (IOException e) {
      processingEnv
          .getMessager()
          .printMessage(
              javax.tools.Diagnostic.Kind.ERROR,
              Messages.cannotWrite(model.generatedSimpleName(), e.getMessage()),
              type);
    }
  }

  /** Automated quantization: a {@code @QuantizeFrom} type and the float model it names. */
  private void processAutomated(TypeElement holder, boolean mayGenerate) {
    AutoQuantizer.Result result = autoQuantizer.derive(holder);
    result.diagnostics().forEach(this::print);
    if (!mayGenerate || result.model() == null) {
      return;
    }
    Optional<StepPlan> plan = compiledStep(result.model(), holder);
    if (plan.isEmpty() && requireCompiled()) {
      return;
    }
    try {
      autoGenerator.generate(result.model(), plan).writeTo(processingEnv.getFiler());
      factories.add(result.model().factoryBinaryName());
    } catch (IOException e) {
      processingEnv
          .getMessager()
          .printMessage(
              javax.tools.Diagnostic.Kind.ERROR,
              Messages.cannotWrite(result.model().generatedSimpleName(), e.getMessage()),
              holder);
    }
  }

  /**
   * The plan of the model's compiled training step, or empty after a note (or error) saying why
   * there is none.
   */
  private Optional<StepPlan> compiledStep(ModelDescriptor model, TypeElement type) {
    if (parser.isEmpty() || !model.declaresForward()) {
      notCompiled(type, model.modelName(), "its forward method is not declared in the model class");
      return Optional.empty();
    }
    Map<String, LayerDescriptor> layers = model.layersByMethod();
    long[] inputShape = model.inputShapeOrNull();
    try {
      ForwardProgram program = parser.get().parse(model.forward(), type, layers.keySet());
      if (program == null) {
        notCompiled(type, model.modelName(), "its forward method is not straight-line code");
        return Optional.empty();
      }
      return Optional.of(StepPlan.of(program, inputShape, layers));
    } catch (Unsupported reason) {
      notCompiled(type, model.modelName(), reason.getMessage());
      return Optional.empty();
    }
  }

  /**
   * The plan of a {@code @QuantizeFrom} model's compiled training step: the float model's forward
   * over the derived layers, or empty after a note (or error) saying why there is none.
   */
  private Optional<StepPlan> compiledStep(AutoModelDescriptor model, TypeElement holder) {
    ModelDescriptor floatModel = model.floatModel();
    Map<String, LayerDescriptor> layers = new java.util.HashMap<>();
    for (LayerDescriptor layer : model.layers()) {
      layers.putIfAbsent(layer.methodName(), layer);
    }
    try {
      ForwardProgram program =
          parser.isEmpty()
              ? null
              : parser.get().parse(floatModel.forward(), floatModel.type(), layers.keySet());
      if (program == null) {
        notCompiled(holder, model.modelName(), "its forward method is not straight-line code");
        return Optional.empty();
      }
      return Optional.of(StepPlan.of(program, floatModel.inputShapeOrNull(), layers));
    } catch (Unsupported reason) {
      notCompiled(holder, model.modelName(), reason.getMessage());
      return Optional.empty();
    }
  }

  private boolean requireCompiled() {
    return Boolean.parseBoolean(processingEnv.getOptions().getOrDefault(REQUIRE_COMPILED, "false"));
  }

  private void notCompiled(TypeElement type, String modelName, String reason) {
    javax.tools.Diagnostic.Kind kind =
        requireCompiled() ? javax.tools.Diagnostic.Kind.ERROR : javax.tools.Diagnostic.Kind.NOTE;
    processingEnv
        .getMessager()
        .printMessage(kind, Messages.notCompiled(modelName, reason, requireCompiled()), type);
  }

  private boolean mentionsUngeneratedTypes(TypeElement type) {
    if (ModelExtractor.findAnnotation(type, ModelExtractor.QUANTIZE_FROM).isPresent()) {
      // The float model must be resolved, and its own signatures complete.
      TypeElement floatModel = AutoQuantizer.floatClass(type, processingEnv.getElementUtils());
      return floatModel == null
          || (!floatModel.equals(type) && mentionsUngeneratedTypes(floatModel));
    }
    for (Element e : type.getEnclosedElements()) {
      if (e instanceof ExecutableElement m && ModelExtractor.isLayerMethod(m)) {
        List<TypeMirror> types = new ArrayList<>();
        types.add(m.getReturnType());
        m.getParameters().forEach(p -> types.add(p.asType()));
        if (types.stream().anyMatch(t -> t.getKind() == TypeKind.ERROR)) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Layer annotations mean nothing outside a {@code @QuantModel} class: say so instead of ignoring
   * them.
   */
  private void reportLayersOutsideModels(RoundEnvironment round) {
    for (String name : getSupportedAnnotationTypes()) {
      TypeElement annotation = processingEnv.getElementUtils().getTypeElement(name);
      if (annotation == null
          || name.equals(ModelExtractor.QUANT_MODEL)
          || name.equals(ModelExtractor.QUANTIZE_FROM)) {
        continue;
      }
      for (Element e : round.getElementsAnnotatedWith(annotation)) {
        Element owner = e.getEnclosingElement();
        boolean inModel =
            owner.getKind() == ElementKind.CLASS
                && owner.getAnnotationMirrors().stream()
                    .anyMatch(
                        m ->
                            ((TypeElement) m.getAnnotationType().asElement())
                                .getQualifiedName()
                                .contentEquals(ModelExtractor.QUANT_MODEL));
        if (!inModel) {
          AnnotationMirror mirror =
              e.getAnnotationMirrors().stream()
                  .filter(m -> m.getAnnotationType().asElement().equals(annotation))
                  .findFirst()
                  .orElse(null);
          processingEnv
              .getMessager()
              .printMessage(
                  javax.tools.Diagnostic.Kind.ERROR,
                  Messages.layerOutsideModel(annotation.getSimpleName()),
                  e,
                  mirror);
        }
      }
    }
  }

  private void print(Diagnostic d) {
    if (d.tree() != null && trees.isPresent()) {
      trees.get().printMessage(d.kind(), d.message(), d.tree(), d.unit());
    } else if (d.mirror() == null) {
      processingEnv.getMessager().printMessage(d.kind(), d.message(), d.element());
    } else if (d.value() == null) {
      processingEnv.getMessager().printMessage(d.kind(), d.message(), d.element(), d.mirror());
    } else {
      processingEnv
          .getMessager()
          .printMessage(d.kind(), d.message(), d.element(), d.mirror(), d.value());
    }
  }

  /**
   * Merges this compilation's factories with those of an existing services file (an incremental
   * build), keeping old entries only while their classes still exist.
   */
  private void writeServicesFile() {
    Set<String> entries = new TreeSet<>(factories);
    try {
      FileObject existing =
          processingEnv
              .getFiler()
              .getResource(StandardLocation.CLASS_OUTPUT, "", ServicesFile.PATH);
      try (Reader in = existing.openReader(true)) {
        for (String entry : ServicesFile.read(in)) {
          if (processingEnv.getElementUtils().getTypeElement(entry.replace('$', '.')) != null) {
            entries.add(entry);
          }
        }
      }
    } catch (IOException | IllegalArgumentException noExistingFile) {
      // First build: nothing to merge.
    }
    if (entries.isEmpty()) {
      return;
    }
    try {
      FileObject file =
          processingEnv
              .getFiler()
              .createResource(StandardLocation.CLASS_OUTPUT, "", ServicesFile.PATH);
      try (Writer out =
          new java.io.OutputStreamWriter(file.openOutputStream(), StandardCharsets.UTF_8)) {
        ServicesFile.write(entries, out);
      }
    } catch (IOException e) {
      processingEnv
          .getMessager()
          .printMessage(
              javax.tools.Diagnostic.Kind.ERROR,
              Messages.cannotWrite(ServicesFile.PATH, e.getMessage()));
    }
  }
}
