package dev.qnn4j.samples.cli;

import dev.qnn4j.runtime.data.Dataset;
import dev.qnn4j.spark.Cluster;
import dev.qnn4j.spark.DataSource;
import dev.qnn4j.spark.SparkJobException;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The {@code --spark MASTER} option: starts the {@link Cluster} session and turns its failures into
 * one line with exit code 2 (a failed task's message: the data or model the executors got). Spark's
 * jars are on the class path only when {@code ./qnn4j} sees {@code --spark}, or under {@code
 * spark-submit}; nothing here refers to Spark's own classes.
 */
final class SparkJob {
  static final String HELP =
      "Run on Apache Spark: local[N] in this JVM, or a cluster's master URL (spark://HOST:7077);"
          + " see docs/spark.md.";

  private SparkJob() {}

  /** What a command does with the cluster. */
  interface Work<T> {
    T run(Cluster cluster) throws Exception;
  }

  /** Starts a session on {@code master}, runs {@code work}, stops the session. */
  static <T> T run(String master, int partitions, java.io.PrintStream out, Work<T> work)
      throws Exception {
    Cluster cluster;
    try {
      cluster = Cluster.connect(master, partitions);
    } catch (NoClassDefFoundError e) {
      throw new CliException(
          "--spark needs Apache Spark on the class path: run through ./qnn4j (which adds it) or"
              + " spark-submit (missing "
              + e.getMessage()
              + ")");
    } catch (SparkJobException e) {
      throw new CliException(e.getMessage(), e);
    }
    try (cluster) {
      out.println("on " + cluster.describe());
      return work.run(cluster);
    } catch (SparkJobException e) {
      throw new CliException(e.getMessage(), e);
    }
  }

  /**
   * The executors' copy of a {@code --data} split: each executor parses the same specification and
   * loads the files itself (so on a cluster the files must be at the same path on every node).
   */
  static DataSource data(String spec, boolean test, int limit, DataSpec.Format format) {
    return () -> {
      DataSpec.Loaded loaded =
          DataSpec.parse(spec)
              .load(
                  test ? DataSpec.Split.TEST : DataSpec.Split.TRAIN,
                  test ? 0 : limit,
                  test ? limit : 0,
                  format);
      Dataset d = test ? loaded.test() : loaded.train();
      if (d == null) {
        throw new UncheckedIOException(
            new IOException(spec + ": no " + (test ? "test" : "training") + " split"));
      }
      return d;
    };
  }
}
