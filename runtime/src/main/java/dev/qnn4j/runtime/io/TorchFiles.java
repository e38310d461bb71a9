package dev.qnn4j.runtime.io;

import dev.qnn4j.runtime.io.ArrayData.DType;
import dev.qnn4j.runtime.io.RestrictedUnpickler.StorageType;
import dev.qnn4j.runtime.io.RestrictedUnpickler.TensorRef;
import dev.qnn4j.runtime.io.RestrictedUnpickler.TorchDType;
import dev.qnn4j.runtime.io.RestrictedUnpickler.Tuple;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Reads the tensors of a PyTorch {@code torch.save} file ({@code .pth}, {@code .pt}, {@code .tar})
 * holding a state dict, or a dict with a {@code state_dict}, {@code model_state_dict} or {@code
 * model} entry that is one (a training checkpoint; its other entries are parsed but not used).
 *
 * <p>Both formats of {@code torch.save} are read: the zip archive of torch 1.6 and later ({@code
 * <name>/data.pkl} and one entry {@code <name>/data/<key>} per storage), and the older format
 * ({@code _use_new_zipfile_serialization=False}): pickles of the magic number, protocol version and
 * system information, the object, the list of storage keys, then each storage as its element count
 * (int64) and its bytes. The tar format of torch before 0.4 is refused with a one-line message.
 *
 * <p>The pickle is read by a restricted reader ({@link RestrictedUnpickler}) that executes nothing:
 * any Python global other than the few a state dict is made of (tensor rebuilding, storage types,
 * OrderedDict) is refused, naming it, before any tensor data is read. A pickled model object
 * ({@code torch.save(model)}) is therefore refused too: save {@code model.state_dict()}.
 *
 * <p>Element types: float32, float64, int64 and int32 keep their type; float16 and bfloat16 are
 * widened to float32 (exactly); int16 becomes int32, int8 and uint8 stay bytes, bool becomes uint8
 * 0/1. int64 entries (e.g. BatchNorm's {@code num_batches_tracked}) stay int64; loading them into a
 * model is {@code Checkpoint.loadWeights}' business. Views are resolved: a tensor that is a slice
 * of a larger storage (offset, strides) is copied out densely, and tensors sharing a storage each
 * get their own copy.
 */
public final class TorchFiles {
  /** {@code torch.serialization}'s magic number, the first pickle of the older format. */
  private static final BigInteger LEGACY_MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);

  private static final long LEGACY_PROTOCOL_VERSION = 1001;

  /**
   * The entry names a checkpoint dict keeps its model's state dict under, in order of preference.
   */
  private static final List<String> STATE_DICT_ENTRIES =
      List.of("state_dict", "model_state_dict", "model");

  /** Largest data.pkl read (a state dict's pickle is a few bytes per tensor). */
  private static final int MAX_PICKLE_BYTES = 1 << 30;

  private TorchFiles() {}

  /** The file kinds {@link #kindOf} tells apart by their first bytes. */
  enum Kind {
    ZIP,
    LEGACY_PICKLE,
    TAR,
    OTHER
  }

  /**
   * True if {@code file} starts like a torch.save file (zip archive, pickle, tar), whatever its
   * name.
   */
  public static boolean isTorchFile(Path file) throws IOException {
    return kindOf(file) != Kind.OTHER;
  }

  static Kind kindOf(Path file) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer head = ByteBuffer.allocate(263);
      while (head.hasRemaining() && channel.read(head) >= 0) {
        // read what there is
      }
      head.flip();
      if (head.remaining() >= 4 && head.getInt(0) == 0x504B0304) {
        return Kind.ZIP;
      }
      // A safetensors header length can start with 0x80 too; its JSON header opens at byte 8.
      boolean safetensorsHeader = head.remaining() >= 9 && head.get(8) == '{';
      if (!safetensorsHeader
          && head.remaining() >= 2
          && (head.get(0) & 0xFF) == 0x80
          && (head.get(1) & 0xFF) <= 5) {
        return Kind.LEGACY_PICKLE;
      }
      if (head.remaining() >= 262
          && new String(bytes(head, 257, 5), StandardCharsets.US_ASCII).equals("ustar")) {
        return Kind.TAR;
      }
      return Kind.OTHER;
    } catch (IOException e) {
      throw FileErrors.naming(file.toString(), e);
    }
  }

  /**
   * Reads the state dict of a torch.save file: tensor names in file order to dense row-major
   * arrays.
   *
   * @throws Qnn4jFormatException one line naming the file: not a torch.save file, a refused global
   *     or opcode, no state dict in it, an inconsistent storage or view
   */
  public static Map<String, ArrayData> readStateDict(Path file) throws IOException {
    String source = file.toString();
    return switch (kindOf(file)) {
      case ZIP -> readZip(file, source);
      case LEGACY_PICKLE -> readLegacy(file, source);
      case TAR ->
          throw new Qnn4jFormatException(
              source,
              "a tar file (torch.save of torch before 0.4?); "
                  + "that format is not read: load and save it again with a current torch");
      case OTHER ->
          throw new Qnn4jFormatException(
              source, "not a torch.save file (neither a zip archive " + "nor a pickle)");
    };
  }

  // ---------------------------------------------------------------------------------------------
  // The zip format (torch >= 1.6)

  private static Map<String, ArrayData> readZip(Path file, String source) throws IOException {
    try (ZipFile zip = new ZipFile(file.toFile())) {
      String prefix = null;
      boolean torchScript = false;
      for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
        String name = e.nextElement().getName();
        int slash = name.indexOf('/');
        if (slash > 0 && name.indexOf('/', slash + 1) < 0) {
          String rest = name.substring(slash + 1);
          if (rest.equals("data.pkl") && prefix == null) {
            prefix = name.substring(0, slash + 1);
          }
          torchScript |= rest.equals("constants.pkl");
        }
      }
      if (prefix == null) {
        throw new Qnn4jFormatException(
            source, "a zip archive without <name>/data.pkl: not a torch.save file");
      }
      if (torchScript) {
        throw new Qnn4jFormatException(
            source,
            "a TorchScript archive (torch.jit.save), which holds code; "
                + "save the model's state_dict() with torch.save instead");
      }
      String byteOrder =
          zip.getEntry(prefix + "byteorder") == null
              ? "little"
              : new String(
                      readEntry(zip, zip.getEntry(prefix + "byteorder"), 16, source),
                      StandardCharsets.US_ASCII)
                  .strip();
      if (!byteOrder.equals("little")) {
        throw new Qnn4jFormatException(
            source,
            "storages are "
                + Qnn4jFormatException.quote(byteOrder)
                + "-endian; only little-endian files are read");
      }
      ZipEntry pickle = zip.getEntry(prefix + "data.pkl");
      byte[] pickleBytes = readEntry(zip, pickle, MAX_PICKLE_BYTES, source);
      Storages storages = new Storages(source, false);
      Object root =
          new RestrictedUnpickler(ByteBuffer.wrap(pickleBytes), source, storages::load).load();
      Map<String, TensorRef> tensors = stateDict(root, source);
      String dataPrefix = prefix + "data/";
      return materialize(
          tensors,
          source,
          storage -> {
            ZipEntry entry = zip.getEntry(dataPrefix + storage.key());
            if (entry == null) {
              throw new Qnn4jFormatException(
                  source,
                  "storage "
                      + Qnn4jFormatException.quote(storage.key())
                      + " has no entry "
                      + Qnn4jFormatException.quote(dataPrefix + storage.key()));
            }
            long bytes = storage.numel() * storage.dtype().byteSize;
            if (bytes > ArrayData.MAX_ELEMENTS) {
              throw new Qnn4jFormatException(
                  source,
                  "storage "
                      + Qnn4jFormatException.quote(storage.key())
                      + " has "
                      + bytes
                      + " bytes; storages of 2 GiB and more are not read");
            }
            if (entry.getSize() != bytes) {
              throw new Qnn4jFormatException(
                  source,
                  "storage "
                      + Qnn4jFormatException.quote(storage.key())
                      + " holds "
                      + entry.getSize()
                      + " bytes, its "
                      + storage.numel()
                      + " "
                      + storage.dtype().name().toLowerCase(java.util.Locale.ROOT)
                      + " elements need "
                      + bytes);
            }
            return ByteBuffer.wrap(readEntry(zip, entry, (int) bytes, source));
          });
    } catch (java.util.zip.ZipException e) {
      throw new Qnn4jFormatException(source, "not a valid zip archive (" + oneLine(e) + ")", e);
    } catch (IOException e) {
      throw FileErrors.naming(source, e);
    }
  }

  private static byte[] readEntry(ZipFile zip, ZipEntry entry, int limit, String source)
      throws IOException {
    long size = entry.getSize();
    if (size < 0 || size > limit) {
      throw new Qnn4jFormatException(
          source,
          "zip entry "
              + Qnn4jFormatException.quote(entry.getName())
              + " declares "
              + size
              + " bytes, more than the "
              + limit
              + " expected");
    }
    try (InputStream in = zip.getInputStream(entry)) {
      byte[] data = in.readNBytes((int) size);
      if (data.length != size || in.read() >= 0) {
        throw new Qnn4jFormatException(
            source,
            "zip entry "
                + Qnn4jFormatException.quote(entry.getName())
                + " does not hold the "
                + size
                + " bytes it declares");
      }
      return data;
    } catch (Qnn4jFormatException e) {
      throw e;
    } catch (IOException e) {
      // The file is open and readable: a failing entry is a damaged archive (bad data, a
      // compressed stream that ends early), not an I/O problem.
      throw new Qnn4jFormatException(
          source,
          "zip entry "
              + Qnn4jFormatException.quote(entry.getName())
              + " cannot be read ("
              + oneLine(e)
              + ")",
          e);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The older format (_use_new_zipfile_serialization=False)

  private static Map<String, ArrayData> readLegacy(Path file, String source) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      if (channel.size() > Integer.MAX_VALUE) {
        throw new Qnn4jFormatException(
            source,
            "files of the older torch.save format are read up to 2 GiB; "
                + "save it again with torch >= 1.6 (zip format)");
      }
      ByteBuffer in = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size());
      Storages storages = new Storages(source, true);
      RestrictedUnpickler.PersistentLoader none =
          pid -> {
            throw new Qnn4jFormatException(source, "persistent id before the object pickle");
          };
      Object magic = new RestrictedUnpickler(in, source, none).load();
      if (!LEGACY_MAGIC.equals(magic)) {
        throw new Qnn4jFormatException(
            source, "a pickle, but not one written by torch.save (no magic number)");
      }
      Object version = new RestrictedUnpickler(in, source, none).load();
      if (!Long.valueOf(LEGACY_PROTOCOL_VERSION).equals(version)) {
        throw new Qnn4jFormatException(
            source,
            "torch.save protocol version "
                + RestrictedUnpickler.describe(version)
                + " is not supported ("
                + LEGACY_PROTOCOL_VERSION
                + " is)");
      }
      Object sysInfo = new RestrictedUnpickler(in, source, none).load();
      if (sysInfo instanceof Map<?, ?> info && Boolean.FALSE.equals(info.get("little_endian"))) {
        throw new Qnn4jFormatException(
            source, "written on a big-endian machine; only little-endian files are read");
      }
      Object root = new RestrictedUnpickler(in, source, storages::load).load();
      Object keys = new RestrictedUnpickler(in, source, none).load();
      if (!(keys instanceof List<?> keyList)) {
        throw new Qnn4jFormatException(
            source, "the storage key list is a " + RestrictedUnpickler.typeName(keys));
      }
      // Each storage: its element count (int64, little-endian), then its bytes.
      Map<String, ByteBuffer> data = new HashMap<>();
      in.order(ByteOrder.LITTLE_ENDIAN);
      for (Object key : keyList) {
        StorageRef storage = key instanceof String k ? storages.byKey.get(k) : null;
        if (storage == null) {
          throw new Qnn4jFormatException(
              source,
              "storage key list names "
                  + RestrictedUnpickler.describe(key)
                  + ", which no tensor uses");
        }
        if (in.remaining() < 8) {
          throw new Qnn4jFormatException(
              source, "file ends before storage " + Qnn4jFormatException.quote(storage.key()));
        }
        long numel = in.getLong();
        long bytes = numel * storage.dtype().byteSize;
        if (numel != storage.numel() || bytes > in.remaining()) {
          throw new Qnn4jFormatException(
              source,
              "storage "
                  + Qnn4jFormatException.quote(storage.key())
                  + " declares "
                  + numel
                  + " elements, its tensors "
                  + storage.numel()
                  + ", and "
                  + in.remaining()
                  + " bytes are left");
        }
        data.put(storage.key(), in.slice().limit((int) bytes));
        in.position(in.position() + (int) bytes);
      }
      Map<String, TensorRef> tensors = stateDict(root, source);
      return materialize(
          tensors,
          source,
          storage -> {
            ByteBuffer bytes = data.get(storage.key());
            if (bytes == null) {
              throw new Qnn4jFormatException(
                  source,
                  "storage "
                      + Qnn4jFormatException.quote(storage.key())
                      + " is not in the file's storage list");
            }
            return bytes;
          });
    } catch (IOException e) {
      throw FileErrors.naming(source, e);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Storages, the state dict, views

  /** A storage as a persistent id names it. */
  record StorageRef(String key, TorchDType dtype, long numel) {}

  /** Resolves persistent ids; the same key always yields the same storage (shared storages). */
  private static final class Storages {
    final String source;
    final boolean legacy;
    final Map<String, StorageRef> byKey = new LinkedHashMap<>();

    Storages(String source, boolean legacy) {
      this.source = source;
      this.legacy = legacy;
    }

    /** ('storage', storage type, key, location, numel[, view metadata (older format)]). */
    Object load(Tuple pid) throws Qnn4jFormatException {
      List<Object> p = pid.items();
      if (p.size() < 5
          || !"storage".equals(p.get(0))
          || !(p.get(1) instanceof StorageType type)
          || !(p.get(2) instanceof String key)
          || !(p.get(3) instanceof String)
          || !(p.get(4) instanceof Long numel)
          || numel < 0) {
        throw new Qnn4jFormatException(
            source, "persistent id is not ('storage', <torch.*Storage>, key, " + "location, size)");
      }
      if (p.size() > 6 || (p.size() == 6 && (!legacy || p.get(5) != null))) {
        throw new Qnn4jFormatException(
            source,
            "storage "
                + Qnn4jFormatException.quote(key)
                + " is a view of another storage (torch before 1.0); save the file again with a current torch");
      }
      if (numel > Long.MAX_VALUE / 8) {
        throw new Qnn4jFormatException(
            source,
            "storage " + Qnn4jFormatException.quote(key) + " declares " + numel + " elements");
      }
      StorageRef known = byKey.get(key);
      if (known == null) {
        known = new StorageRef(key, type.dtype(), numel);
        byKey.put(key, known);
      } else if (known.dtype() != type.dtype() || known.numel() != numel) {
        throw new Qnn4jFormatException(
            source,
            "storage "
                + Qnn4jFormatException.quote(key)
                + " is named twice with different types or sizes");
      }
      return known;
    }
  }

  /** The state dict in {@code root}: itself, or its state_dict / model_state_dict / model entry. */
  private static Map<String, TensorRef> stateDict(Object root, String source)
      throws Qnn4jFormatException {
    if (!(root instanceof Map<?, ?> map)) {
      throw new Qnn4jFormatException(
          source,
          "holds a "
              + RestrictedUnpickler.typeName(root)
              + ", not a state dict (a dict of tensors)");
    }
    Map<?, ?> chosen = map;
    String where = "";
    if (!map.isEmpty() && !map.values().stream().allMatch(v -> v instanceof TensorRef)) {
      chosen = null;
      for (String entry : STATE_DICT_ENTRIES) {
        if (map.get(entry) instanceof Map<?, ?> inner) {
          chosen = inner;
          where = " in entry " + Qnn4jFormatException.quote(entry);
          break;
        }
      }
      if (chosen == null) {
        List<String> keys = new ArrayList<>();
        for (Object k : map.keySet()) {
          if (keys.size() == 8) {
            keys.add("...");
            break;
          }
          keys.add(
              k instanceof String s
                  ? Qnn4jFormatException.quote(s)
                  : RestrictedUnpickler.describe(k));
        }
        throw new Qnn4jFormatException(
            source,
            "holds a dict of "
                + map.size()
                + " entries "
                + keys
                + " that is neither a state dict (every value a tensor) nor has a 'state_dict' or 'model' entry");
      }
    }
    Map<String, TensorRef> tensors = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : chosen.entrySet()) {
      if (!(e.getKey() instanceof String name)) {
        throw new Qnn4jFormatException(
            source,
            "state dict"
                + where
                + " has a "
                + RestrictedUnpickler.typeName(e.getKey())
                + " key; tensor names are strings");
      }
      if (!(e.getValue() instanceof TensorRef t)) {
        throw new Qnn4jFormatException(
            source,
            "state dict"
                + where
                + " entry "
                + Qnn4jFormatException.quote(name)
                + " is a "
                + RestrictedUnpickler.typeName(e.getValue())
                + ", not a tensor");
      }
      if (!(t.storage() instanceof StorageRef)) {
        throw new Qnn4jFormatException(
            source,
            "tensor "
                + Qnn4jFormatException.quote(name)
                + " is built on a "
                + RestrictedUnpickler.typeName(t.storage())
                + ", not a storage");
      }
      tensors.put(name, t);
    }
    return tensors;
  }

  private interface StorageData {
    /** The storage's bytes, little-endian, exactly numel * element size of them. */
    ByteBuffer bytes(StorageRef storage) throws IOException;
  }

  private static Map<String, ArrayData> materialize(
      Map<String, TensorRef> tensors, String source, StorageData storageData) throws IOException {
    // Check every view before reading any data.
    for (Map.Entry<String, TensorRef> e : tensors.entrySet()) {
      checkView(e.getKey(), e.getValue(), source);
    }
    Map<String, ByteBuffer> read = new HashMap<>();
    Map<String, ArrayData> out = new LinkedHashMap<>();
    for (Map.Entry<String, TensorRef> e : tensors.entrySet()) {
      TensorRef t = e.getValue();
      StorageRef storage = (StorageRef) t.storage();
      ByteBuffer bytes = read.get(storage.key());
      if (bytes == null) {
        bytes = storageData.bytes(storage).duplicate().order(ByteOrder.LITTLE_ENDIAN);
        read.put(storage.key(), bytes);
      }
      out.put(e.getKey(), gather(t, storage.dtype(), bytes, source));
    }
    return out;
  }

  /** The view lies inside its storage and has an element count a Java array can hold. */
  private static void checkView(String name, TensorRef t, String source)
      throws Qnn4jFormatException {
    StorageRef storage = (StorageRef) t.storage();
    long count;
    try {
      count = ArrayData.checkedElementCount(t.size());
    } catch (IllegalArgumentException e) {
      throw new Qnn4jFormatException(
          source, "tensor " + Qnn4jFormatException.quote(name) + ": " + e.getMessage());
    }
    if (count == 0) {
      return;
    }
    long last = t.offset();
    try {
      for (int d = 0; d < t.size().length; d++) {
        last = Math.addExact(last, Math.multiplyExact(t.size()[d] - 1, t.stride()[d]));
      }
    } catch (ArithmeticException e) {
      last = Long.MAX_VALUE;
    }
    if (last >= storage.numel()) {
      throw new Qnn4jFormatException(
          source,
          "tensor "
              + Qnn4jFormatException.quote(name)
              + " (offset "
              + t.offset()
              + ", size "
              + java.util.Arrays.toString(t.size())
              + ", stride "
              + java.util.Arrays.toString(t.stride())
              + ") reaches element "
              + (last == Long.MAX_VALUE ? "beyond 2^63" : last)
              + " of a storage of "
              + storage.numel());
    }
  }

  /** Copies a (possibly strided) view out of its storage into a dense row-major array. */
  private static ArrayData gather(TensorRef t, TorchDType from, ByteBuffer bytes, String source)
      throws Qnn4jFormatException {
    long[] size = t.size();
    int count = (int) ArrayData.checkedElementCount(size);
    DType to =
        switch (from) {
          case FLOAT32, FLOAT16, BFLOAT16 -> DType.FLOAT32;
          case FLOAT64 -> DType.FLOAT64;
          case INT64 -> DType.INT64;
          case INT32, INT16 -> DType.INT32;
          case INT8 -> DType.INT8;
          case UINT8, BOOL -> DType.UINT8;
        };
    Payloads.checkFitsInHeap(source, (long) count * to.byteSize());
    Object data = Payloads.allocate(to, count);
    int rank = size.length;
    long[] index = new long[rank];
    long element = t.offset();
    int es = from.byteSize;
    for (int i = 0; i < count; i++) {
      int at = (int) (element * es);
      switch (from) {
        case FLOAT32 -> ((float[]) data)[i] = bytes.getFloat(at);
        case FLOAT16 -> ((float[]) data)[i] = halfToFloat(bytes.getShort(at));
        case BFLOAT16 ->
            ((float[]) data)[i] = Float.intBitsToFloat((bytes.getShort(at) & 0xFFFF) << 16);
        case FLOAT64 -> ((double[]) data)[i] = bytes.getDouble(at);
        case INT64 -> ((long[]) data)[i] = bytes.getLong(at);
        case INT32 -> ((int[]) data)[i] = bytes.getInt(at);
        case INT16 -> ((int[]) data)[i] = bytes.getShort(at);
        case INT8, UINT8 -> ((byte[]) data)[i] = bytes.get(at);
        case BOOL -> ((byte[]) data)[i] = (byte) (bytes.get(at) != 0 ? 1 : 0);
      }
      // Advance the row-major index, last dimension fastest.
      for (int d = rank - 1; d >= 0; d--) {
        element += t.stride()[d];
        if (++index[d] < size[d]) {
          break;
        }
        element -= t.stride()[d] * size[d];
        index[d] = 0;
      }
    }
    return ArrayData.wrap(to, size, data);
  }

  /** IEEE 754 half precision to float (exact: every half is a float). */
  static float halfToFloat(short half) {
    int h = half & 0xFFFF;
    int sign = (h & 0x8000) << 16;
    int exponent = (h >>> 10) & 0x1F;
    int mantissa = h & 0x3FF;
    if (exponent == 0x1F) {
      return Float.intBitsToFloat(sign | 0x7F800000 | (mantissa << 13));
    }
    if (exponent == 0) {
      if (mantissa == 0) {
        return Float.intBitsToFloat(sign);
      }
      float value = mantissa * 0x1p-24f; // subnormal: mantissa x 2^-24
      return sign == 0 ? value : -value;
    }
    return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
  }

  private static byte[] bytes(ByteBuffer b, int at, int n) {
    byte[] out = new byte[n];
    b.get(at, out);
    return out;
  }

  private static String oneLine(Exception e) {
    return (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())
        .replaceAll("\\s+", " ");
  }
}
