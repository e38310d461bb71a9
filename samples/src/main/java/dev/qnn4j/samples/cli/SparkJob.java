package dev.qnn4j.samples.cli;

import dev.qnn4j.runtime.data.Dataset;
import dev.qnn4j.spark.DataSource;
import dev.qnn4j.spark.SparkErrors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.util.concurrent.Callable;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * The {@code --spark MASTER} option's session: started before the work, stopped after it, and the
 * one place that turns a failed Spark job into one line (exit 2). Spark's jars are on the class path
 * only when {@code ./qnn4j} sees {@code --spark} (or under {@code spark-submit}).
 */
final class SparkJob implements AutoCloseable {
  static final String HELP = "Run on Apache Spark: local[N] in this JVM, or a cluster's master URL (spark://HOST:7077);"
      + " see docs/spark.md.";

  private final SparkSession session;
  private final JavaSparkContext context;
  private final int partitions;

  private SparkJob(SparkSession session, int partitions) {
    this.session = session;
    this.context = JavaSparkContext.fromSparkContext(session.sparkContext());
    this.partitions = partitions > 0 ? partitions : context.defaultParallelism();
  }

  /** Starts a session on {@code master} with {@code partitions} tasks per job (0: Spark's default parallelism). */
  static SparkJob start(String master, int partitions) {
    try {
      Class.forName("org.apache.spark.sql.SparkSession");
    } catch (ClassNotFoundException e) {
      throw new CliException("--spark needs Apache Spark on the class path: run through ./qnn4j (which adds it) or"
          + " spark-submit");
    }
    checkReachable(master);
    try {
      SparkSession session = SparkSession.builder()
          .master(master)
          .appName("qnn4j")
          .config("spark.ui.showConsoleProgress", "false")
          // In-process runs need no web UI (nor its port); a cluster run keeps it.
          .config("spark.ui.enabled", Boolean.toString(!master.startsWith("local")))
          .getOrCreate();
      return new SparkJob(session, partitions);
    } catch (RuntimeException e) {
      throw new CliException("--spark " + master + ": " + SparkErrors.message(e), e);
    }
  }

  /** A standalone master that does not answer is one line now, not a minute of retries. */
  private static void checkReachable(String master) {
    if (!master.startsWith("spark://")) {
      return;
    }
    IOException last = null;
    for (String hostPort : master.substring("spark://".length()).split(",")) {
      URI uri = URI.create("spark://" + hostPort);
      if (uri.getHost() == null || uri.getPort() < 0) {
        throw new CliException("--spark " + master + ": expected spark://HOST:PORT");
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 5000);
        return;
      } catch (IOException e) {
        last = e;
      }
    }
    throw new CliException("cannot reach the Spark master " + master + ": " + last.getMessage());
  }

  JavaSparkContext context() {
    return context;
  }

  int partitions() {
    return partitions;
  }

  String describe() {
    return "Spark " + context.version() + " on " + context.master() + ", " + partitions + " partitions";
  }

  /**
   * Runs {@code work}; a failed Spark job (a task's exception, as the executor saw it) becomes one
   * line and exit code 2: such failures come from the input (data, model name) the executors got.
   */
  <T> T run(Callable<T> work) throws Exception {
    try {
      return work.call();
    } catch (SparkException e) {
      throw new CliException(SparkErrors.message(e), e);
    } catch (RuntimeException e) {
      for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
        if (t instanceof SparkException) {
          throw new CliException(SparkErrors.message(e), e);
        }
      }
      throw e;
    }
  }

  /**
   * The executors' copy of a {@code --data} split: each executor parses the same specification and
   * loads the files itself (so on a cluster the files must be at the same path on every node).
   */
  static DataSource data(String spec, boolean test, int limit) {
    return () -> {
      DataSpec.Loaded loaded = DataSpec.parse(spec).load(test ? DataSpec.Split.TEST : DataSpec.Split.TRAIN,
          test ? 0 : limit, test ? limit : 0);
      Dataset d = test ? loaded.test() : loaded.train();
      if (d == null) {
        throw new UncheckedIOException(new IOException(spec + ": no " + (test ? "test" : "training") + " split"));
      }
      return d;
    };
  }

  @Override
  public void close() {
    session.stop();
  }
}
