package dev.qnn4j.runtime.reference;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.io.ArrayData;
import dev.qnn4j.runtime.io.Npy;
import dev.qnn4j.runtime.io.Safetensors;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Brevitas 0.11 reference vectors on the test classpath ({@code reference/brevitas/}, see its
 * PROVENANCE.md): the case index and loaders for its .npy and .safetensors files.
 */
public final class Reference {
  private static final String ROOT = "reference/brevitas/";
  private static JsonObject index;

  private Reference() {}

  public static synchronized JsonObject index() {
    if (index == null) {
      index = readIndex(ROOT);
    }
    return index;
  }

  /** The cases of one kind, in index order. */
  public static List<JsonObject> cases(String kind) {
    return casesOfKind(index(), kind);
  }

  public static JsonObject caseNamed(String name) {
    return caseNamed(index(), name);
  }

  private static JsonObject readIndex(String root) {
    try (InputStream in = open(root, "index.json")) {
      return JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8))
          .getAsJsonObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<JsonObject> casesOfKind(JsonObject index, String kind) {
    List<JsonObject> out = new ArrayList<>();
    for (JsonElement e : index.getAsJsonArray("cases")) {
      JsonObject c = e.getAsJsonObject();
      if (c.get("kind").getAsString().equals(kind)) {
        out.add(c);
      }
    }
    return out;
  }

  private static JsonObject caseNamed(JsonObject index, String name) {
    for (JsonElement e : index.getAsJsonArray("cases")) {
      if (e.getAsJsonObject().get("name").getAsString().equals(name)) {
        return e.getAsJsonObject();
      }
    }
    throw new IllegalArgumentException("no reference case " + name);
  }

  public static ArrayData npy(String file) {
    return npy(ROOT, file);
  }

  private static ArrayData npy(String root, String file) {
    try (InputStream in = open(root, file)) {
      return Npy.read(in, file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static float[] floats(String file) {
    return npy(file).toFloatArray();
  }

  public static Tensor tensor(String file) {
    ArrayData a = npy(file);
    return Tensor.of(a.toFloatArray(), a.shape());
  }

  /** Rows of the leading dimension as tensors ({@code [K, ...]} to K tensors of {@code [...]}). */
  public static List<Tensor> unstack(String file) {
    ArrayData a = npy(file);
    long[] shape = a.shape();
    long[] inner = java.util.Arrays.copyOfRange(shape, 1, shape.length);
    int per = (int) (a.numElements() / shape[0]);
    float[] all = a.toFloatArray();
    List<Tensor> out = new ArrayList<>();
    for (int k = 0; k < shape[0]; k++) {
      out.add(Tensor.of(java.util.Arrays.copyOfRange(all, k * per, (k + 1) * per), inner));
    }
    return out;
  }

  public static int[] labels(String file) {
    long[] l = npy(file).toLongArray();
    int[] out = new int[l.length];
    for (int i = 0; i < l.length; i++) {
      out[i] = (int) l[i];
    }
    return out;
  }

  /** A state dict of float tensors by PyTorch name. */
  public static Map<String, Tensor> safetensors(String file) {
    return safetensors(ROOT, file);
  }

  private static Map<String, Tensor> safetensors(String root, String file) {
    try {
      Path tmp = copyToTemp(root, file);
      try {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, ArrayData> e : Safetensors.read(tmp).tensors().entrySet()) {
          out.put(e.getKey(), Tensor.of(e.getValue().toFloatArray(), e.getValue().shape()));
        }
        return out;
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A reference file as a file on disk (copied out of the classpath), e.g. for command-line tests.
   */
  public static Path copyToTemp(String file) throws IOException {
    return copyToTemp(ROOT, file);
  }

  private static Path copyToTemp(String root, String file) throws IOException {
    String suffix = file.substring(file.lastIndexOf('.'));
    if (suffix.contains("/")) {
      suffix = ".tmp";
    }
    Path tmp = Files.createTempFile("qnn4j-ref-", suffix);
    try (InputStream in = open(root, file)) {
      Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
    }
    return tmp;
  }

  public static float[] toFloats(JsonArray a) {
    float[] out = new float[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.get(i).getAsFloat();
    }
    return out;
  }

  private static InputStream open(String file) throws IOException {
    return open(ROOT, file);
  }

  private static InputStream open(String root, String file) throws IOException {
    // Normalised, since a class-path jar (the runtime's test-jar, as other modules' tests see it)
    // resolves no "..": the zoo set reaches its files as "reference/brevitas/../brevitas-zoo/".
    String path = java.net.URI.create(root + file).normalize().toString();
    InputStream in = Reference.class.getClassLoader().getResourceAsStream(path);
    if (in == null) {
      throw new IOException("reference file " + path + " is not on the test classpath");
    }
    return in;
  }

  /**
   * The issue-17 set ({@code reference/brevitas-zoo/}, see its README): same formats, its own
   * index.
   */
  public static final class Zoo {
    private static final String ZOO_ROOT = "reference/brevitas-zoo/";
    private static JsonObject zooIndex;

    private Zoo() {}

    public static synchronized JsonObject index() {
      if (zooIndex == null) {
        zooIndex = readIndex(ZOO_ROOT);
      }
      return zooIndex;
    }

    /** The cases of one kind, in index order. */
    public static List<JsonObject> cases(String kind) {
      return casesOfKind(index(), kind);
    }

    public static JsonObject caseNamed(String name) {
      return Reference.caseNamed(index(), name);
    }

    public static float[] floats(String file) {
      return npy(ZOO_ROOT, file).toFloatArray();
    }

    public static Map<String, Tensor> safetensors(String file) {
      // Not "../brevitas-zoo/": a path with ".." does not resolve inside the test jar.
      return Reference.safetensors(ZOO_ROOT, file);
    }

    public static Tensor tensor(String file) {
      ArrayData a = npy(ZOO_ROOT, file);
      return Tensor.of(a.toFloatArray(), a.shape());
    }

    /**
     * The state dict a model case starts from ({@code <model>.weights.manifest.json}): the zoo
     * weight recipe's tensors ({@link ZooWeights}) and the module's own initial values, by
     * Brevitas' keys in Brevitas' order (integers as float tensors).
     */
    public static Map<String, Tensor> initialState(String model) {
      JsonObject manifest;
      try (InputStream in = open(ZOO_ROOT, model + ".weights.manifest.json")) {
        manifest =
            com.google.gson.JsonParser.parseReader(
                    new java.io.InputStreamReader(in, java.nio.charset.StandardCharsets.UTF_8))
                .getAsJsonObject();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      boolean scaleByFanIn = manifest.get("weight_scale").getAsString().equals("fan_in");
      JsonArray tensors = manifest.getAsJsonArray("tensors");
      Map<String, Tensor> state = new java.util.LinkedHashMap<>();
      for (int t = 0; t < tensors.size(); t++) {
        JsonObject e = tensors.get(t).getAsJsonObject();
        String key = e.get("key").getAsString();
        List<Integer> shape = new java.util.ArrayList<>();
        e.getAsJsonArray("shape").forEach(d -> shape.add(d.getAsInt()));
        ZooWeights.Kind kind =
            e.get("dtype").getAsString().equals("F32") ? ZooWeights.Kind.of(key, shape) : null;
        float[] values =
            kind != null
                ? ZooWeights.tensor(t, kind, shape, scaleByFanIn)
                : toFloats(e.getAsJsonArray("values"));
        state.put(key, Tensor.of(values, shape.stream().mapToLong(Integer::longValue).toArray()));
      }
      return state;
    }
  }
}
