package dev.qnn4j.runtime.train;

import static com.google.common.truth.Truth.assertThat;

import dev.qnn4j.runtime.data.BatchLoader;
import dev.qnn4j.runtime.data.Dataset;
import dev.qnn4j.runtime.io.ArrayData;
import dev.qnn4j.runtime.io.Npy;
import dev.qnn4j.runtime.train.TestModels.TinyQuantNet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A memory-mapped {@code .npy} data set trains exactly like the same data held in the heap: the
 * same shuffled order, the same batches and a byte-identical checkpoint, for float32 and uint8
 * images.
 */
class MappedTrainingTest {
  @TempDir Path dir;

  @Test
  void float32ImagesMappedTrainBitIdenticallyToImagesInTheHeap() throws Exception {
    Dataset heap = TestModels.quadrants(64, 1, 8, 11);
    Path x = dir.resolve("x.npy");
    Path y = dir.resolve("y.npy");
    Npy.write(x, ArrayData.ofFloats(heap.images(), heap.shape()));
    Npy.write(y, ArrayData.ofInts(heap.labels(), heap.size()));
    Dataset mapped = Dataset.fromNpy(x, y);
    assertThat(mapped.alwaysFinite()).isFalse();
    assertSameTraining(
        Dataset.of(heap.images(), heap.labels(), 1, 8, 8, mapped.numClasses()), mapped);
  }

  @Test
  void uint8ImagesMappedTrainBitIdenticallyToImagesInTheHeap() throws Exception {
    Dataset quadrants = TestModels.quadrants(64, 1, 8, 11);
    byte[] pixels = new byte[64 * 64];
    Random rng = new Random(5);
    float[] q = quadrants.images();
    for (int i = 0; i < pixels.length; i++) {
      // the quadrant pattern, so the model learns something, with noise
      pixels[i] = (byte) Math.max(0, Math.min(255, (int) (127 + 60 * q[i] + rng.nextInt(21) - 10)));
    }
    ArrayData images = ArrayData.ofUnsignedBytes(pixels, 64, 1, 8, 8);
    ArrayData labels = ArrayData.ofInts(quadrants.labels(), 64);
    Path x = dir.resolve("x.npy");
    Path y = dir.resolve("y.npy");
    Npy.write(x, images);
    Npy.write(y, labels);
    Dataset mapped = Dataset.fromNpy(x, y);
    assertThat(mapped.alwaysFinite()).isTrue();
    Dataset heap = Dataset.fromArrays(images, labels);
    // uint8 is normalised like the built-in image data sets: 0 -> -1, 255 -> 1
    assertThat(mapped.image(0)[0]).isEqualTo(((pixels[0] & 0xFF) / 255f - 0.5f) / 0.5f);
    assertSameTraining(heap, mapped);
  }

  private void assertSameTraining(Dataset heap, Dataset mapped) throws Exception {
    assertThat(mapped.size()).isEqualTo(heap.size());
    assertThat(mapped.images()).isEqualTo(heap.images());
    for (int epoch = 0; epoch < 2; epoch++) {
      BatchLoader a = new BatchLoader(heap, 16, true, 42);
      BatchLoader b = new BatchLoader(mapped, 16, true, 42);
      assertThat(b.order(epoch)).isEqualTo(a.order(epoch));
      Iterator<BatchLoader.Batch> ib = b.epoch(epoch).iterator();
      for (BatchLoader.Batch batch : a.epoch(epoch)) {
        BatchLoader.Batch other = ib.next();
        assertThat(other.images()).isEqualTo(batch.images());
        assertThat(other.labels()).isEqualTo(batch.labels());
        assertThat(other.indices()).isEqualTo(batch.indices());
      }
    }
    Path heapCheckpoint = dir.resolve("heap.safetensors");
    Path mappedCheckpoint = dir.resolve("mapped.safetensors");
    train(heap, heapCheckpoint);
    train(mapped, mappedCheckpoint);
    assertThat(Files.readAllBytes(mappedCheckpoint)).isEqualTo(Files.readAllBytes(heapCheckpoint));
  }

  private static void train(Dataset data, Path checkpoint) throws Exception {
    TinyQuantNet model = new TinyQuantNet();
    Trainer.initialize(model, 42);
    TrainerConfig config = new TrainerConfig(2, 16, true, 42, 0, 256, checkpoint);
    new Trainer(model, new Adam(model.parameters(), 5e-3f), config).fit(data, data);
  }
}
