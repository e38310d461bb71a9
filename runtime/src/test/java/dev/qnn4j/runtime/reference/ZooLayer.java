package dev.qnn4j.runtime.reference;

import com.google.gson.JsonObject;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.io.ArrayData;
import dev.qnn4j.runtime.io.Npy;
import dev.qnn4j.runtime.io.Safetensors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** One {@code layer} case of the brevitas-zoo reference set: its files by their index.json key. */
final class ZooLayer {
  private final JsonObject index;
  private final Path dir;

  ZooLayer(String name) {
    this.dir = ZooReferenceSet.directory();
    try {
      JsonObject found = null;
      for (var e : ZooReferenceSet.index(dir).getAsJsonArray("cases")) {
        if (e.getAsJsonObject().get("name").getAsString().equals(name)) {
          found = e.getAsJsonObject();
        }
      }
      if (found == null) {
        throw new IllegalArgumentException("no brevitas-zoo case " + name);
      }
      this.index = found;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  int trainSteps() {
    return index.get("train_steps").getAsInt();
  }

  boolean has(String key) {
    return file(key) != null;
  }

  private String file(String key) {
    for (String part : new String[] {"inputs", "outputs"}) {
      JsonObject o = index.getAsJsonObject(part);
      if (o.has(key)
          && o.get(key).isJsonPrimitive()
          && o.get(key).getAsJsonPrimitive().isString()) {
        return o.get(key).getAsString();
      }
    }
    return null;
  }

  private String require(String key) {
    String f = file(key);
    if (f == null) {
      throw new IllegalArgumentException(index.get("name").getAsString() + ": no file for " + key);
    }
    return f;
  }

  ArrayData npy(String key) {
    try {
      return Npy.read(dir.resolve(require(key)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  float[] floats(String key) {
    return npy(key).toFloatArray();
  }

  Tensor tensor(String key) {
    ArrayData a = npy(key);
    return Tensor.of(a.toFloatArray(), a.shape());
  }

  /**
   * A state file's tensors, keys prefixed with {@code prefix + "."} (the module's name in qnn4j).
   */
  Map<String, Tensor> state(String key, String prefix) {
    try {
      Map<String, Tensor> out = new LinkedHashMap<>();
      for (Map.Entry<String, ArrayData> e :
          Safetensors.read(dir.resolve(require(key))).tensors().entrySet()) {
        out.put(
            prefix + "." + e.getKey(),
            Tensor.of(e.getValue().toFloatArray(), e.getValue().shape()));
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
