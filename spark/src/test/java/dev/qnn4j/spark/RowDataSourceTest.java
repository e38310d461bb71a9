package dev.qnn4j.spark;

import static com.google.common.truth.Truth.assertThat;
import static dev.qnn4j.spark.SparkTestSupport.LENET;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.qnn4j.runtime.data.Dataset;
import dev.qnn4j.runtime.io.ArrayData;
import dev.qnn4j.runtime.io.Npy;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.train.Adam;
import dev.qnn4j.runtime.train.Trainer;
import dev.qnn4j.runtime.train.TrainerConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Data from a Spark {@code Dataset<Row>} gives the same numbers as the same images from a file. */
class RowDataSourceTest {
  private static final int N = 200;
  private static final int[] SHAPE = {3, 32, 32};
  private static final int SIZE = 3 * 32 * 32;
  private static final int PARTITIONS = 3;

  private static SparkSession session;
  private static JavaSparkContext spark;
  private static byte[] pixels;
  private static int[] labels;

  @TempDir static Path dir;

  @BeforeAll
  static void start() {
    session = SparkTestSupport.session("local[3]");
    spark = SparkTestSupport.context(session);
    // uint8 images with a class-dependent bright square, so a few steps change the model.
    Random rng = new Random(3);
    pixels = new byte[N * SIZE];
    labels = new int[N];
    for (int i = 0; i < N; i++) {
      labels[i] = rng.nextInt(10);
      for (int j = 0; j < SIZE; j++) {
        int h = (j / 32) % 32;
        boolean square = h >= (labels[i] / 5) * 16 && h < (labels[i] / 5) * 16 + 12;
        pixels[i * SIZE + j] = (byte) (rng.nextInt(100) + (square ? 150 : 0));
      }
    }
  }

  @AfterAll
  static void stop() {
    session.stop();
  }

  /** The uint8 images and labels as the {@code npy:X.npy:Y.npy} file source reads them. */
  private static DataSource npySource() throws Exception {
    Path x = dir.resolve("x.npy");
    Path y = dir.resolve("y.npy");
    Npy.write(x, ArrayData.ofUnsignedBytes(pixels, N, 3, 32, 32));
    long[] wide = new long[N];
    for (int i = 0; i < N; i++) {
      wide[i] = labels[i];
    }
    Npy.write(y, ArrayData.ofLongs(wide, N));
    String xs = x.toString();
    String ys = y.toString();
    return () -> Dataset.fromNpy(Path.of(xs), Path.of(ys));
  }

  private static StructType schema(DataType image, DataType label) {
    return new StructType()
        .add("id", DataTypes.LongType, false)
        .add("image", image, true)
        .add("label", label, true);
  }

  private static byte[] pixelsOf(int i) {
    byte[] p = new byte[SIZE];
    System.arraycopy(pixels, i * SIZE, p, 0, SIZE);
    return p;
  }

  /** The binary rows in a scrambled order, spread over {@code partitions} partitions. */
  private static org.apache.spark.sql.Dataset<Row> binaryRows(int partitions) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      rows.add(RowFactory.create((long) i, pixelsOf(i), labels[i]));
    }
    Collections.shuffle(rows, new Random(11));
    return session
        .createDataFrame(rows, schema(DataTypes.BinaryType, DataTypes.IntegerType))
        .repartition(partitions);
  }

  private static Model initialised() {
    Model m = LENET.create();
    Trainer.initialize(m, 5);
    return m;
  }

  @Test
  void binaryRowsCalibrateTrainAndEvaluateBitIdenticallyToTheNpyFiles() throws Exception {
    DataSource files = npySource();
    DataSource rows =
        RowDataSource.fromIndexed(binaryRows(PARTITIONS), "id", "image", "label", SHAPE, 10);
    Dataset fromFiles = files.load();
    Dataset fromRows = rows.load();
    assertThat(fromRows.images()).isEqualTo(fromFiles.images());
    assertThat(fromRows.labels()).isEqualTo(fromFiles.labels());
    assertThat(fromRows.images()[0]).isEqualTo((((pixels[0] & 0xFF) / 255f) - 0.5f) / 0.5f);

    Model a = initialised();
    Model b = initialised();
    Map<String, ArrayData> before = SparkTestSupport.state(a, null);
    SparkCalibration.calibrate(spark, a, LENET, files, 32, 4, PARTITIONS);
    SparkCalibration.calibrate(spark, b, LENET, rows, 32, 4, PARTITIONS);
    assertThat(SparkTestSupport.state(a, null)).isNotEqualTo(before);
    assertThat(SparkTestSupport.state(b, null)).isEqualTo(SparkTestSupport.state(a, null));

    Adam adamA = new Adam(a.parameters(), 2e-3f);
    Adam adamB = new Adam(b.parameters(), 2e-3f);
    TrainerConfig config = TrainerConfig.of(1, 64, 9).withMaxSteps(3);
    Map<String, ArrayData> calibrated = SparkTestSupport.state(a, adamA);
    new SparkTrainer(spark, a, LENET, adamA, config, PARTITIONS).fit(files, null);
    new SparkTrainer(spark, b, LENET, adamB, config, PARTITIONS).fit(rows, null);
    assertThat(SparkTestSupport.state(a, adamA)).isNotEqualTo(calibrated);
    assertThat(SparkTestSupport.state(b, adamB)).isEqualTo(SparkTestSupport.state(a, adamA));

    Evaluation ea = SparkEvaluator.evaluate(spark, a, LENET, files, 64, PARTITIONS);
    Evaluation eb = SparkEvaluator.evaluate(spark, b, LENET, rows, 64, PARTITIONS);
    assertThat(eb.eval()).isEqualTo(ea.eval());
    assertThat(eb.predictions()).isEqualTo(ea.predictions());
  }

  @Test
  void withoutAnIndexColumnTheRowOrderIsSparksOrderForAnyPartitionCount() throws Exception {
    Dataset fromFiles = npySource().load();
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      rows.add(RowFactory.create((long) i, pixelsOf(i), (long) labels[i]));
    }
    StructType schema = schema(DataTypes.BinaryType, DataTypes.LongType);
    for (int partitions : new int[] {1, 2, 7}) {
      org.apache.spark.sql.Dataset<Row> df =
          session.createDataFrame(spark.parallelize(rows, partitions), schema);
      Dataset loaded = RowDataSource.from(df, "image", "label", SHAPE, 10).load();
      assertThat(loaded.images()).isEqualTo(fromFiles.images());
      assertThat(loaded.labels()).isEqualTo(fromFiles.labels());
    }
  }

  @Test
  void floatArrayRowsAreUsedAsTheyAre() throws Exception {
    Dataset data = SparkTestSupport.images(90, 4);
    float[] x = data.images();
    List<Row> rows = new ArrayList<>();
    for (int i = data.size() - 1; i >= 0; i--) {
      Float[] image = new Float[SIZE];
      for (int j = 0; j < SIZE; j++) {
        image[j] = x[i * SIZE + j];
      }
      rows.add(RowFactory.create((long) i, image, data.label(i)));
    }
    org.apache.spark.sql.Dataset<Row> df =
        session
            .createDataFrame(
                rows, schema(DataTypes.createArrayType(DataTypes.FloatType), DataTypes.IntegerType))
            .repartition(2);
    DataSource source = RowDataSource.fromIndexed(df, "id", "image", "label", SHAPE, 10);
    Dataset loaded = source.load();
    assertThat(loaded.images()).isEqualTo(x);
    assertThat(loaded.labels()).isEqualTo(data.labels());

    Model m = initialised();
    SparkCalibration.calibrate(spark, m, LENET, DataSource.of(data), 30, 3, PARTITIONS);
    Evaluation expected =
        SparkEvaluator.evaluate(spark, m, LENET, DataSource.of(data), 32, PARTITIONS);
    Evaluation actual = SparkEvaluator.evaluate(spark, m, LENET, source, 32, 2);
    assertThat(actual.eval()).isEqualTo(expected.eval());
    assertThat(actual.predictions()).isEqualTo(expected.predictions());
  }

  private static String failure(List<Row> rows, StructType schema, String index) {
    org.apache.spark.sql.Dataset<Row> df = session.createDataFrame(rows, schema);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> {
              if (index == null) {
                RowDataSource.from(df, "image", "label", SHAPE, 10);
              } else {
                RowDataSource.fromIndexed(df, index, "image", "label", SHAPE, 10);
              }
            });
    assertThat(e.getMessage()).doesNotContain("\n");
    return e.getMessage();
  }

  private static List<Row> goodRows(int n) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      rows.add(RowFactory.create((long) i, pixelsOf(i), labels[i]));
    }
    return rows;
  }

  @Test
  void badInputGivesOneLineNamingTheColumnAndRow() {
    StructType good = schema(DataTypes.BinaryType, DataTypes.IntegerType);

    List<Row> text = List.of(RowFactory.create(0L, "not an image", 1));
    assertThat(failure(text, schema(DataTypes.StringType, DataTypes.IntegerType), null))
        .isEqualTo(
            "image column 'image' is string, expected binary (uint8 pixels) or array<float>");
    List<Row> doubles = List.of(RowFactory.create(0L, pixelsOf(0), 1.0));
    assertThat(failure(doubles, schema(DataTypes.BinaryType, DataTypes.DoubleType), null))
        .isEqualTo(
            "label column 'label' is double, expected an integer type (int, bigint, smallint, tinyint)");
    assertThat(failure(goodRows(2), good, "missing"))
        .isEqualTo("the Dataset<Row> has no column 'missing' (columns: id, image, label)");

    List<Row> shortImage = goodRows(4);
    shortImage.set(2, RowFactory.create(2L, new byte[SIZE - 1], 3));
    assertThat(failure(shortImage, good, null))
        .isEqualTo(
            "image column 'image' of row 2 holds 3071 values, expected 3072 (imageShape [3, 32, 32])");

    List<Row> nullLabel = goodRows(4);
    nullLabel.set(3, RowFactory.create(3L, pixelsOf(3), null));
    assertThat(failure(nullLabel, good, "id"))
        .isEqualTo("label column 'label' is null in row 3 (index 3)");

    List<Row> outOfRange = goodRows(4);
    outOfRange.set(1, RowFactory.create(1L, pixelsOf(1), 10));
    assertThat(failure(outOfRange, good, null))
        .isEqualTo("label column 'label' of row 1 is 10, outside 0..9");

    List<Row> twice = goodRows(3);
    twice.set(2, RowFactory.create(0L, pixelsOf(2), 1));
    assertThat(failure(twice, good, "id"))
        .isEqualTo("index column 'id' holds 0 twice (again in row 2)");

    List<Row> nullImage = goodRows(3);
    nullImage.set(0, RowFactory.create(0L, null, 1));
    assertThat(failure(nullImage, good, null)).isEqualTo("image column 'image' is null in row 0");

    List<Row> gap = goodRows(3);
    gap.set(1, RowFactory.create(5L, pixelsOf(1), 1));
    assertThat(failure(gap, good, "id"))
        .isEqualTo("index column 'id' of row 1 (index 5) is outside 0..2 (3 rows)");

    List<Row> nullValue = List.of(RowFactory.create(0L, new Float[] {1f, null}, 1));
    assertThat(
            failure(
                nullValue,
                schema(DataTypes.createArrayType(DataTypes.FloatType), DataTypes.IntegerType),
                null))
        .isEqualTo("image column 'image' of row 0 holds a null value at 1");
  }
}
