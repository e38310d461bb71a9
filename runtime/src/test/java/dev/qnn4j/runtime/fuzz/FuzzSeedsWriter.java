package dev.qnn4j.runtime.fuzz;

import dev.qnn4j.runtime.data.Cifar10;
import dev.qnn4j.runtime.data.Dataset;
import dev.qnn4j.runtime.data.ImageCache;
import dev.qnn4j.runtime.io.ArrayData;
import dev.qnn4j.runtime.io.Npy;
import dev.qnn4j.runtime.io.Safetensors;
import dev.qnn4j.runtime.io.Safetensors.SafetensorsFile;
import dev.qnn4j.runtime.train.Adam;
import dev.qnn4j.runtime.train.Checkpoint;
import dev.qnn4j.runtime.train.Sgd;
import dev.qnn4j.runtime.train.Trainer;
import dev.qnn4j.runtime.train.TrainerConfig;
import dev.qnn4j.runtime.train.TrainingState;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * Writes the seed corpora of the runtime's fuzz tests into {@code
 * src/test/resources/dev/qnn4j/runtime/fuzz/<Class>Inputs/<method>/}: small valid files cut from
 * the Brevitas reference files, plus one corrupt file per kind of mistake the readers must report.
 * The corpora are checked in; this tool documents and reproduces how they were made. It is not a
 * test: run it from the repository root with {@code ./write-fuzz-seeds.sh} (see RELIABILITY.md).
 */
public final class FuzzSeedsWriter {
  private static final Path ROOT = Path.of("src/test/resources/dev/qnn4j/runtime/fuzz");

  private FuzzSeedsWriter() {}

  /** Writes every corpus; the working directory must be the runtime module. */
  public static void main(String[] args) throws IOException {
    npy();
    safetensors();
    idx();
    cifar10();
    imageCache();
    dataset();
    checkpoint();
    System.out.println("wrote the runtime's fuzz seed corpora under " + ROOT.toAbsolutePath());
  }

  static void npy() throws IOException {
    Path dir = ROOT.resolve("NpyFuzzTestInputs/read");
    Files.createDirectories(dir);
    // Valid: reference files as numpy wrote them (float32 2-d, int64 labels, 4-d weights).
    copy("act_identity_b2.eval_input.npy", dir.resolve("valid_f4_4x8.npy"));
    copy("qat.labels.npy", dir.resolve("valid_i8_labels_3x16.npy"));
    copy("bias_int8.bias.npy", dir.resolve("valid_f4_vector.npy"));
    copy("weight_conv_b2_perchannel.scale.npy", dir.resolve("valid_f4_6x1x1x1.npy"));
    float[] ref = reference("act_identity_b2.eval_input.npy").floats();
    write(dir.resolve("valid_scalar.npy"), npyBytes(ArrayData.ofFloats(new float[] {ref[0]})));
    write(dir.resolve("valid_empty_0x3.npy"), npyBytes(ArrayData.ofFloats(new float[0], 0, 3)));
    write(
        dir.resolve("valid_u1.npy"),
        npyBytes(ArrayData.ofUnsignedBytes(new byte[] {0, 7, (byte) 255}, 3)));
    write(
        dir.resolve("valid_i1.npy"),
        npyBytes(ArrayData.ofBytes(new byte[] {-128, 0, 127, 1}, 2, 2)));
    write(dir.resolve("valid_i4.npy"), npyBytes(ArrayData.ofInts(new int[] {-1, 2, 3}, 3)));
    write(
        dir.resolve("valid_f8.npy"),
        npyBytes(ArrayData.ofDoubles(new double[] {ref[1], ref[2]}, 2, 1)));
    byte[] six = floats(Arrays.copyOf(ref, 6));
    write(
        dir.resolve("valid_fortran_2x3.npy"),
        npy(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", six));
    write(
        dir.resolve("valid_v2_header.npy"),
        npy(2, "{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }", six));
    write(
        dir.resolve("valid_v3_header.npy"),
        npy(3, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }", six));
    write(
        dir.resolve("valid_structured_like_spacing.npy"),
        npy(
            1,
            "{\"descr\":\"|u1\",\"fortran_order\":False,\"shape\":(2,2)}",
            new byte[] {1, 2, 3, 4}));
    // Corrupt.
    byte[] big = Files.readAllBytes(referencePath("lenet_weight.input.npy"));
    write(dir.resolve("bad_truncated.npy"), Arrays.copyOf(big, 600));
    write(
        dir.resolve("bad_huge_shape.npy"),
        npy(
            1,
            "{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000, 100000), }",
            six));
    write(
        dir.resolve("bad_huge_shape_stream.npy"),
        npy(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (2147483647,), }", new byte[8]));
    write(
        dir.resolve("bad_overflowing_shape.npy"),
        npy(
            1,
            "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4294967296), }",
            six));
    write(
        dir.resolve("bad_big_endian.npy"),
        npy(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (6,), }", six));
    write(
        dir.resolve("bad_dtype_f2.npy"),
        npy(1, "{'descr': '<f2', 'fortran_order': False, 'shape': (12,), }", six));
    write(
        dir.resolve("bad_structured.npy"),
        npy(
            1,
            "{'descr': [('x', '<f4'), ('y', '<f4')], 'fortran_order': False, 'shape': (3,), }",
            six));
    write(
        dir.resolve("bad_negative_dim.npy"),
        npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (-6,), }", six));
    write(
        dir.resolve("bad_trailing_bytes.npy"),
        npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }", six));
    write(
        dir.resolve("bad_header_length.npy"),
        Arrays.copyOf(
            npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }", six), 40));
    byte[] badMagic = npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }", six);
    badMagic[1] = 'n';
    write(dir.resolve("bad_magic.npy"), badMagic);
  }

  static void safetensors() throws IOException {
    Path dir = ROOT.resolve("SafetensorsFuzzTestInputs/read");
    Files.createDirectories(dir);
    SafetensorsFile lenet = Safetensors.read(referencePath("lenet_weight.weights.safetensors"));
    Map<String, ArrayData> small = new LinkedHashMap<>();
    small.put("conv1.bias", lenet.tensors().get("conv1.bias"));
    small.put("fc3.bias", lenet.tensors().get("fc3.bias"));
    small.put(
        "conv1.weight.slice",
        ArrayData.ofFloats(
            Arrays.copyOf(lenet.tensors().get("conv1.weight").floats(), 18), 2, 1, 3, 3));
    small.put("counter", ArrayData.ofLongs(new long[] {42}));
    small.put("labels", ArrayData.ofUnsignedBytes(new byte[] {0, 1, 9}, 3));
    small.put("empty", ArrayData.ofFloats(new float[0], 0, 4));
    Path valid = dir.resolve("valid_small.safetensors");
    // Ordered maps: the writer keeps their order, and Map.of's order changes from run to run.
    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put("qnn4j.note", "seed");
    metadata.put("format", "pt");
    Safetensors.write(valid, small, metadata);
    Safetensors.write(dir.resolve("valid_no_tensors.safetensors"), Map.of());
    Map<String, ArrayData> mixed = new LinkedHashMap<>();
    mixed.put("i32", ArrayData.ofInts(new int[] {1, -2}, 2));
    mixed.put("f64", ArrayData.ofDoubles(new double[] {0.5}, 1, 1));
    mixed.put("i8", ArrayData.ofBytes(new byte[] {-1}, 1));
    Safetensors.write(dir.resolve("valid_mixed_dtypes.safetensors"), mixed);
    // The reference file cut after its header and first tensors.
    byte[] ref = Files.readAllBytes(referencePath("lenet_weight.weights.safetensors"));
    write(dir.resolve("bad_truncated_lenet.safetensors"), Arrays.copyOf(ref, 2048));
    byte[] bytes = Files.readAllBytes(valid);
    write(dir.resolve("bad_truncated_data.safetensors"), Arrays.copyOf(bytes, bytes.length - 3));
    write(dir.resolve("bad_header_length.safetensors"), withHeaderLength(bytes, 0x7fff_ffff_ffffL));
    write(
        dir.resolve("bad_json.safetensors"),
        safetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],", new byte[4]));
    write(
        dir.resolve("bad_overlap.safetensors"),
        safetensors(
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
            new byte[12]));
    write(
        dir.resolve("bad_gap.safetensors"),
        safetensors(
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}",
            new byte[12]));
    write(
        dir.resolve("bad_shape_mismatch.safetensors"),
        safetensors(
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", new byte[8]));
    write(
        dir.resolve("bad_huge_shape.safetensors"),
        safetensors(
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}}",
            new byte[8]));
    write(
        dir.resolve("bad_dtype_bf16.safetensors"),
        safetensors(
            "{\"a\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]}}", new byte[4]));
    write(
        dir.resolve("bad_duplicate.safetensors"),
        safetensors(
            "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},"
                + "\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}",
            new byte[2]));
    write(
        dir.resolve("bad_metadata.safetensors"),
        safetensors(
            "{\"__metadata__\":{\"n\":1},\"a\":{\"dtype\":\"U8\",\"shape\":[],\"data_offsets\":[0,1]}}",
            new byte[1]));
  }

  static void idx() throws IOException {
    Path dir = ROOT.resolve("IdxFuzzTestInputs/read");
    Files.createDirectories(dir);
    byte[] pixels = pixels(reference("lenet_weight.input.npy").floats(), 2 * 8 * 8);
    byte[] images = idx(0x00000803, new int[] {2, 8, 8}, pixels);
    write(dir.resolve("valid_images_2x8x8-idx3-ubyte"), images);
    write(
        dir.resolve("valid_labels-idx1-ubyte"),
        idx(0x00000801, new int[] {5}, new byte[] {7, 2, 1, 0, 4}));
    write(dir.resolve("valid_empty-idx1-ubyte"), idx(0x00000801, new int[] {0}, new byte[0]));
    write(dir.resolve("valid_images-idx3-ubyte.gz"), gzip(images));
    write(dir.resolve("bad_truncated-idx3-ubyte"), Arrays.copyOf(images, 100));
    write(dir.resolve("bad_truncated-idx3-ubyte.gz"), Arrays.copyOf(gzip(images), 40));
    write(
        dir.resolve("bad_huge_dims-idx3-ubyte"),
        idx(0x00000803, new int[] {60000, 60000, 60000}, pixels));
    write(
        dir.resolve("bad_huge_dims_gzip-idx3-ubyte.gz"),
        gzip(idx(0x00000803, new int[] {1, 46340, 46340}, pixels)));
    write(dir.resolve("bad_magic-idx3-ubyte"), idx(0x00000d03, new int[] {2, 8, 8}, pixels));
    write(
        dir.resolve("bad_trailing-idx1-ubyte"),
        idx(0x00000801, new int[] {3}, new byte[] {1, 2, 3, 4}));
  }

  static void cifar10() throws IOException {
    Path dir = ROOT.resolve("Cifar10FuzzTestInputs/read");
    Files.createDirectories(dir);
    byte[] pixels = pixels(reference("lenet_weight.input.npy").floats(), 2 * 3072);
    byte[] two = new byte[2 * 3073];
    for (int r = 0; r < 2; r++) {
      two[r * 3073] = (byte) (r == 0 ? 3 : 9);
      System.arraycopy(pixels, r * 3072, two, r * 3073 + 1, 3072);
    }
    write(dir.resolve("valid_two_records.bin"), two);
    write(dir.resolve("valid_one_record.bin"), Arrays.copyOf(two, 3073));
    write(dir.resolve("bad_truncated.bin"), Arrays.copyOf(two, 3073 + 1000));
    byte[] badLabel = Arrays.copyOf(two, 3073);
    badLabel[0] = 10;
    write(dir.resolve("bad_label.bin"), badLabel);
  }

  static void imageCache() throws IOException {
    Path dir = ROOT.resolve("ImageCacheFuzzTestInputs/read");
    Files.createDirectories(dir);
    byte[] pixels = pixels(reference("lenet_weight.input.npy").floats(), 2 * 3072);
    Path cifar = Files.createTempDirectory("qnn4j-seeds");
    byte[] two = new byte[2 * 3073];
    for (int r = 0; r < 2; r++) {
      two[r * 3073] = (byte) (r == 0 ? 3 : 9);
      System.arraycopy(pixels, r * 3072, two, r * 3073 + 1, 3072);
    }
    Files.write(cifar.resolve("test_batch.bin"), two);
    Cifar10.test(cifar); // writes cifar10-test.qnn4j-images next to it
    byte[] valid = Files.readAllBytes(cifar.resolve("cifar10-test" + ImageCache.SUFFIX));
    write(dir.resolve("valid_two_images"), valid);
    write(dir.resolve("bad_truncated"), Arrays.copyOf(valid, valid.length - 1000));
    byte[] flipped = valid.clone();
    flipped[valid.length / 2] ^= 1;
    write(dir.resolve("bad_checksum"), flipped);
    byte[] magic = valid.clone();
    magic[0] = 'X';
    write(dir.resolve("bad_magic"), magic);
    byte[] label = valid.clone();
    label[label.length - 5] = 10;
    write(dir.resolve("bad_label"), withCrc32c(label));
    byte[] huge = valid.clone();
    ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putLong(16, 1L << 40);
    write(dir.resolve("bad_huge_count"), withCrc32c(huge));
    byte[] header = valid.clone();
    ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).putInt(40, 60000);
    write(dir.resolve("bad_source_length"), withCrc32c(header));
    try (var files = Files.list(cifar)) {
      for (Path f : files.toList()) {
        Files.delete(f);
      }
    }
    Files.delete(cifar);
  }

  /** {@code bytes} with the last 4 set to the CRC-32C of the others, as the cache writer does. */
  private static byte[] withCrc32c(byte[] bytes) {
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(bytes, 0, bytes.length - 4);
    ByteBuffer.wrap(bytes)
        .order(ByteOrder.LITTLE_ENDIAN)
        .putInt(bytes.length - 4, (int) crc.getValue());
    return bytes;
  }

  static void dataset() throws IOException {
    Path dir = ROOT.resolve("DatasetFuzzTestInputs/fromNpy");
    Files.createDirectories(dir);
    float[] ref = reference("act_identity_b2.eval_input.npy").floats();
    ArrayData images = ArrayData.ofFloats(Arrays.copyOf(ref, 12), 3, 1, 2, 2);
    write(dir.resolve("valid_i8_labels"), pair(images, ArrayData.ofLongs(new long[] {0, 2, 1}, 3)));
    write(
        dir.resolve("valid_u1_labels"),
        pair(images, ArrayData.ofUnsignedBytes(new byte[] {1, 1, 0}, 3)));
    write(
        dir.resolve("valid_reference_labels"),
        pair(
            ArrayData.ofFloats(Arrays.copyOf(ref, 16), 16, 1, 1, 1),
            ArrayData.ofLongs(Arrays.copyOf(reference("qat.labels.npy").longs(), 16), 16)));
    write(dir.resolve("bad_count_mismatch"), pair(images, ArrayData.ofLongs(new long[] {0, 1}, 2)));
    write(
        dir.resolve("bad_rank3_images"),
        pair(
            ArrayData.ofFloats(Arrays.copyOf(ref, 12), 3, 2, 2),
            ArrayData.ofLongs(new long[] {0, 2, 1}, 3)));
    write(
        dir.resolve("bad_float_labels"),
        pair(images, ArrayData.ofFloats(new float[] {0, 1, 1}, 3)));
    write(
        dir.resolve("bad_negative_label"),
        pair(images, ArrayData.ofBytes(new byte[] {0, -1, 1}, 3)));
    write(
        dir.resolve("bad_int_images"),
        pair(
            ArrayData.ofInts(new int[12], 3, 1, 2, 2), ArrayData.ofLongs(new long[] {0, 2, 1}, 3)));
    write(
        dir.resolve("bad_no_examples"),
        pair(ArrayData.ofFloats(new float[0], 0, 1, 2, 2), ArrayData.ofLongs(new long[0], 0)));
    write(
        dir.resolve("bad_no_examples_huge_image"),
        pair(
            ArrayData.ofFloats(new float[0], 0, 65536, 65536, 65536),
            ArrayData.ofLongs(new long[0], 0)));
  }

  static void checkpoint() throws IOException {
    Path dir = ROOT.resolve("CheckpointFuzzTestInputs/load");
    Files.createDirectories(dir);
    FuzzNet model = new FuzzNet();
    Trainer.initialize(model, 3);
    Adam adam = new Adam(model.parameters(), 1e-2f);
    float[] x = Arrays.copyOf(reference("act_identity_b2.eval_input.npy").floats(), 4 * 16);
    Dataset data = Dataset.of(x, new int[] {0, 1, 2, 1}, 1, 4, 4, 3);
    TrainingState state =
        new Trainer(model, adam, TrainerConfig.of(1, 2, 3).withMaxSteps(2)).fit(data, null);
    Checkpoint.save(dir.resolve("valid_checkpoint_adam.safetensors"), model, adam, state);
    Sgd sgd = new Sgd(model.parameters(), 1e-2f, 0.9f, 0f);
    new Trainer(model, sgd, TrainerConfig.of(1, 2, 3).withMaxSteps(1)).fit(data, null);
    Checkpoint.save(dir.resolve("valid_checkpoint_sgd.safetensors"), model, sgd, state);
    Checkpoint.save(
        dir.resolve("valid_checkpoint_no_optimizer.safetensors"),
        model,
        null,
        TrainingState.start(3, 2));
    Map<String, ArrayData> weights = new LinkedHashMap<>();
    for (Map.Entry<String, ArrayData> e : Checkpoint.modelTensors(model).entrySet()) {
      if (!e.getKey().contains("act_quant")) {
        weights.put(e.getKey(), e.getValue());
      }
    }
    Safetensors.write(dir.resolve("valid_plain_weights.safetensors"), weights);
    Checkpoint.save(
        dir.resolve("bad_other_model.safetensors"),
        new FuzzNet("OtherNet"),
        null,
        TrainingState.start(3, 2));
    Map<String, ArrayData> misshapen = new LinkedHashMap<>(weights);
    misshapen.put("fc1.weight", ArrayData.ofFloats(new float[24], 8, 3));
    Safetensors.write(dir.resolve("bad_misshapen_weight.safetensors"), misshapen);
    Map<String, ArrayData> nan = new LinkedHashMap<>(weights);
    float[] b = new float[3];
    b[1] = Float.NaN;
    nan.put("fc1.bias", ArrayData.ofFloats(b, 3));
    Safetensors.write(dir.resolve("bad_nan_weight.safetensors"), nan);
    Map<String, ArrayData> unknown = new LinkedHashMap<>(weights);
    unknown.put("fc2.weight", ArrayData.ofFloats(new float[4], 2, 2));
    Safetensors.write(dir.resolve("bad_unknown_tensor.safetensors"), unknown);
  }

  // ---------------------------------------------------------------------------------------------

  static Path referencePath(String name) {
    try {
      return Path.of(FuzzSeedsWriter.class.getResource("/reference/brevitas/" + name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static ArrayData reference(String name) throws IOException {
    return Npy.read(referencePath(name));
  }

  private static void copy(String reference, Path to) throws IOException {
    write(to, Files.readAllBytes(referencePath(reference)));
  }

  private static void write(Path file, byte[] data) throws IOException {
    Files.createDirectories(file.getParent());
    Files.write(file, data);
  }

  private static byte[] npyBytes(ArrayData a) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Npy.write(out, a);
    return out.toByteArray();
  }

  /** A .npy file with {@code dict} as its header, padded as numpy pads it. */
  static byte[] npy(int major, String dict, byte[] payload) {
    byte[] text = dict.getBytes(major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    int fixed = 8 + (major == 1 ? 2 : 4);
    int total = (fixed + text.length + 1 + 63) / 64 * 64;
    ByteBuffer b = ByteBuffer.allocate(total + payload.length).order(ByteOrder.LITTLE_ENDIAN);
    b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
    if (major == 1) {
      b.putShort((short) (total - fixed));
    } else {
      b.putInt(total - fixed);
    }
    b.put(text);
    while (b.position() < total - 1) {
      b.put((byte) ' ');
    }
    b.put((byte) '\n').put(payload);
    return b.array();
  }

  private static byte[] floats(float[] v) {
    ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float f : v) {
      b.putFloat(f);
    }
    return b.array();
  }

  /** Reference floats (about -1..1) as pixel bytes. */
  private static byte[] pixels(float[] v, int n) {
    byte[] p = new byte[n];
    for (int i = 0; i < n; i++) {
      p[i] = (byte) Math.max(0, Math.min(255, Math.round((v[i % v.length] + 1) * 127.5f)));
    }
    return p;
  }

  private static byte[] safetensors(String json, byte[] blob) {
    byte[] header = json.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(8 + header.length + blob.length)
        .order(ByteOrder.LITTLE_ENDIAN)
        .putLong(header.length)
        .put(header)
        .put(blob)
        .array();
  }

  private static byte[] withHeaderLength(byte[] file, long length) {
    byte[] copy = file.clone();
    ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN).putLong(0, length);
    return copy;
  }

  private static byte[] idx(int magic, int[] dims, byte[] payload) {
    ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + payload.length);
    b.putInt(magic);
    for (int d : dims) {
      b.putInt(d);
    }
    return b.put(payload).array();
  }

  private static byte[] gzip(byte[] data) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(data);
    }
    return out.toByteArray();
  }

  /** The {@link DatasetFuzzTest} input format: 2-byte big-endian images length, images, labels. */
  private static byte[] pair(ArrayData images, ArrayData labels) throws IOException {
    byte[] x = npyBytes(images);
    byte[] y = npyBytes(labels);
    return ByteBuffer.allocate(2 + x.length + y.length)
        .putShort((short) x.length)
        .put(x)
        .put(y)
        .array();
  }
}
