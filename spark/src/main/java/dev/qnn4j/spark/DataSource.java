package dev.qnn4j.spark;

import dev.qnn4j.runtime.data.Dataset;
import java.io.IOException;
import java.io.Serializable;

/**
 * Where the executors get a data set: broadcast once per run, then {@link #load()}ed at most once
 * per executor JVM and kept while the run lasts. Tasks address examples by their index in it, so
 * every executor must see the same examples in the same order (the same files, or the in-memory
 * arrays of {@link #of}).
 */
@FunctionalInterface
public interface DataSource extends Serializable {
  Dataset load() throws IOException;

  /** The data set's arrays themselves, shipped to each executor once with the broadcast. */
  static DataSource of(Dataset data) {
    float[] images = data.images();
    int[] labels = data.labels();
    int channels = data.channels();
    int height = data.height();
    int width = data.width();
    int classes = data.numClasses();
    return () -> Dataset.of(images, labels, channels, height, width, classes);
  }
}
