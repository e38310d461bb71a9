package dev.qnn4j.runtime.train;

import dev.qnn4j.runtime.Tensor;

/** The training loss of a {@link Trainer}: logits {@code [N, C]} against class indices. */
public enum Loss {
  /** Softmax cross-entropy, PyTorch's {@code F.cross_entropy} (the default). */
  CROSS_ENTROPY("cross-entropy"),
  /** bnn_pynq's squared hinge loss against +-1 one-hot targets: {@link SqrHingeLoss}. */
  SQR_HINGE("sqr-hinge");

  private final String id;

  Loss(String id) {
    this.id = id;
  }

  /** The name used on the command line and in checkpoints' metadata. */
  public String id() {
    return id;
  }

  /** The mean loss of the batch. */
  public Tensor mean(Tensor logits, int[] labels) {
    return switch (this) {
      case CROSS_ENTROPY -> CrossEntropyLoss.mean(logits, labels);
      case SQR_HINGE -> SqrHingeLoss.mean(logits, labels);
    };
  }
}
