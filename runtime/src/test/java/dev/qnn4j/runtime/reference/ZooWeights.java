package dev.qnn4j.runtime.reference;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.qnn4j.runtime.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The zoo weight recipe of reference/brevitas-zoo/README.md: the initial weights of the zoo model
 * cases, computed from (position of the key in Brevitas' state-dict order, element index) with
 * integer arithmetic and one exact power-of-two scaling, so that the big state dicts need not be
 * stored. Python (make_zoo_reference.py) and this class produce the same float32 bits.
 */
public final class ZooWeights {
  private static final long M32 = 0xFFFFFFFFL;
  private static final long HASH_T = 2654435761L;
  private static final long HASH_I = 2246822519L;
  private static final long HASH_ADD = 374761393L;
  private static final long MIX1 = 2246822519L;
  private static final long MIX2 = 3266489917L;

  /** What a state-dict entry is, by the last part of its key and its rank. */
  enum Kind {
    WEIGHT(0, 15),
    NORM_WEIGHT(131072, 17),
    BIAS(0, 18),
    RUNNING_MEAN(0, 18),
    RUNNING_VAR(65536, 16);

    /** value = (r - 32768 + offset) / 2^exponent. */
    final int offset;

    final int exponent;

    Kind(int offset, int exponent) {
      this.offset = offset;
      this.exponent = exponent;
    }

    /** The manifest's name of the kind ("norm_weight", ...). */
    String manifestName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * The kind of a float entry, or null when the recipe leaves it at the module's own initial
     * value.
     */
    static Kind of(String key, List<Integer> shape) {
      String last = key.substring(key.lastIndexOf('.') + 1);
      return switch (last) {
        case "weight" -> shape.size() >= 2 ? WEIGHT : NORM_WEIGHT;
        case "bias" -> BIAS;
        case "running_mean" -> RUNNING_MEAN;
        case "running_var" -> RUNNING_VAR;
        default -> null;
      };
    }
  }

  private ZooWeights() {}

  /**
   * The 16-bit hash r(t, i) in [0, 65536). Long products wrap modulo 2^64, which keeps the low 32
   * bits exact.
   */
  static int hash16(long t, long i) {
    long x = (t * HASH_T + i * HASH_I + HASH_ADD) & M32;
    x ^= x >>> 15;
    x = (x * MIX1) & M32;
    x ^= x >>> 13;
    x = (x * MIX2) & M32;
    x ^= x >>> 16;
    return (int) (x >>> 16);
  }

  /**
   * Smallest k >= 0 with 4^k >= fan_in (the elements of one output row), so 2^-k <= 1/sqrt(fan_in).
   */
  static int fanInExponent(List<Integer> shape) {
    long fanIn = 1;
    for (int d = 1; d < shape.size(); d++) {
      fanIn *= shape.get(d);
    }
    int k = 0;
    while ((1L << (2 * k)) < fanIn) {
      k++;
    }
    return k;
  }

  /**
   * The power-of-two exponent of an entry: the kind's, plus the fan-in one for weights of a
   * "fan_in" model.
   */
  static int exponent(Kind kind, List<Integer> shape, boolean scaleByFanIn) {
    return kind.exponent + (kind == Kind.WEIGHT && scaleByFanIn ? fanInExponent(shape) : 0);
  }

  /** The recipe's tensor for the state-dict entry at position {@code index}, row-major. */
  static float[] tensor(int index, Kind kind, List<Integer> shape, boolean scaleByFanIn) {
    long n = 1;
    for (int d : shape) {
      n *= d;
    }
    int exponent = exponent(kind, shape, scaleByFanIn);
    float[] values = new float[Math.toIntExact(n)];
    for (int i = 0; i < values.length; i++) {
      // |numerator| < 2^24: exact in float32, and scaling by a power of two is exact too
      values[i] = Math.scalb((float) (hash16(index, i) - 32768 + kind.offset), -exponent);
    }
    return values;
  }

  /**
   * Regenerates every tensor a weights manifest lists (the recipe's, and the module's own initial
   * values stored inline) and compares its SHA-256 over float32 (int64 for I64) little-endian
   * bytes, its kind and its exponent with the manifest. Returns one line per mismatch; empty when
   * Java reproduces the manifest exactly.
   */
  static List<String> verify(JsonObject manifest) {
    List<String> problems = new ArrayList<>();
    String model = manifest.get("model").getAsString();
    boolean scaleByFanIn = manifest.get("weight_scale").getAsString().equals("fan_in");
    JsonArray tensors = manifest.getAsJsonArray("tensors");
    for (int t = 0; t < tensors.size(); t++) {
      JsonObject e = tensors.get(t).getAsJsonObject();
      String key = e.get("key").getAsString();
      String where = model + " " + key;
      if (e.get("index").getAsInt() != t) {
        problems.add(where + ": index " + e.get("index") + " but position " + t);
      }
      List<Integer> shape = new ArrayList<>();
      e.getAsJsonArray("shape").forEach(d -> shape.add(d.getAsInt()));
      boolean isFloat = e.get("dtype").getAsString().equals("F32");
      Kind kind = isFloat ? Kind.of(key, shape) : null;
      String init = e.get("init").getAsString();
      byte[] bytes;
      if (kind != null) {
        if (!init.equals("recipe")
            || !e.get("kind").getAsString().equals(kind.manifestName())
            || e.get("exponent").getAsInt() != exponent(kind, shape, scaleByFanIn)
            || e.get("offset").getAsInt() != kind.offset) {
          problems.add(
              where
                  + ": manifest says "
                  + init
                  + " "
                  + e.get("kind")
                  + " exponent "
                  + e.get("exponent")
                  + ", the recipe gives "
                  + kind.manifestName()
                  + " exponent "
                  + exponent(kind, shape, scaleByFanIn));
          continue;
        }
        float[] v = tensor(t, kind, shape, scaleByFanIn);
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        bytes = b.array();
      } else {
        if (!init.equals("module")) {
          problems.add(where + ": manifest says " + init + ", the recipe leaves it to the module");
          continue;
        }
        JsonArray values = e.getAsJsonArray("values");
        ByteBuffer b =
            ByteBuffer.allocate((isFloat ? 4 : 8) * values.size()).order(ByteOrder.LITTLE_ENDIAN);
        for (JsonElement v : values) {
          if (isFloat) {
            b.putFloat(v.getAsFloat());
          } else {
            b.putLong(v.getAsLong());
          }
        }
        bytes = b.array();
      }
      String actual = sha256(bytes);
      if (!actual.equals(e.get("sha256").getAsString())) {
        problems.add(
            where
                + ": SHA-256 "
                + actual
                + " differs from the manifest's "
                + e.get("sha256").getAsString());
      }
    }
    return problems;
  }

  /**
   * The state dict a weights manifest describes before the statistics steps, in Brevitas' key
   * order: the recipe's tensors and the module's own initial values (I64 entries as float scalars,
   * as qnn4j's state dicts hold {@code num_batches_tracked}).
   */
  public static Map<String, Tensor> initialState(JsonObject manifest) {
    boolean scaleByFanIn = manifest.get("weight_scale").getAsString().equals("fan_in");
    JsonArray tensors = manifest.getAsJsonArray("tensors");
    Map<String, Tensor> state = new LinkedHashMap<>();
    for (int t = 0; t < tensors.size(); t++) {
      JsonObject e = tensors.get(t).getAsJsonObject();
      String key = e.get("key").getAsString();
      List<Integer> shape = new ArrayList<>();
      e.getAsJsonArray("shape").forEach(d -> shape.add(d.getAsInt()));
      long[] dims = shape.stream().mapToLong(Integer::longValue).toArray();
      boolean isFloat = e.get("dtype").getAsString().equals("F32");
      Kind kind = isFloat ? Kind.of(key, shape) : null;
      float[] values;
      if (kind != null) {
        values = tensor(t, kind, shape, scaleByFanIn);
      } else {
        JsonArray inline = e.getAsJsonArray("values");
        values = new float[inline.size()];
        for (int i = 0; i < values.length; i++) {
          values[i] = inline.get(i).getAsFloat();
        }
      }
      state.put(key, Tensor.of(values, dims));
    }
    return state;
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
