package dev.qnn4j.spark;

import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.train.Optimizer;
import dev.qnn4j.runtime.train.TrainerConfig;
import dev.qnn4j.runtime.train.TrainingListener;
import dev.qnn4j.runtime.train.TrainingState;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * A Spark session and the distributed jobs, behind signatures without Spark types, so a tool (the
 * qnn4j command line) can compile without Spark and load it only when asked to. Every job's failure
 * becomes a {@link SparkJobException} with one line: the failing task's own message.
 */
public final class Cluster implements AutoCloseable {
  private final SparkSession session;
  private final JavaSparkContext context;
  private final int partitions;
  private String lastTimeSpent = "";

  private Cluster(SparkSession session, int partitions) {
    this.session = session;
    this.context = JavaSparkContext.fromSparkContext(session.sparkContext());
    this.partitions = partitions > 0 ? partitions : context.defaultParallelism();
  }

  /**
   * Starts (or joins, under {@code spark-submit}) a session on {@code master}, {@code local[N]} or
   * a cluster's URL, with {@code partitions} tasks per job (0: Spark's default parallelism). A
   * standalone master ({@code spark://HOST:PORT}) that does not accept a connection within 5 s
   * fails at once instead of after Spark's retries.
   *
   * @throws SparkJobException if the master is unreachable or the session cannot start
   */
  public static Cluster connect(String master, int partitions) {
    checkReachable(master);
    try {
      SparkSession session =
          SparkSession.builder()
              .master(master)
              .appName("qnn4j")
              .config("spark.ui.showConsoleProgress", "false")
              // In-process runs need no web UI (nor its port); a cluster run keeps it.
              .config("spark.ui.enabled", Boolean.toString(!master.startsWith("local")))
              .getOrCreate();
      return new Cluster(session, partitions);
    } catch (RuntimeException e) {
      throw new SparkJobException("Spark master " + master + ": " + SparkErrors.message(e), e);
    }
  }

  private static void checkReachable(String master) {
    if (!master.startsWith("spark://")) {
      return;
    }
    IOException last = null;
    for (String hostPort : master.substring("spark://".length()).split(",")) {
      URI uri = URI.create("spark://" + hostPort);
      if (uri.getHost() == null || uri.getPort() < 0) {
        throw new SparkJobException(
            "Spark master " + master + ": expected spark://HOST:PORT", null);
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 5000);
        return;
      } catch (IOException e) {
        last = e;
      }
    }
    throw new SparkJobException(
        "cannot reach the Spark master " + master + ": " + last.getMessage(), last);
  }

  public int partitions() {
    return partitions;
  }

  /** "Spark 4.0.1 on local[2], 2 partitions". */
  public String describe() {
    return "Spark "
        + context.version()
        + " on "
        + context.master()
        + ", "
        + partitions
        + " partitions";
  }

  /** {@link SparkCalibration#calibrate} on this cluster. */
  public int calibrate(Model model, ModelSource source, DataSource data, int batchSize, int batches)
      throws IOException {
    return run(
        () ->
            SparkCalibration.calibrate(
                context, model, source, data, batchSize, batches, partitions));
  }

  /**
   * {@link SparkTrainer} on this cluster: synchronous, or with parameter averaging every {@code
   * localSteps} steps when {@code averaging} is not null.
   */
  public TrainingState train(
      Model model,
      ModelSource source,
      Optimizer optimizer,
      TrainerConfig config,
      List<TrainingListener> listeners,
      DataSource train,
      DataSource test,
      TrainingState from,
      int localSteps,
      OptimizerFactory averaging)
      throws IOException {
    return run(
        () -> {
          SparkTrainer trainer =
              new SparkTrainer(context, model, source, optimizer, config, partitions);
          if (averaging != null) {
            trainer.withParameterAveraging(localSteps, averaging);
          }
          listeners.forEach(trainer::addListener);
          try {
            return trainer.fit(train, test, from);
          } finally {
            lastTimeSpent = trainer.timeSpent();
          }
        });
  }

  /** Where the last {@link #train} spent the driver's time (see {@link SparkTrainer#timeSpent}). */
  public String lastTimeSpent() {
    return lastTimeSpent;
  }

  /** {@link SparkEvaluator#evaluate} on this cluster. */
  public Evaluation evaluate(Model model, ModelSource source, DataSource data, int batchSize)
      throws IOException {
    return run(() -> SparkEvaluator.evaluate(context, model, source, data, batchSize, partitions));
  }

  /**
   * A job whose failure inside Spark becomes one line; the caller's own exceptions pass as they
   * are.
   */
  private <T> T run(Callable<T> job) throws IOException {
    try {
      return job.call();
    } catch (IOException | SparkJobException e) {
      throw e;
    } catch (Exception e) {
      if (context.sc().isStopped()) {
        // E.g. a standalone master gave up on the application because its executors kept failing.
        throw new SparkJobException(
            "the Spark application was stopped while running ("
                + SparkErrors.message(e)
                + "); the Spark master's and workers' logs say why",
            e);
      }
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof SparkException) {
          throw new SparkJobException(SparkErrors.message(e), e);
        }
      }
      if (e instanceof RuntimeException r) {
        throw r;
      }
      throw new SparkJobException(SparkErrors.message(e), e);
    }
  }

  @Override
  public void close() {
    session.stop();
  }
}
