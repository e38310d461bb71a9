package dev.qnn4j.runtime.data;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;

/**
 * Cuts a {@link Dataset} into mini-batches, one pass ("epoch") at a time.
 *
 * <p>With {@code shuffle} the order of an epoch is a Fisher-Yates permutation drawn from a
 * generator seeded with {@code seed} and the epoch index only, so a run can be reproduced, or
 * resumed at any epoch, from its seed. Without {@code shuffle} batches follow the data set order.
 * The last, partial batch is kept unless {@code dropLast} is set.
 *
 * <p>Only the examples of the batch being cut are read, so a memory-mapped data set is paged in
 * batch by batch.
 *
 * <p>Every {@link Batch} gets freshly allocated arrays that the receiver owns, so batches stay
 * valid when kept (e.g. by an asynchronous prefetcher).
 */
public final class BatchLoader {

  private final Dataset dataset;
  private final int batchSize;
  private final boolean shuffle;
  private final long seed;
  private final boolean dropLast;

  public BatchLoader(Dataset dataset, int batchSize, boolean shuffle, long seed) {
    this(dataset, batchSize, shuffle, seed, false);
  }

  public BatchLoader(Dataset dataset, int batchSize, boolean shuffle, long seed, boolean dropLast) {
    if (batchSize <= 0) {
      throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
    }
    this.dataset = dataset;
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.seed = seed;
    this.dropLast = dropLast;
  }

  public Dataset dataset() {
    return dataset;
  }

  public int batchSize() {
    return batchSize;
  }

  /** Batches per epoch. */
  public int numBatches() {
    int full = dataset.size() / batchSize;
    return dropLast || dataset.size() % batchSize == 0 ? full : full + 1;
  }

  /**
   * The order in which epoch {@code epoch} visits the examples: a permutation of {@code 0..N-1},
   * the identity without shuffling.
   */
  public int[] order(int epoch) {
    int n = dataset.size();
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    if (shuffle) {
      // Mixing the epoch into the seed (rather than drawing epochs from one stream) lets epoch k be
      // reproduced without replaying epochs 0..k-1.
      SplittableRandom random = new SplittableRandom(seed * 1_000_003L + epoch);
      for (int i = n - 1; i > 0; i--) {
        int j = random.nextInt(i + 1);
        int tmp = order[i];
        order[i] = order[j];
        order[j] = tmp;
      }
    }
    return order;
  }

  /** The batches of epoch {@code epoch} (0-based); each iteration yields the same batches. */
  public Iterable<Batch> epoch(int epoch) {
    return () -> new BatchIterator(order(epoch));
  }

  private final class BatchIterator implements Iterator<Batch> {
    private final int[] order;
    private final int end;
    private int next;

    BatchIterator(int[] order) {
      this.order = order;
      this.end = dropLast ? order.length - order.length % batchSize : order.length;
    }

    @Override
    public boolean hasNext() {
      return next < end;
    }

    @Override
    public Batch next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      int size = Math.min(batchSize, end - next);
      int imageSize = dataset.imageSize();
      float[] images = new float[size * imageSize];
      int[] labels = new int[size];
      int[] indices = new int[size];
      for (int b = 0; b < size; b++) {
        int index = order[next + b];
        dataset.copyImage(index, images, b * imageSize);
        labels[b] = dataset.label(index);
        indices[b] = index;
      }
      next += size;
      return new Batch(
          images,
          labels,
          indices,
          new long[] {size, dataset.channels(), dataset.height(), dataset.width()},
          dataset.alwaysFinite());
    }
  }

  /**
   * One mini-batch: images {@code [B, C, H, W]} row-major and their labels. The arrays belong to
   * the receiver (they are not shared with the loader).
   */
  public static final class Batch {
    private final float[] images;
    private final int[] labels;
    private final int[] indices;
    private final long[] shape;
    private final boolean knownFinite;

    Batch(float[] images, int[] labels, int[] indices, long[] shape, boolean knownFinite) {
      this.images = images;
      this.labels = labels;
      this.indices = indices;
      this.shape = shape;
      this.knownFinite = knownFinite;
    }

    /** True if the images were decoded from bytes, so none of them can be NaN or infinite. */
    public boolean knownFinite() {
      return knownFinite;
    }

    /** Images {@code [B, C, H, W]}, row-major; not a copy. */
    public float[] images() {
      return images;
    }

    /** Labels {@code [B]}; not a copy. */
    public int[] labels() {
      return labels;
    }

    /** Positions of the examples in the data set, {@code [B]}; not a copy. */
    public int[] indices() {
      return indices;
    }

    /** {@code [B, C, H, W]}. */
    public long[] shape() {
      return shape.clone();
    }

    /** Number of examples B. */
    public int size() {
      return labels.length;
    }
  }
}
