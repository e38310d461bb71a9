package dev.qnn4j.spark;

import dev.qnn4j.runtime.data.Dataset;
import dev.qnn4j.runtime.nn.Model;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.spark.broadcast.Broadcast;

/**
 * Executor-side helpers shared by the distributed jobs. Tasks have no side effects besides the data
 * cache.
 */
final class Workers {
  private Workers() {}

  /**
   * A data source as broadcast, with an id unique to this broadcast: broadcast ids restart with
   * each Spark session, and one JVM may see several sessions.
   */
  record DataRef(String id, DataSource source) implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  static DataRef ref(DataSource source) {
    return new DataRef(UUID.randomUUID().toString(), source);
  }

  /**
   * Data sets loaded on this JVM, by {@link DataRef#id}; the oldest is dropped beyond a few runs.
   */
  private static final Map<String, Dataset> DATA =
      new LinkedHashMap<>(4, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Dataset> eldest) {
          return size() > 4;
        }
      };

  /** Tests only: runs at the start of every training task, e.g. to make one attempt fail. */
  static volatile Runnable taskHook;

  static Dataset dataset(Broadcast<DataRef> broadcast) {
    DataRef ref = broadcast.value();
    synchronized (DATA) {
      Dataset d = DATA.get(ref.id());
      if (d == null) {
        try {
          d = ref.source().load();
        } catch (IOException e) {
          throw new UncheckedIOException("executor cannot read the data set: " + e.getMessage(), e);
        }
        DATA.put(ref.id(), d);
      }
      return d;
    }
  }

  /**
   * This task thread's model built by {@code source}, reused across tasks (building one costs a
   * random initialisation): every task loads the whole broadcast state into it before use, which
   * leaves nothing of the previous task behind (a resumed checkpoint continues bit for bit).
   */
  static Model model(ModelSource source, String name) {
    Map<String, Model> mine = MODELS.get();
    String key = source.getClass().getName() + "/" + name;
    Model m = mine.get(key);
    if (m == null) {
      m = source.create();
      mine.put(key, m);
    }
    return m;
  }

  private static final ThreadLocal<Map<String, Model>> MODELS =
      ThreadLocal.withInitial(HashMap::new);

  static void beforeTask() {
    Runnable hook = taskHook;
    if (hook != null) {
      hook.run();
    }
  }

  /**
   * The images of examples {@code indices} of {@code data}, {@code [n, C, H, W]} row-major, as
   * BatchLoader copies them.
   */
  static float[] images(Dataset data, int[] indices) {
    int size = data.imageSize();
    float[] x = new float[indices.length * size];
    for (int i = 0; i < indices.length; i++) {
      data.copyImage(indices[i], x, i * size);
    }
    return x;
  }

  static int[] labels(Dataset data, int[] indices) {
    int[] y = new int[indices.length];
    for (int i = 0; i < indices.length; i++) {
      y[i] = data.label(indices[i]);
    }
    return y;
  }

  static long[] shape(Dataset data, int n) {
    return new long[] {n, data.channels(), data.height(), data.width()};
  }
}
