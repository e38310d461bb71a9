package dev.qnn4j.spark;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.qnn4j.runtime.data.Dataset;
import dev.qnn4j.runtime.io.ArrayData;
import dev.qnn4j.runtime.io.Npy;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.train.Adam;
import dev.qnn4j.runtime.train.Trainer;
import dev.qnn4j.runtime.train.TrainerConfig;
import dev.qnn4j.runtime.train.TrainingState;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Executors in JVMs of their own: Spark's {@code local-cluster[2,1,1024]} starts a standalone
 * master and two workers in this JVM, and each worker launches its executor as a separate Java
 * process, as on a cluster. (The worker looks for Spark's {@code jars} directory under {@code
 * SPARK_HOME}, which the build points at {@code target/spark-home}; the executors get this JVM's
 * class path and module openings.)
 */
class SparkSeparateExecutorsTest {
  @TempDir Path dir;

  /**
   * One node's copy of the data file is corrupt (truncated): the data files are at the same path on
   * every node, and here executor 1 reads the corrupt copy. The run fails with one line naming the
   * file and what is wrong with it, and leaves no checkpoint.
   */
  @Test
  void aCorruptDataFileOnOneExecutorIsOneClearLineAndNoCheckpoint() throws Exception {
    assumeTrue(System.getenv("SPARK_HOME") != null, "SPARK_HOME is not set (the build sets it)");
    Path sparkHome = Path.of(System.getenv("SPARK_HOME"));
    Files.createDirectories(sparkHome.resolve("jars"));
    Files.writeString(sparkHome.resolve("RELEASE"), "Spark (the test's class path)\n");

    Dataset data = SparkTestSupport.images(96, 11);
    Path good = Files.createDirectories(dir.resolve("node-a"));
    Path bad = Files.createDirectories(dir.resolve("node-b"));
    for (Path node : List.of(good, bad)) {
      Npy.write(node.resolve("x.npy"), ArrayData.ofFloats(data.images(), 96, 3, 32, 32));
      long[] y = Arrays.stream(data.labels()).asLongStream().toArray();
      Npy.write(node.resolve("y.npy"), ArrayData.ofLongs(y, 96));
    }
    byte[] whole = Files.readAllBytes(bad.resolve("x.npy"));
    Files.write(bad.resolve("x.npy"), Arrays.copyOf(whole, whole.length / 2));
    String root = dir.toString();
    // The same path on every node, but node b's copy is the corrupt one.
    DataSource perNode =
        () -> {
          String executor = SparkEnv.get().executorId();
          Path node = Path.of(root, executor.equals("1") ? "node-b" : "node-a");
          return Dataset.fromNpy(node.resolve("x.npy"), node.resolve("y.npy"));
        };

    Model model = SparkTestSupport.LENET.create();
    Trainer.initialize(model, 5);
    Path checkpoint = dir.resolve("run.safetensors");
    String[] keys = {
      "spark.executor.extraClassPath",
      "spark.executor.extraJavaOptions",
      "spark.executor.memory",
      "spark.driver.host",
      "spark.driver.bindAddress",
      "spark.ui.enabled",
      "spark.task.maxFailures"
    };
    String javaOptions =
        ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
            .filter(
                a ->
                    a.startsWith("--add-opens")
                        || a.startsWith("-Djdk.reflect")
                        || a.startsWith("-Dio.netty"))
            .collect(Collectors.joining(" "));
    String[] values = {
      System.getProperty("java.class.path"),
      javaOptions,
      "512m",
      "127.0.0.1",
      "127.0.0.1",
      "false",
      // One attempt per task: with Spark's default of four, a retry may land on the healthy
      // executor, and the run then succeeds with the same numbers (tasks are deterministic). Here
      // the failure itself is under test.
      "1"
    };
    for (int i = 0; i < keys.length; i++) {
      System.setProperty(keys[i], values[i]);
    }
    try (Cluster cluster = Cluster.connect("local-cluster[2,1,1024]", 2)) {
      for (String key : keys) {
        System.clearProperty(key);
      }
      // Both executors' JVMs up before the first job, so executor 1 gets tasks.
      SparkContext sc = SparkContext.getOrCreate();
      long deadline = System.nanoTime() + 120_000_000_000L;
      while (sc.statusTracker().getExecutorInfos().length < 3 && System.nanoTime() < deadline) {
        Thread.sleep(200);
      }
      assertThat(sc.statusTracker().getExecutorInfos().length).isEqualTo(3); // and the driver
      // Tasks run in other processes than this one.
      List<Long> pids =
          JavaSparkContext.fromSparkContext(sc)
              .parallelize(List.of(0, 1, 2, 3), 4)
              .map(i -> ProcessHandle.current().pid())
              .collect();
      assertThat(pids).doesNotContain(ProcessHandle.current().pid());

      // Calibration: each executor loads the data; executor 1 cannot.
      SparkJobException calibrating =
          assertThrows(
              SparkJobException.class,
              () -> cluster.calibrate(model, SparkTestSupport.LENET, perNode, 16, 4));
      String corrupt = bad.resolve("x.npy").toString();
      assertThat(calibrating.getMessage())
          .isEqualTo(
              "executor cannot read the data set: "
                  + corrupt
                  + ": truncated: header declares shape (96, 3, 32, 32) of <f4 = 1179648 data"
                  + " bytes, but the file has "
                  + (whole.length / 2 - (whole.length - 96 * 3 * 32 * 32 * 4))
                  + " bytes after the header");

      // Training (the model calibrated from data shipped with the broadcast instead), with a
      // checkpoint after every step: the first step fails the same way and none is written.
      cluster.calibrate(model, SparkTestSupport.LENET, DataSource.of(data), 16, 4);
      SparkJobException training =
          assertThrows(
              SparkJobException.class,
              () ->
                  cluster.train(
                      model,
                      SparkTestSupport.LENET,
                      new Adam(model.parameters(), 1e-3f),
                      TrainerConfig.of(1, 16, 1).withCheckpoint(checkpoint).withCheckpointEvery(1),
                      List.of(),
                      perNode,
                      null,
                      TrainingState.start(1, 16),
                      1,
                      null));
      assertThat(training.getMessage()).isEqualTo(calibrating.getMessage());
      assertThat(Files.exists(checkpoint)).isFalse();
    } finally {
      for (String key : keys) {
        System.clearProperty(key);
      }
    }
  }
}
