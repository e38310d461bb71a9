package dev.qnn4j.runtime.nn;

/**
 * A model's forward and backward pass compiled by the annotation processor: explicit calls of the
 * runtime's kernels on buffers sized from the model's static shapes, allocated once per batch size
 * and reused, with no autograd tape. It computes exactly (bit for bit) what the tape computes for
 * the same model; the trainer and evaluator use it whenever {@link Model#compiledStep()} has one.
 * The buffers it returns are its own and are overwritten by the next call.
 */
public interface CompiledStep {
  /**
   * The forward pass of {@code batch} samples (row-major {@code [batch, inputShape...]}): the
   * logits {@code [batch, classes]}.
   */
  float[] forward(float[] input, int batch);

  /** The mean cross-entropy of the last forward's logits against {@code labels}. */
  float loss(int[] labels);

  /**
   * The backward pass of the last {@link #loss}: adds each parameter's gradient, as the tape's
   * backward does.
   */
  void backward();

  /** The number of logits per sample. */
  int classes();
}
