package dev.qnn4j.runtime.reference;

import static com.google.common.truth.Truth.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.qnn4j.runtime.io.Safetensors;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The issue-17 Brevitas reference set is whole: see {@link ZooReferenceSet}. */
class ZooReferenceSetTest {

  @Test
  void everyListedFileExistsAndParsesAndNothingIsUnlisted() {
    assertThat(ZooReferenceSet.problems(ZooReferenceSet.directory())).isEmpty();
  }

  @Test
  void holdsTheFourZooModelsWithBrevitasStateDictNames() throws IOException {
    Path dir = ZooReferenceSet.directory();
    Map<String, String> keyPerModel =
        Map.of(
            "tfc_1w1a", "features.2.weight",
            "tfc_2w2a", "features.3.running_mean",
            "cnv_2w2a", "conv_features.1.weight",
            "resnet18_4w4a", "layer1.0.conv1.weight");
    Map<String, JsonObject> manifests = manifests(dir);
    assertThat(manifests.keySet()).containsExactlyElementsIn(keyPerModel.keySet());
    for (Map.Entry<String, JsonObject> m : manifests.entrySet()) {
      List<String> keys = new ArrayList<>();
      Set<String> inStatsFile = new TreeSet<>();
      String statsFile = null;
      List<JsonElement> entries = new ArrayList<>();
      m.getValue().getAsJsonArray("tensors").forEach(entries::add);
      m.getValue().getAsJsonArray("added_by_stats").forEach(entries::add);
      for (JsonElement t : entries) {
        JsonObject e = t.getAsJsonObject();
        keys.add(e.get("key").getAsString());
        JsonElement after = e.get("after_stats");
        if (after.isJsonPrimitive() && !after.getAsString().equals("unchanged")) {
          statsFile = after.getAsString();
          inStatsFile.add(e.get("key").getAsString());
        }
      }
      assertThat(keys).contains(keyPerModel.get(m.getKey()));
      // the state dict after the statistics steps: the listed keys, each once
      List<String> afterStats = new ArrayList<>();
      m.getValue().getAsJsonArray("keys_after_stats").forEach(k -> afterStats.add(k.getAsString()));
      assertThat(afterStats).containsExactlyElementsIn(keys);
      // the statistics steps change the BatchNorm running statistics: the file holds exactly the
      // changed keys
      assertThat(statsFile).isNotNull();
      assertThat(Safetensors.read(dir.resolve(statsFile)).tensors().keySet())
          .containsExactlyElementsIn(inStatsFile);
    }
  }

  @Test
  void javaRegeneratesEveryManifestTensorBitForBit() throws IOException {
    long recipeElements = 0;
    for (JsonObject manifest : manifests(ZooReferenceSet.directory()).values()) {
      assertThat(ZooWeights.verify(manifest)).isEmpty();
      for (JsonElement t : manifest.getAsJsonArray("tensors")) {
        JsonObject e = t.getAsJsonObject();
        if (e.get("init").getAsString().equals("recipe")) {
          long n = 1;
          for (JsonElement d : e.getAsJsonArray("shape")) {
            n *= d.getAsLong();
          }
          recipeElements += n;
        }
      }
    }
    // resnet18_4w4a alone has 11.2 M recipe values; all four models together more than 12 M
    assertThat(recipeElements).isGreaterThan(12_000_000L);
  }

  @Test
  void manifestCheckReportsATensorTheRecipeDoesNotReproduce() throws IOException {
    JsonObject manifest = manifests(ZooReferenceSet.directory()).get("tfc_2w2a").deepCopy();
    JsonArray tensors = manifest.getAsJsonArray("tensors");
    // swap the positions of two weights: same shapes, kinds and digests, but the hash runs over the
    // position
    JsonObject a = tensors.get(0).getAsJsonObject();
    JsonObject b = findByKey(tensors, "features.6.weight");
    String digestA = a.get("sha256").getAsString();
    a.addProperty("sha256", b.get("sha256").getAsString());
    b.addProperty("sha256", digestA);

    List<String> problems = ZooWeights.verify(manifest);

    assertThat(problems).hasSize(2);
    assertThat(problems.get(0)).startsWith("tfc_2w2a " + a.get("key").getAsString() + ": SHA-256 ");
  }

  @Test
  void recipeValuesLieInTheDocumentedRanges() {
    List<Integer> conv = List.of(512, 512, 3, 3);
    float[] w = ZooWeights.tensor(7, ZooWeights.Kind.WEIGHT, conv, true);
    float[] unit = ZooWeights.tensor(7, ZooWeights.Kind.WEIGHT, conv, false);
    float[] gamma = ZooWeights.tensor(8, ZooWeights.Kind.NORM_WEIGHT, List.of(512), false);
    float[] var = ZooWeights.tensor(9, ZooWeights.Kind.RUNNING_VAR, List.of(512), false);
    float[] bias = ZooWeights.tensor(10, ZooWeights.Kind.BIAS, List.of(512), false);
    assertThat(ZooWeights.fanInExponent(conv)).isEqualTo(7); // 4^7 = 16384 >= 4608 > 4^6
    assertRange(w, -1f / 128, 1f / 128);
    assertRange(unit, -1f, 1f);
    assertRange(gamma, 0.75f, 1.25f);
    assertRange(var, 0.5f, 1.5f);
    assertRange(bias, -0.125f, 0.125f);
  }

  private static void assertRange(float[] v, float lo, float hi) {
    float min = Float.POSITIVE_INFINITY;
    float max = Float.NEGATIVE_INFINITY;
    for (float x : v) {
      min = Math.min(min, x);
      max = Math.max(max, x);
    }
    assertThat(min).isAtLeast(lo);
    assertThat(max).isLessThan(hi);
    // spread over the range, not stuck at one value
    assertThat(max - min).isGreaterThan((hi - lo) * 0.9f);
  }

  private static JsonObject findByKey(JsonArray tensors, String key) {
    for (JsonElement t : tensors) {
      if (t.getAsJsonObject().get("key").getAsString().equals(key)) {
        return t.getAsJsonObject();
      }
    }
    throw new AssertionError("no key " + key);
  }

  /** Model name -> its weights manifest, for every model case of the index. */
  private static Map<String, JsonObject> manifests(Path dir) throws IOException {
    Map<String, JsonObject> out = new TreeMap<>();
    for (JsonElement e : ZooReferenceSet.index(dir).getAsJsonArray("cases")) {
      JsonObject c = e.getAsJsonObject();
      if (!c.get("kind").getAsString().equals("model")) {
        continue;
      }
      String file = c.getAsJsonObject("outputs").get("weights_manifest").getAsString();
      try (Reader r = Files.newBufferedReader(dir.resolve(file))) {
        out.put(c.get("name").getAsString(), JsonParser.parseReader(r).getAsJsonObject());
      }
    }
    return out;
  }

  @Test
  void reportsAMissingFile(@TempDir Path tmp) throws IOException {
    writeIndex(tmp, "a.npy", "b.npy");
    copy("wq_binary_linear.weight.npy", tmp.resolve("a.npy"));

    assertThat(ZooReferenceSet.problems(tmp))
        .containsExactly("c inputs.second: missing file b.npy");
  }

  @Test
  void reportsACorruptArrayAndAnUnlistedFile(@TempDir Path tmp) throws IOException {
    writeIndex(tmp, "a.npy", "b.npy");
    copy("wq_binary_linear.weight.npy", tmp.resolve("a.npy"));
    Files.write(tmp.resolve("b.npy"), new byte[] {(byte) 0x93, 'N', 'U', 'M'});
    Files.writeString(tmp.resolve("stray.npy"), "x");

    List<String> problems = ZooReferenceSet.problems(tmp);

    assertThat(problems).hasSize(2);
    assertThat(problems.get(0)).startsWith("c inputs.second: b.npy does not parse");
    assertThat(problems.get(1))
        .isEqualTo("stray.npy: in the directory but named by no case of index.json");
  }

  private static void writeIndex(Path dir, String first, String second) throws IOException {
    Files.writeString(
        dir.resolve("index.json"),
        "{\"cases\": [{\"name\": \"c\", \"kind\": \"layer\", "
            + "\"inputs\": {\"first\": \""
            + first
            + "\", \"second\": \""
            + second
            + "\"}}]}",
        StandardCharsets.UTF_8);
  }

  private static void copy(String file, Path to) throws IOException {
    Files.copy(ZooReferenceSet.directory().resolve(file), to);
  }
}
