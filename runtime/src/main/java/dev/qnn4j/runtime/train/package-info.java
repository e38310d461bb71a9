/**
 * Training: the {@code Trainer} (QAT with SGD or Adam, optionally accumulating gradients over
 * shards), the {@code Evaluator}, the cross-entropy loss, checkpoints in safetensors with PyTorch's
 * names ({@code Checkpoint}, {@code TrainingState}), and the metrics a run writes.
 */
package dev.qnn4j.runtime.train;
