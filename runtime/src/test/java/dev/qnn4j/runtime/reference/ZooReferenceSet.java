package dev.qnn4j.runtime.reference;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.qnn4j.runtime.io.ArrayData;
import dev.qnn4j.runtime.io.Npy;
import dev.qnn4j.runtime.io.Safetensors;
import java.io.IOException;
import java.io.Reader;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Integrity of the issue-17 reference set ({@code reference/brevitas-zoo/}, made by
 * benchmarks/reference/make_zoo_reference.py): every file its index.json names exists and parses,
 * and every file in the directory is named by the index. Problems are collected, one line each.
 */
final class ZooReferenceSet {
  static final String RESOURCE_DIR = "/reference/brevitas-zoo/";

  /** Files of the set that the index does not list as case data. */
  private static final Set<String> DOCUMENTS = Set.of("index.json", "README.md");

  /**
   * Suffix of a model case's weights manifest (state-dict keys, the recipe's tensors and their
   * SHA-256).
   */
  static final String MANIFEST_SUFFIX = ".weights.manifest.json";

  /** A serialized ONNX ModelProto starts with field 1 (ir_version, varint): key byte 0x08. */
  private static final int ONNX_FIRST_KEY = 0x08;

  private ZooReferenceSet() {}

  /**
   * The set's source directory when the tests run from the module (Maven's default working
   * directory), so that a file deleted from the sources but still in a stale target/test-classes is
   * not seen; else its directory on the test classpath.
   */
  static Path directory() {
    Path source = Path.of("src", "test", "resources").resolve(RESOURCE_DIR.substring(1));
    if (Files.isRegularFile(source.resolve("index.json"))) {
      return source;
    }
    URL url = ZooReferenceSet.class.getResource(RESOURCE_DIR + "index.json");
    if (url == null) {
      throw new IllegalStateException(
          "reference set missing from the test classpath: " + RESOURCE_DIR);
    }
    try {
      return Path.of(url.toURI()).getParent();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static JsonObject index(Path dir) throws IOException {
    try (Reader r = Files.newBufferedReader(dir.resolve("index.json"))) {
      return JsonParser.parseReader(r).getAsJsonObject();
    }
  }

  /** Every problem of the set in {@code dir}; empty when the set is whole. */
  static List<String> problems(Path dir) {
    List<String> problems = new ArrayList<>();
    JsonObject index;
    try {
      index = index(dir);
    } catch (IOException | JsonParseException | IllegalStateException e) {
      problems.add("index.json: unreadable: " + e.getMessage());
      return problems;
    }
    if (!index.has("cases") || index.getAsJsonArray("cases").isEmpty()) {
      problems.add("index.json: no cases");
      return problems;
    }
    Set<String> listed = new TreeSet<>();
    for (JsonElement e : index.getAsJsonArray("cases")) {
      JsonObject c = e.getAsJsonObject();
      String name = c.has("name") ? c.get("name").getAsString() : "<unnamed>";
      if (!c.has("kind")) {
        problems.add(name + ": no kind");
      }
      for (String group : List.of("inputs", "outputs")) {
        if (!c.has(group)) {
          continue;
        }
        for (Map.Entry<String, JsonElement> f : c.getAsJsonObject(group).entrySet()) {
          if (isFileName(f.getValue())) {
            String file = f.getValue().getAsString();
            listed.add(file);
            check(dir, name + " " + group + "." + f.getKey(), file, problems);
          }
        }
      }
    }
    checkOnnxDigests(dir, index, problems);
    try (Stream<Path> files = Files.list(dir)) {
      files
          .map(p -> p.getFileName().toString())
          .filter(f -> !listed.contains(f) && !DOCUMENTS.contains(f))
          .sorted()
          .forEach(f -> problems.add(f + ": in the directory but named by no case of index.json"));
    } catch (IOException e) {
      problems.add(dir + ": cannot list: " + e.getMessage());
    }
    return problems;
  }

  private static boolean isFileName(JsonElement v) {
    if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isString()) {
      return false;
    }
    String s = v.getAsString();
    return s.endsWith(".npy")
        || s.endsWith(".safetensors")
        || s.endsWith(".onnx")
        || s.endsWith(".json");
  }

  private static void check(Path dir, String what, String file, List<String> problems) {
    Path path = dir.resolve(file);
    if (!Files.isRegularFile(path)) {
      problems.add(what + ": missing file " + file);
      return;
    }
    try {
      if (file.endsWith(".npy")) {
        ArrayData a = Npy.read(path);
        if (a.numElements() == 0) {
          problems.add(what + ": " + file + " is empty");
        }
      } else if (file.endsWith(".safetensors")) {
        if (Safetensors.read(path).tensors().isEmpty()) {
          problems.add(what + ": " + file + " holds no tensor");
        }
      } else if (file.endsWith(".onnx")) {
        byte[] head = new byte[1];
        try (var in = Files.newInputStream(path)) {
          if (in.read(head) != 1 || (head[0] & 0xff) != ONNX_FIRST_KEY) {
            problems.add(what + ": " + file + " does not start like an ONNX ModelProto");
          }
        }
      } else if (file.endsWith(MANIFEST_SUFFIX)) {
        try (Reader r = Files.newBufferedReader(path)) {
          JsonObject manifest = JsonParser.parseReader(r).getAsJsonObject();
          if (!manifest.has("tensors") || manifest.getAsJsonArray("tensors").isEmpty()) {
            problems.add(what + ": " + file + " lists no state-dict tensors");
          }
        }
      } else {
        try (Reader r = Files.newBufferedReader(path)) {
          JsonObject summary = JsonParser.parseReader(r).getAsJsonObject();
          if (!summary.has("nodes") || summary.getAsJsonArray("nodes").isEmpty()) {
            problems.add(what + ": " + file + " lists no ONNX nodes");
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      problems.add(what + ": " + file + " does not parse: " + e.getMessage());
    }
  }

  /** A stored ONNX file must be the one its summary describes (same SHA-256). */
  private static void checkOnnxDigests(Path dir, JsonObject index, List<String> problems) {
    for (JsonElement e : index.getAsJsonArray("cases")) {
      JsonObject c = e.getAsJsonObject();
      if (!c.has("outputs")) {
        continue;
      }
      JsonObject out = c.getAsJsonObject("outputs");
      for (String kind : List.of("qcdq", "qonnx")) {
        if (!out.has(kind + "_onnx") || !out.has(kind + "_onnx_summary")) {
          continue;
        }
        Path onnx = dir.resolve(out.get(kind + "_onnx").getAsString());
        Path summary = dir.resolve(out.get(kind + "_onnx_summary").getAsString());
        if (!Files.isRegularFile(onnx) || !Files.isRegularFile(summary)) {
          continue; // reported as missing already
        }
        try (Reader r = Files.newBufferedReader(summary)) {
          String expected = JsonParser.parseReader(r).getAsJsonObject().get("sha256").getAsString();
          String actual =
              HexFormat.of()
                  .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(onnx)));
          if (!expected.equals(actual)) {
            problems.add(
                onnx.getFileName()
                    + ": SHA-256 "
                    + actual
                    + " differs from its summary's "
                    + expected);
          }
        } catch (IOException | RuntimeException | NoSuchAlgorithmException ex) {
          problems.add(summary.getFileName() + ": cannot check the digest: " + ex.getMessage());
        }
      }
    }
  }
}
