/**
 * Data sets and batches: {@code Dataset} (images memory-mapped or in the heap, labels), the seeded
 * {@code BatchLoader}, the Fashion-MNIST (IDX) and CIFAR-10 readers, and {@code ImageCache}, the
 * checksummed, memory-mappable file that decoded IDX and CIFAR-10 images are kept in.
 */
package dev.qnn4j.runtime.data;
