package dev.qnn4j.spark;

import dev.qnn4j.runtime.data.Dataset;
import dev.qnn4j.runtime.io.ArrayData;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.reference.HandWiredLeNets;
import dev.qnn4j.runtime.train.Checkpoint;
import dev.qnn4j.runtime.train.Optimizer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/** One in-process Spark session per test class, and small deterministic data. */
final class SparkTestSupport {
  private SparkTestSupport() {}

  static final String MODEL = "QuantWeightActBiasLeNet";
  static final ModelSource LENET = () -> HandWiredLeNets.create(MODEL);

  static SparkSession session(String master) {
    return SparkSession.builder()
        .master(master)
        .appName("qnn4j-spark-test")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate();
  }

  static JavaSparkContext context(SparkSession session) {
    return JavaSparkContext.fromSparkContext(session.sparkContext());
  }

  /**
   * {@code n} images 3x32x32 of 10 classes: noise plus a class-dependent bright square, so a LeNet
   * learns something in a few steps.
   */
  static Dataset images(int n, long seed) {
    Random rng = new Random(seed);
    float[] x = new float[n * 3 * 32 * 32];
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      y[i] = rng.nextInt(10);
      int row = (y[i] / 5) * 16;
      int col = (y[i] % 5) * 6;
      for (int c = 0; c < 3; c++) {
        for (int h = 0; h < 32; h++) {
          for (int w = 0; w < 32; w++) {
            float v = (float) (rng.nextGaussian() * 0.3);
            if (h >= row && h < row + 12 && w >= col && w < col + 6) {
              v += 1f;
            }
            x[((i * 3 + c) * 32 + h) * 32 + w] = v;
          }
        }
      }
    }
    return Dataset.of(x, y, 3, 32, 32, 10);
  }

  /**
   * Everything a checkpoint would hold of {@code model} and {@code optimizer}, for exact
   * comparison.
   */
  static Map<String, ArrayData> state(Model model, Optimizer optimizer) {
    Map<String, ArrayData> s = new LinkedHashMap<>(Checkpoint.modelTensors(model));
    if (optimizer != null) {
      for (Map.Entry<String, ArrayData> e : optimizer.stateDict().entrySet()) {
        s.put("optimizer." + e.getKey(), e.getValue());
      }
    }
    return s;
  }

  /** A copy of {@code model} with the same state, through the broadcast format. */
  static Model copy(Model model) {
    Model m = LENET.create();
    ModelState.of(model, null).loadInto(m, null);
    return m;
  }
}
