package dev.qnn4j.spark;

import dev.qnn4j.runtime.data.Dataset;
import dev.qnn4j.runtime.io.ArrayData;
import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StructField;
import scala.Tuple2;

/**
 * A {@link DataSource} from a Spark {@code Dataset<Row>} of (image, label), for programs whose data
 * is already in Spark. It is a separate class so that {@link DataSource} and {@link Cluster} keep
 * Spark types out of their signatures.
 *
 * <p>The image column is {@code binary} (one unsigned byte per value, normalised exactly as uint8
 * {@code .npy} images and the built-in image data sets are, by {@link Dataset#fromArrays}) or
 * {@code array<float>} (used as they are); either holds the {@code C*H*W} values of one image,
 * row-major. The label column is an integer type ({@code tinyint}, {@code smallint}, {@code int},
 * {@code bigint}), {@code 0..numClasses-1}.
 *
 * <p>Example {@code i} of the data set is either the row whose index column holds {@code i} (the
 * index column must hold {@code 0..N-1}, each once: the order survives any repartitioning) or,
 * without an index column, the {@code i}-th row in the order Spark lists the rows (partition by
 * partition, as {@code zipWithIndex} numbers them), which is stable only for a deterministic plan
 * (e.g. files read in the same order; not a shuffle without a sort). From there on, as with the
 * file sources, the seeded shuffling by epoch and the shards depend on the example indices only,
 * never on how the rows were partitioned.
 *
 * <p>The rows are read by one Spark job when the source is made; the driver checks them and keeps
 * the values in one array (binary images: one byte per value), which the jobs broadcast to each
 * executor once per run, as {@link DataSource#of} does. The data set must therefore fit in the
 * driver's and each executor's memory, like a file source that every executor loads whole.
 */
public final class RowDataSource {
  private RowDataSource() {}

  /**
   * The rows in the order Spark lists them (see the class comment).
   *
   * @param imageShape {@code {C, H, W}} of every image
   * @param numClasses labels must lie in {@code 0..numClasses-1}
   * @throws IllegalArgumentException with one line naming the column (and row) that does not fit
   */
  public static DataSource from(
      org.apache.spark.sql.Dataset<Row> rows,
      String imageColumn,
      String labelColumn,
      int[] imageShape,
      int numClasses) {
    return read(rows, null, imageColumn, labelColumn, imageShape, numClasses);
  }

  /**
   * Example {@code i} is the row whose {@code indexColumn} ({@code int} or {@code bigint}) holds
   * {@code i}; the index column must hold {@code 0..N-1}, each once.
   *
   * @throws IllegalArgumentException with one line naming the column (and row) that does not fit
   */
  public static DataSource fromIndexed(
      org.apache.spark.sql.Dataset<Row> rows,
      String indexColumn,
      String imageColumn,
      String labelColumn,
      int[] imageShape,
      int numClasses) {
    return read(rows, indexColumn, imageColumn, labelColumn, imageShape, numClasses);
  }

  /** One row as a task hands it to the driver: its position in Spark's order and its raw fields. */
  private record RawRow(long position, Long index, Object image, Long label)
      implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  private static DataSource read(
      org.apache.spark.sql.Dataset<Row> rows,
      String indexColumn,
      String imageColumn,
      String labelColumn,
      int[] imageShape,
      int numClasses) {
    if (imageShape == null
        || imageShape.length != 3
        || imageShape[0] <= 0
        || imageShape[1] <= 0
        || imageShape[2] <= 0) {
      throw new IllegalArgumentException(
          "imageShape must be {C, H, W} with positive sizes, got " + Arrays.toString(imageShape));
    }
    if (numClasses <= 0) {
      throw new IllegalArgumentException("numClasses must be positive, got " + numClasses);
    }
    long imageSizeLong = (long) imageShape[0] * imageShape[1] * imageShape[2];
    if (imageSizeLong > ArrayData.MAX_ELEMENTS) {
      throw new IllegalArgumentException(
          "imageShape "
              + Arrays.toString(imageShape)
              + " exceeds the "
              + ArrayData.MAX_ELEMENTS
              + "-element limit of a Java array");
    }
    int imageSize = (int) imageSizeLong;
    DataType imageType = columnType(rows, imageColumn);
    boolean binary = imageType instanceof BinaryType;
    if (!binary && !(imageType instanceof ArrayType a && a.elementType() instanceof FloatType)) {
      throw new IllegalArgumentException(
          "image column '"
              + imageColumn
              + "' is "
              + imageType.simpleString()
              + ", expected binary (uint8 pixels) or array<float>");
    }
    DataType labelType = columnType(rows, labelColumn);
    if (!isInteger(labelType)) {
      throw new IllegalArgumentException(
          "label column '"
              + labelColumn
              + "' is "
              + labelType.simpleString()
              + ", expected an integer type (int, bigint, smallint, tinyint)");
    }
    if (indexColumn != null) {
      DataType indexType = columnType(rows, indexColumn);
      if (!(indexType instanceof IntegerType || indexType instanceof LongType)) {
        throw new IllegalArgumentException(
            "index column '"
                + indexColumn
                + "' is "
                + indexType.simpleString()
                + ", expected int or bigint");
      }
    }

    org.apache.spark.sql.Dataset<Row> selected =
        indexColumn == null
            ? rows.select(imageColumn, labelColumn)
            : rows.select(imageColumn, labelColumn, indexColumn);
    List<RawRow> raw = selected.javaRDD().zipWithIndex().map(RowDataSource::raw).collect();

    int n = raw.size();
    if (n == 0) {
      throw new IllegalArgumentException(
          "the Dataset<Row> of columns '"
              + imageColumn
              + "' and '"
              + labelColumn
              + "' holds no rows");
    }
    if ((long) n * imageSize > ArrayData.MAX_ELEMENTS) {
      throw new IllegalArgumentException(
          n
              + " rows of "
              + imageSize
              + " values exceed the "
              + ArrayData.MAX_ELEMENTS
              + "-element limit of a Java array");
    }
    byte[] codes = binary ? new byte[n * imageSize] : null;
    float[] floats = binary ? null : new float[n * imageSize];
    int[] labels = new int[n];
    boolean[] seen = new boolean[n];
    for (RawRow r : raw) {
      String where =
          indexColumn == null
              ? "row " + r.position()
              : "row " + r.position() + " (index " + r.index() + ")";
      if (r.image() instanceof Integer nullAt) {
        throw new IllegalArgumentException(
            "image column '"
                + imageColumn
                + "' of row "
                + r.position()
                + " holds a null value at "
                + nullAt);
      }
      int at;
      if (indexColumn == null) {
        at = (int) r.position();
      } else {
        if (r.index() == null) {
          throw new IllegalArgumentException(
              "index column '" + indexColumn + "' is null in row " + r.position());
        }
        if (r.index() < 0 || r.index() >= n) {
          throw new IllegalArgumentException(
              "index column '"
                  + indexColumn
                  + "' of "
                  + where
                  + " is outside 0.."
                  + (n - 1)
                  + " ("
                  + n
                  + " rows)");
        }
        at = (int) (long) r.index();
        if (seen[at]) {
          throw new IllegalArgumentException(
              "index column '"
                  + indexColumn
                  + "' holds "
                  + at
                  + " twice (again in row "
                  + r.position()
                  + ")");
        }
        seen[at] = true;
      }
      if (r.label() == null) {
        throw new IllegalArgumentException(
            "label column '" + labelColumn + "' is null in " + where);
      }
      if (r.label() < 0 || r.label() >= numClasses) {
        throw new IllegalArgumentException(
            "label column '"
                + labelColumn
                + "' of "
                + where
                + " is "
                + r.label()
                + ", outside 0.."
                + (numClasses - 1));
      }
      labels[at] = (int) (long) r.label();
      if (r.image() == null) {
        throw new IllegalArgumentException(
            "image column '" + imageColumn + "' is null in " + where);
      }
      int length = binary ? ((byte[]) r.image()).length : ((float[]) r.image()).length;
      if (length != imageSize) {
        throw new IllegalArgumentException(
            "image column '"
                + imageColumn
                + "' of "
                + where
                + " holds "
                + length
                + " values, expected "
                + imageSize
                + " (imageShape "
                + Arrays.toString(imageShape)
                + ")");
      }
      if (binary) {
        System.arraycopy((byte[]) r.image(), 0, codes, at * imageSize, imageSize);
      } else {
        System.arraycopy((float[]) r.image(), 0, floats, at * imageSize, imageSize);
      }
    }
    long[] shape = {n, imageShape[0], imageShape[1], imageShape[2]};
    return () -> load(codes, floats, labels, shape);
  }

  /**
   * The same conversion as a {@code .npy} pair of the same arrays: uint8 normalised, float32 as it
   * is.
   */
  private static Dataset load(byte[] codes, float[] floats, int[] labels, long[] shape) {
    ArrayData images =
        codes != null ? ArrayData.ofUnsignedBytes(codes, shape) : ArrayData.ofFloats(floats, shape);
    return Dataset.fromArrays(images, ArrayData.ofInts(labels, labels.length));
  }

  /** Runs in the tasks: a row's fields, without checks (the driver names the bad row). */
  private static RawRow raw(Tuple2<Row, Long> numbered) {
    Row row = numbered._1();
    Object image = null;
    if (!row.isNullAt(0)) {
      Object value = row.get(0);
      if (value instanceof byte[] bytes) {
        image = bytes;
      } else {
        List<Object> values = row.getList(0);
        float[] f = new float[values.size()];
        for (int i = 0; i < f.length; i++) {
          Object v = values.get(i);
          if (v == null) {
            return new RawRow(
                numbered._2(), null, i, null); // the driver reports the null value at i
          }
          f[i] = (Float) v;
        }
        image = f;
      }
    }
    Long label = row.isNullAt(1) ? null : ((Number) row.get(1)).longValue();
    Long index = row.size() > 2 && !row.isNullAt(2) ? ((Number) row.get(2)).longValue() : null;
    return new RawRow(numbered._2(), index, image, label);
  }

  private static DataType columnType(org.apache.spark.sql.Dataset<Row> rows, String column) {
    for (StructField f : rows.schema().fields()) {
      if (f.name().equals(column)) {
        return f.dataType();
      }
    }
    throw new IllegalArgumentException(
        "the Dataset<Row> has no column '"
            + column
            + "' (columns: "
            + String.join(", ", rows.schema().fieldNames())
            + ")");
  }

  private static boolean isInteger(DataType t) {
    return t instanceof IntegerType
        || t instanceof LongType
        || t instanceof ShortType
        || t instanceof ByteType;
  }
}
