package dev.qnn4j.runtime.train;

import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.io.ArrayData;
import dev.qnn4j.runtime.io.FiniteValues;
import dev.qnn4j.runtime.io.NonFiniteValueException;
import dev.qnn4j.runtime.io.Qnn4jFormatException;
import dev.qnn4j.runtime.io.Safetensors;
import dev.qnn4j.runtime.io.Safetensors.SafetensorsFile;
import dev.qnn4j.runtime.io.WeightFiles;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.quant.ActQuantizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Saves and restores models, with their quantizer and optimizer state, as safetensors files.
 *
 * <h2>File layout (format 1)</h2>
 *
 * <ul>
 *   <li><b>Model state</b>: every entry of {@link Model#stateDict()} under its PyTorch name and
 *       layout ({@code conv1.weight} F32 {@code [out, in, kh, kw]}, {@code fc1.weight} F32 {@code
 *       [out, in]}, biases, BatchNorm {@code running_mean}/{@code running_var} F32 and {@code
 *       num_batches_tracked} I64 0-d), including each activation quantizer's learned scale under
 *       Brevitas' name {@code
 *       <layer>.act_quant.fused_activation_quant_proxy.tensor_quant.scaling_impl.value} (F32 0-d).
 *       This part loads into the corresponding PyTorch/Brevitas module.
 *   <li><b>Quantizer state</b>: for every activation quantizer, next to its {@code value}, with the
 *       same prefix {@code <p> = ....scaling_impl}: {@code <p>.buffer} (F32 0-d, the running
 *       statistic, Brevitas' buffer of that name), {@code <p>.counter} and {@code
 *       <p>.collect_stats_steps} (I64 0-d, Brevitas' attributes of those names). {@code value} is
 *       saved as it is, so during the statistics phase ({@code counter <= collect_stats_steps}) it
 *       is the untrained initial value, where Brevitas' own state_dict would store the buffer.
 *   <li><b>Optimizer state</b>: {@code optimizer.<parameter name>.<field>} with PyTorch's field
 *       names: Adam {@code exp_avg}, {@code exp_avg_sq} (F32, the parameter's shape), {@code step}
 *       (I64 0-d); SGD {@code momentum_buffer}.
 *   <li><b>Header metadata</b>: {@code qnn4j.format} ("1"), {@code qnn4j.model} ({@link
 *       Model#modelName()}), {@code qnn4j.model_class}, {@code qnn4j.step}, {@code qnn4j.epoch}
 *       (completed epochs), {@code qnn4j.batch_in_epoch}, {@code qnn4j.batch_size}, {@code
 *       qnn4j.seed}, {@code qnn4j.optimizer} (name or "none") and {@code
 *       qnn4j.optimizer.<hyperparameter>}, plus the caller's {@link TrainingState#metadata()}
 *       entries; a mid-epoch checkpoint of {@link Trainer} also has the epoch's running sums {@code
 *       qnn4j.epoch_loss_sum}, {@code qnn4j.epoch_correct} and {@code qnn4j.epoch_images}.
 * </ul>
 *
 * <p>Files are written atomically, so an interrupted save leaves the previous checkpoint intact.
 * Loading validates every name, dtype and shape before changing the model, so a failed load leaves
 * model and optimizer untouched; failures are one-line {@link Qnn4jFormatException}s naming the
 * file and tensor. To use a checkpoint in PyTorch, load it with {@code safetensors.torch.load_file}
 * and keep the entries the module's state_dict knows.
 */
public final class Checkpoint {
  /** The version written to {@code qnn4j.format}; loading refuses any other. */
  public static final String FORMAT_VERSION = "1";

  public static final String FORMAT_KEY = "qnn4j.format";
  public static final String MODEL_KEY = "qnn4j.model";
  public static final String MODEL_CLASS_KEY = "qnn4j.model_class";
  public static final String STEP_KEY = "qnn4j.step";
  public static final String EPOCH_KEY = "qnn4j.epoch";
  public static final String BATCH_IN_EPOCH_KEY = "qnn4j.batch_in_epoch";
  public static final String BATCH_SIZE_KEY = "qnn4j.batch_size";
  public static final String SEED_KEY = "qnn4j.seed";
  public static final String OPTIMIZER_KEY = "qnn4j.optimizer";

  /** Prefix of optimizer-state tensors. */
  public static final String OPTIMIZER_PREFIX = "optimizer.";

  public static final String BUFFER = ".buffer";
  public static final String COUNTER = ".counter";
  public static final String COLLECT_STATS_STEPS = ".collect_stats_steps";
  private static final String VALUE = ".value";
  private static final String NUM_BATCHES_TRACKED = ".num_batches_tracked";
  private static final String NO_OPTIMIZER = "none";

  private Checkpoint() {}

  /**
   * Writes {@code model} (and {@code optimizer}'s state, if not null) with {@code state} to {@code
   * file}, atomically.
   *
   * @throws NonFiniteValueException naming the tensor, before anything is written, if a weight, a
   *     scale or an optimizer moment is NaN or infinite (an existing file is left unchanged)
   */
  public static void save(Path file, Model model, Optimizer optimizer, TrainingState state)
      throws IOException {
    Map<String, ArrayData> tensors = modelTensors(model);
    if (optimizer != null) {
      for (Map.Entry<String, ArrayData> e : optimizer.stateDict().entrySet()) {
        put(tensors, OPTIMIZER_PREFIX + e.getKey(), e.getValue());
      }
    }
    Map<String, String> metadata = new LinkedHashMap<>(state.metadata());
    // A state read from an older checkpoint carries its header; the reserved entries are rewritten.
    metadata.keySet().removeIf(k -> k.startsWith(OPTIMIZER_KEY + "."));
    metadata.put(FORMAT_KEY, FORMAT_VERSION);
    metadata.put(MODEL_KEY, model.modelName());
    metadata.put(MODEL_CLASS_KEY, model.getClass().getName());
    metadata.put(STEP_KEY, Long.toString(state.step()));
    metadata.put(EPOCH_KEY, Integer.toString(state.epoch()));
    metadata.put(BATCH_IN_EPOCH_KEY, Integer.toString(state.batchInEpoch()));
    metadata.put(BATCH_SIZE_KEY, Integer.toString(state.batchSize()));
    metadata.put(SEED_KEY, Long.toString(state.seed()));
    metadata.put(OPTIMIZER_KEY, optimizer == null ? NO_OPTIMIZER : optimizer.name());
    if (optimizer != null) {
      for (Map.Entry<String, String> h : optimizer.hyperparameters().entrySet()) {
        metadata.put(OPTIMIZER_KEY + "." + h.getKey(), h.getValue());
      }
    }
    for (Map.Entry<String, ArrayData> e : tensors.entrySet()) {
      if (e.getValue().dtype() == ArrayData.DType.FLOAT32) {
        FiniteValues.requireFiniteToWrite(
            file, e.getKey(), e.getValue().floats(), e.getValue().shape());
      }
    }
    Safetensors.write(file, tensors, metadata);
  }

  /**
   * The tensors a checkpoint holds for {@code model}: its state dict in PyTorch dtypes followed by
   * the activation quantizers' state (see the class comment).
   */
  public static Map<String, ArrayData> modelTensors(Model model) {
    Map<String, ArrayData> tensors = new LinkedHashMap<>();
    for (Map.Entry<String, Tensor> e : model.stateDict().entrySet()) {
      String name = e.getKey();
      Tensor t = e.getValue();
      if (name.startsWith(OPTIMIZER_PREFIX)) {
        throw new IllegalArgumentException(
            model.modelName()
                + ": state entry "
                + name
                + " clashes with the checkpoint's optimizer prefix; rename the layer");
      }
      // PyTorch keeps the BatchNorm batch counter as int64; everything else is float32.
      put(
          tensors,
          name,
          name.endsWith(NUM_BATCHES_TRACKED)
              ? ArrayData.ofLongs(new long[] {(long) t.item()})
              : ArrayData.ofFloats(t.toFloatArray(), t.shape()));
    }
    for (Map.Entry<String, ActQuantizer> e : ModelQuantizers.byPrefix(model).entrySet()) {
      ActQuantizer q = e.getValue();
      put(tensors, e.getKey() + BUFFER, ArrayData.ofFloats(new float[] {q.buffer()}));
      put(tensors, e.getKey() + COUNTER, ArrayData.ofLongs(new long[] {q.counter()}));
      put(
          tensors,
          e.getKey() + COLLECT_STATS_STEPS,
          ArrayData.ofLongs(new long[] {q.collectStatsSteps()}));
    }
    return tensors;
  }

  /**
   * Restores a checkpoint written by {@link #save} into {@code model} (and {@code optimizer}, if
   * not null; null ignores the saved optimizer state). Every model tensor and quantizer entry must
   * be present; nothing is changed if anything does not fit.
   *
   * @return the saved training position and the header metadata
   * @throws Qnn4jFormatException naming the file: not a qnn4j checkpoint, another model or
   *     optimizer, a missing, unknown or misshapen tensor
   */
  public static TrainingState load(Path file, Model model, Optimizer optimizer) throws IOException {
    String source = file.toString();
    SafetensorsFile f = WeightFiles.read(file);
    Map<String, String> meta = f.metadata();
    String format = meta.get(FORMAT_KEY);
    if (format == null) {
      throw new Qnn4jFormatException(
          source,
          "not a qnn4j checkpoint (no "
              + FORMAT_KEY
              + " in the header metadata); load plain PyTorch weights with Checkpoint.loadWeights");
    }
    if (!format.equals(FORMAT_VERSION)) {
      throw new Qnn4jFormatException(
          source,
          "checkpoint format "
              + Qnn4jFormatException.quote(format)
              + " is not supported (this version reads format "
              + FORMAT_VERSION
              + ")");
    }
    checkModel(source, meta, model);
    String savedOptimizer = meta.getOrDefault(OPTIMIZER_KEY, NO_OPTIMIZER);
    Plan plan = plan(source, f, model, true);
    if (optimizer != null
        && !plan.optimizerState.isEmpty()
        && !savedOptimizer.equals(optimizer.name())) {
      throw new Qnn4jFormatException(
          source,
          "checkpoint holds "
              + savedOptimizer
              + " optimizer state, cannot load it into "
              + optimizer.name());
    }
    TrainingState state;
    try {
      state =
          new TrainingState(
              longEntry(source, meta, STEP_KEY),
              (int) longEntry(source, meta, EPOCH_KEY),
              (int) longEntry(source, meta, BATCH_IN_EPOCH_KEY),
              longEntry(source, meta, SEED_KEY),
              (int) longEntry(source, meta, BATCH_SIZE_KEY),
              meta);
    } catch (IllegalArgumentException e) {
      throw new Qnn4jFormatException(source, "checkpoint header: " + e.getMessage(), e);
    }
    if (optimizer != null) {
      try {
        // Validates everything before changing anything, so it goes first: the model part below
        // cannot fail any more.
        optimizer.loadStateDict(plan.optimizerState);
      } catch (IllegalArgumentException e) {
        throw new Qnn4jFormatException(source, e.getMessage(), e);
      }
    }
    plan.apply(model);
    return state;
  }

  /**
   * Loads float weights, e.g. a PyTorch or Brevitas {@code state_dict} saved with {@code
   * torch.save} ({@code .pth}, read by {@link dev.qnn4j.runtime.io.TorchFiles}) or with
   * safetensors, or the model part of a checkpoint; the format is told by content (see {@link
   * WeightFiles}). Entries the file lacks keep their values (a float model's file has no quantizer
   * scales); every entry in the file must belong to the model with the same shape (0-d and
   * one-element shapes are interchangeable). A loaded quantizer {@code value} without a {@code
   * counter} marks the scale as trained, as Brevitas does: its statistics phase is skipped.
   * Optimizer entries of a checkpoint are ignored.
   *
   * @throws Qnn4jFormatException naming the file and the first unknown or misshapen tensor
   */
  public static void loadWeights(Path file, Model model) throws IOException {
    loadWeights(file, model, false);
  }

  /**
   * {@link #loadWeights(Path, Model)}, optionally accepting the checkpoint of another model: with
   * {@code anyModel}, the {@code qnn4j.model} header entry is not checked, so e.g. a float LeNet's
   * checkpoint can initialise a quantized LeNet with the same layer names (post-training
   * quantization, fine-tuning). Every tensor must still belong to {@code model} with its shape.
   */
  public static void loadWeights(Path file, Model model, boolean anyModel) throws IOException {
    String source = file.toString();
    SafetensorsFile f = WeightFiles.read(file);
    if (!anyModel && f.metadata().containsKey(MODEL_KEY)) {
      checkModel(source, f.metadata(), model);
    }
    plan(source, f, model, false).apply(model);
  }

  private static void checkModel(String source, Map<String, String> meta, Model model)
      throws Qnn4jFormatException {
    String saved = meta.get(MODEL_KEY);
    if (saved == null) {
      throw new Qnn4jFormatException(source, "checkpoint header lacks " + MODEL_KEY);
    }
    if (!saved.equals(model.modelName())) {
      String savedClass = meta.get(MODEL_CLASS_KEY);
      throw new Qnn4jFormatException(
          source,
          "checkpoint holds model "
              + Qnn4jFormatException.quote(saved)
              + (savedClass == null ? "" : " (" + savedClass + ")")
              + ", cannot load it into "
              + model.modelName()
              + " ("
              + model.getClass().getName()
              + ")");
    }
  }

  // ------------------------------------------------------------------------------------------
  // Validation, then application

  /** A quantizer's saved state; null fields were absent from the file. */
  private static final class QuantizerEntries {
    Float buffer;
    Long counter;
    Long collectStatsSteps;
    boolean valueLoaded;
  }

  /** Everything a load will change, fully validated. */
  private static final class Plan {
    final Map<String, Tensor> modelState = new LinkedHashMap<>();
    final Map<ActQuantizer, QuantizerEntries> quantizers = new LinkedHashMap<>();
    final Map<String, ArrayData> optimizerState = new LinkedHashMap<>();
    boolean strict;

    void apply(Model model) {
      model.loadStateDict(modelState, strict);
      for (Map.Entry<ActQuantizer, QuantizerEntries> e : quantizers.entrySet()) {
        ActQuantizer q = e.getKey();
        QuantizerEntries s = e.getValue();
        float value = q.value().item();
        if (s.counter != null) {
          q.restoreState(s.counter, s.collectStatsSteps, s.buffer, value);
        } else if (s.valueLoaded) {
          // Brevitas: "disable stats collection when a pretrained value is loaded".
          long collect = q.collectStatsSteps();
          long counter = collect == Long.MAX_VALUE ? Long.MAX_VALUE : collect + 1;
          q.restoreState(counter, counter - 1, s.buffer != null ? s.buffer : q.buffer(), value);
        }
      }
    }
  }

  private static Plan plan(String source, SafetensorsFile f, Model model, boolean strict)
      throws Qnn4jFormatException {
    boolean isCheckpoint = f.metadata().containsKey(FORMAT_KEY);
    Map<String, Tensor> expected = model.stateDict();
    Map<String, ActQuantizer> quantizers = ModelQuantizers.byPrefix(model);
    Plan plan = new Plan();
    plan.strict = strict;
    for (Map.Entry<String, ArrayData> e : f.tensors().entrySet()) {
      String name = e.getKey();
      ArrayData a = e.getValue();
      Tensor like = expected.get(name);
      if (like != null) {
        plan.modelState.put(name, toTensor(source, name, a, like, model));
        if (name.endsWith(VALUE)) {
          ActQuantizer q = quantizers.get(name.substring(0, name.length() - VALUE.length()));
          if (q != null) {
            entries(plan, q).valueLoaded = true;
          }
        }
        continue;
      }
      if (name.startsWith(OPTIMIZER_PREFIX) && isCheckpoint) {
        if (a.dtype().isFloatingPoint()) {
          checkFinite(source, name, a, a.toFloatArray());
        }
        plan.optimizerState.put(name.substring(OPTIMIZER_PREFIX.length()), a);
        continue;
      }
      if (!quantizerEntry(source, plan, quantizers, name, a)) {
        throw new Qnn4jFormatException(
            source,
            "tensor "
                + Qnn4jFormatException.quote(name)
                + " does not belong to model "
                + model.modelName());
      }
    }
    if (strict) {
      for (String name : expected.keySet()) {
        if (!plan.modelState.containsKey(name)) {
          throw new Qnn4jFormatException(
              source,
              "tensor "
                  + Qnn4jFormatException.quote(name)
                  + " of model "
                  + model.modelName()
                  + " is missing");
        }
      }
    }
    for (Map.Entry<String, ActQuantizer> q : quantizers.entrySet()) {
      QuantizerEntries s = plan.quantizers.get(q.getValue());
      boolean anyState =
          s != null && (s.buffer != null || s.counter != null || s.collectStatsSteps != null);
      boolean allState =
          s != null && s.buffer != null && s.counter != null && s.collectStatsSteps != null;
      if ((strict || anyState) && !allState) {
        String missing =
            s == null || s.buffer == null
                ? BUFFER
                : s.counter == null ? COUNTER : COLLECT_STATS_STEPS;
        throw new Qnn4jFormatException(
            source,
            "tensor "
                + Qnn4jFormatException.quote(q.getKey() + missing)
                + " (activation quantizer state) is missing");
      }
    }
    return plan;
  }

  /** Records {@code name} if it is a quantizer-state entry; false if it is not one. */
  private static boolean quantizerEntry(
      String source, Plan plan, Map<String, ActQuantizer> quantizers, String name, ArrayData a)
      throws Qnn4jFormatException {
    for (String suffix : new String[] {BUFFER, COUNTER, COLLECT_STATS_STEPS}) {
      if (!name.endsWith(suffix)) {
        continue;
      }
      ActQuantizer q = quantizers.get(name.substring(0, name.length() - suffix.length()));
      if (q == null) {
        return false;
      }
      if (a.numElements() != 1) {
        throw new Qnn4jFormatException(
            source,
            "tensor "
                + Qnn4jFormatException.quote(name)
                + " must be a scalar, has shape "
                + Arrays.toString(a.shape()));
      }
      QuantizerEntries s = entries(plan, q);
      if (suffix.equals(BUFFER)) {
        float[] buffer = a.toFloatArray();
        checkFinite(source, name, a, buffer);
        s.buffer = buffer[0];
      } else {
        if (a.dtype().isFloatingPoint()) {
          throw new Qnn4jFormatException(
              source,
              "tensor "
                  + Qnn4jFormatException.quote(name)
                  + " must be an integer (I64), is "
                  + a.dtype());
        }
        long v = a.toLongArray()[0];
        if (suffix.equals(COUNTER)) {
          // Any value the runtime produced must round-trip, so the counter is not range-checked.
          s.counter = v;
        } else if (v < 1) {
          throw new Qnn4jFormatException(
              source, "tensor " + Qnn4jFormatException.quote(name) + " must be positive, is " + v);
        } else {
          s.collectStatsSteps = v;
        }
      }
      return true;
    }
    return false;
  }

  private static QuantizerEntries entries(Plan plan, ActQuantizer q) {
    return plan.quantizers.computeIfAbsent(q, k -> new QuantizerEntries());
  }

  private static Tensor toTensor(String source, String name, ArrayData a, Tensor like, Model model)
      throws Qnn4jFormatException {
    long[] shape = like.shape();
    boolean sameShape =
        Arrays.equals(a.shape(), shape) || (a.numElements() == 1 && like.numel() == 1);
    if (!sameShape) {
      throw new Qnn4jFormatException(
          source,
          "tensor "
              + Qnn4jFormatException.quote(name)
              + " has shape "
              + Arrays.toString(a.shape())
              + ", model "
              + model.modelName()
              + " expects "
              + Arrays.toString(shape));
    }
    if (!a.dtype().isFloatingPoint() && !name.endsWith(NUM_BATCHES_TRACKED)) {
      throw new Qnn4jFormatException(
          source,
          "tensor "
              + Qnn4jFormatException.quote(name)
              + " must be floating point, is "
              + a.dtype());
    }
    float[] values = a.toFloatArray();
    checkFinite(source, name, a, values);
    return Tensor.of(values, shape);
  }

  /**
   * Rejects NaN and infinite values (and float64 values beyond float32's range): a run that
   * diverged never saves them (see {@link TrainingDivergedException}), so they mean a corrupt or
   * foreign file, which would otherwise surface much later as a NaN loss.
   */
  private static void checkFinite(String source, String name, ArrayData a, float[] values)
      throws Qnn4jFormatException {
    int i = FiniteValues.firstNonFinite(values);
    if (i >= 0) {
      double original = a.dtype() == ArrayData.DType.FLOAT64 ? a.doubles()[i] : values[i];
      String value =
          Double.isFinite(original)
              ? original + " (beyond float32's range)"
              : Double.toString(original);
      throw new Qnn4jFormatException(
          source,
          "tensor "
              + Qnn4jFormatException.quote(name)
              + " holds "
              + value
              + " at element "
              + i
              + " of shape "
              + Arrays.toString(a.shape())
              + "; only finite values can be loaded");
    }
  }

  private static long longEntry(String source, Map<String, String> meta, String key)
      throws Qnn4jFormatException {
    String v = meta.get(key);
    if (v == null) {
      throw new Qnn4jFormatException(source, "checkpoint header lacks " + key);
    }
    try {
      long n = Long.parseLong(v.trim());
      boolean intKey = !key.equals(STEP_KEY) && !key.equals(SEED_KEY);
      if (intKey && (n < 0 || n > Integer.MAX_VALUE)) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new Qnn4jFormatException(
          source,
          "checkpoint header entry "
              + key
              + " = "
              + Qnn4jFormatException.quote(v)
              + " is not a valid number");
    }
  }

  private static void put(Map<String, ArrayData> tensors, String name, ArrayData a) {
    if (tensors.put(name, a) != null) {
      throw new IllegalArgumentException("two checkpoint entries are named " + name);
    }
  }
}
