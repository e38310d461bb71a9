package dev.qnn4j.runtime.data;

import dev.qnn4j.runtime.io.ArrayData;
import dev.qnn4j.runtime.io.AtomicFiles;
import dev.qnn4j.runtime.io.FileErrors;
import dev.qnn4j.runtime.io.Qnn4jFormatException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

/**
 * The image cache file: a labelled uint8 data set {@code [N, C, H, W]} decoded once from a
 * compressed or interleaved source (gzipped IDX, CIFAR-10 records) into a layout that is
 * memory-mapped, so training reads only the batches it serves and the heap holds only the labels.
 * The format is described in {@code docs/image-cache.md}.
 *
 * <p>A cache is written atomically (temporary file, then rename), carries a CRC-32C of all its
 * bytes and the sizes and modification times of its source files, and is reused while both still
 * match; otherwise it is rebuilt. It is written next to the data if that directory is writable and
 * not under {@code /usr} (package-managed), else in the user cache directory ({@link
 * #cacheDirectory()}).
 */
public final class ImageCache {

  /** The file name suffix of cache files. */
  public static final String SUFFIX = ".qnn4j-images";

  static final byte[] MAGIC = "QNN4JIMG".getBytes(StandardCharsets.US_ASCII);
  static final int VERSION = 1;

  /** Magic, version, header length, N, C, H, W, classes, source length. */
  static final int FIXED_HEADER_BYTES = 8 + 4 + 4 + 8 + 4 + 4 + 4 + 4 + 4;

  static final int ALIGNMENT = 64;
  static final int MAX_SOURCE_BYTES = 1 << 16;
  static final int CHECKSUM_BYTES = 4;

  /**
   * Installed by the package manager (e.g. Debian's dataset-fashion-mnist): never written, even as
   * root.
   */
  private static final Path SYSTEM_DATA = Path.of("/usr");

  private ImageCache() {}

  /** What a cache holds besides the data. */
  record Spec(long count, int channels, int height, int width, int numClasses, String source) {}

  /**
   * Writes the {@code count * C * H * W} image bytes of a cache, in order, and returns the labels.
   */
  @FunctionalInterface
  interface Content {
    byte[] write(OutputStream images) throws IOException;
  }

  /** A cache file's data set and the description of the sources it was built from. */
  public record Entry(Dataset dataset, String source) {}

  /**
   * The data set cached for {@code sources} under {@code name}, building the cache with {@code
   * content} if it is missing, stale (other {@code sources} sizes or times, another {@code layout})
   * or damaged.
   *
   * @param layout what the builder produces (e.g. {@code fashion-mnist 3x32x32 v1}); part of the
   *     fingerprint, so a change of preprocessing rebuilds the cache
   */
  static Dataset load(String name, List<Path> sources, String layout, Spec spec, Content content)
      throws IOException {
    String fingerprint = fingerprint(layout, sources);
    Spec full =
        new Spec(
            spec.count(),
            spec.channels(),
            spec.height(),
            spec.width(),
            spec.numClasses(),
            fingerprint);
    Path dir = sources.get(0).toAbsolutePath().getParent();
    IOException writeFailure = null;
    for (Path file :
        List.of(
            dir.resolve(name + SUFFIX),
            cacheDirectory().resolve(name + "-" + hash(dir) + SUFFIX))) {
      if (Files.isRegularFile(file)) {
        try {
          Entry cached = read(file);
          if (cached.source().equals(fingerprint)) {
            return cached.dataset();
          }
        } catch (Qnn4jFormatException damaged) {
          // rebuilt below
        }
      }
      if (!writable(file.getParent()) || file.startsWith(SYSTEM_DATA)) {
        continue;
      }
      try {
        write(file, full, content);
      } catch (Qnn4jFormatException sourceError) {
        throw sourceError;
      } catch (IOException e) {
        writeFailure =
            writeFailure == null ? e : writeFailure; // e.g. a full disk: try the next place
        continue;
      }
      return read(file).dataset();
    }
    throw new IOException(
        "cannot write an image cache for "
            + sources.get(0)
            + " next to the data nor in "
            + cacheDirectory()
            + (writeFailure == null ? " (not writable)" : " (" + writeFailure.getMessage() + ")")
            + "; set QNN4J_CACHE_DIR to a writable directory");
  }

  /**
   * Where caches go when the data's own directory is not writable: {@code $QNN4J_CACHE_DIR}, else
   * {@code $XDG_CACHE_HOME/qnn4j}, else {@code ~/.cache/qnn4j}. The system property {@code
   * qnn4j.cache.dir} overrides all three.
   */
  public static Path cacheDirectory() {
    String property = System.getProperty("qnn4j.cache.dir");
    if (property != null && !property.isEmpty()) {
      return Path.of(property);
    }
    String env = System.getenv("QNN4J_CACHE_DIR");
    if (env != null && !env.isEmpty()) {
      return Path.of(env);
    }
    String xdg = System.getenv("XDG_CACHE_HOME");
    Path base =
        xdg != null && !xdg.isEmpty()
            ? Path.of(xdg)
            : Path.of(System.getProperty("user.home"), ".cache");
    return base.resolve("qnn4j");
  }

  private static boolean writable(Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (IOException | SecurityException e) {
      return false;
    }
    return Files.isWritable(dir);
  }

  /**
   * The layout and each source's name, size, modification time and, where the file system has it,
   * status-change time (both to the nanosecond), one source per line: a rewritten source changes at
   * least one of them.
   */
  static String fingerprint(String layout, List<Path> sources) throws IOException {
    StringBuilder b = new StringBuilder(layout);
    for (Path source : sources) {
      try {
        b.append('\n')
            .append(source.getFileName())
            .append(' ')
            .append(Files.size(source))
            .append(' ')
            .append(Files.getLastModifiedTime(source).to(TimeUnit.NANOSECONDS));
        try {
          b.append(' ')
              .append(
                  ((FileTime) Files.getAttribute(source, "unix:ctime")).to(TimeUnit.NANOSECONDS));
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
          // not a Unix file system: size and modification time only
        }
      } catch (IOException e) {
        throw FileErrors.naming(source.toString(), e);
      }
    }
    return b.toString();
  }

  private static String hash(Path dir) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest(dir.toString().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Writing

  /**
   * Writes a cache file atomically; {@code content} must write exactly the images the spec
   * declares.
   */
  static void write(Path file, Spec spec, Content content) throws IOException {
    byte[] source = spec.source().getBytes(StandardCharsets.UTF_8);
    if (source.length > MAX_SOURCE_BYTES) {
      throw new IllegalArgumentException("source description of " + source.length + " bytes");
    }
    int headerBytes = roundUp(FIXED_HEADER_BYTES + source.length, ALIGNMENT);
    ByteBuffer header = ByteBuffer.allocate(headerBytes).order(ByteOrder.LITTLE_ENDIAN);
    header
        .put(MAGIC)
        .putInt(VERSION)
        .putInt(headerBytes)
        .putLong(spec.count())
        .putInt(spec.channels())
        .putInt(spec.height())
        .putInt(spec.width())
        .putInt(spec.numClasses())
        .putInt(source.length)
        .put(source);
    long imageBytes = spec.count() * spec.channels() * spec.height() * spec.width();
    AtomicFiles.write(
        file,
        out -> {
          CRC32C crc = new CRC32C();
          crc.update(header.array());
          out.write(header.array());
          long[] written = {0};
          OutputStream images =
              new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                  write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                  crc.update(b, off, len);
                  out.write(b, off, len);
                  written[0] += len;
                }
              };
          byte[] labels = content.write(images);
          if (written[0] != imageBytes || labels.length != spec.count()) {
            throw new IllegalStateException(
                "cache content wrote "
                    + written[0]
                    + " image bytes and "
                    + labels.length
                    + " labels, the header declares "
                    + imageBytes
                    + " and "
                    + spec.count());
          }
          crc.update(labels);
          out.write(labels);
          byte[] checksum =
              ByteBuffer.allocate(CHECKSUM_BYTES)
                  .order(ByteOrder.LITTLE_ENDIAN)
                  .putInt((int) crc.getValue())
                  .array();
          out.write(checksum);
        });
  }

  private static int roundUp(int n, int multiple) {
    return (n + multiple - 1) / multiple * multiple;
  }

  // ---------------------------------------------------------------------------------------------
  // Reading

  /**
   * Opens a cache file: checks the header, the file size and the checksum, reads the labels and
   * maps the images.
   *
   * @throws Qnn4jFormatException naming the file if anything does not match
   */
  public static Entry read(Path file) throws IOException {
    String name = file.toString();
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = channel.size();
      if (size < FIXED_HEADER_BYTES + CHECKSUM_BYTES) {
        throw new Qnn4jFormatException(
            name, "only " + size + " bytes, too short for an image cache");
      }
      ByteBuffer fixed = readAt(channel, 0, FIXED_HEADER_BYTES);
      byte[] magic = new byte[MAGIC.length];
      fixed.get(magic);
      if (!java.util.Arrays.equals(magic, MAGIC)) {
        throw new Qnn4jFormatException(name, "not a qnn4j image cache (bad magic)");
      }
      int version = fixed.getInt();
      if (version != VERSION) {
        throw new Qnn4jFormatException(
            name,
            "unsupported image cache version "
                + Integer.toUnsignedString(version)
                + " (supported: "
                + VERSION
                + ")");
      }
      long headerBytes = Integer.toUnsignedLong(fixed.getInt());
      long count = fixed.getLong();
      int channels = fixed.getInt();
      int height = fixed.getInt();
      int width = fixed.getInt();
      int numClasses = fixed.getInt();
      long sourceBytes = Integer.toUnsignedLong(fixed.getInt());
      if (sourceBytes > MAX_SOURCE_BYTES
          || headerBytes != roundUp((int) (FIXED_HEADER_BYTES + sourceBytes), ALIGNMENT)) {
        throw new Qnn4jFormatException(
            name,
            "header length "
                + headerBytes
                + " does not fit a source description of "
                + sourceBytes
                + " bytes (at most "
                + MAX_SOURCE_BYTES
                + ", header padded to "
                + ALIGNMENT
                + " bytes)");
      }
      if (count < 1 || channels < 1 || height < 1 || width < 1) {
        throw new Qnn4jFormatException(
            name,
            "header declares "
                + count
                + " images of "
                + channels
                + "x"
                + height
                + "x"
                + width
                + "; all must be positive");
      }
      if (numClasses < 1 || numClasses > 256) {
        throw new Qnn4jFormatException(
            name, "header declares " + numClasses + " classes, expected 1..256");
      }
      long imageSize = (long) channels * height * width;
      if (imageSize > ArrayData.MAX_ELEMENTS || count > ArrayData.MAX_ELEMENTS) {
        throw new Qnn4jFormatException(
            name,
            "header declares "
                + count
                + " images of "
                + imageSize
                + " values, beyond the limit of "
                + ArrayData.MAX_ELEMENTS);
      }
      long imageBytes;
      long expected;
      try {
        imageBytes = Math.multiplyExact(count, imageSize);
        expected = Math.addExact(Math.addExact(headerBytes, imageBytes), count + CHECKSUM_BYTES);
      } catch (ArithmeticException e) {
        throw new Qnn4jFormatException(name, "header declares a size that overflows");
      }
      if (size != expected) {
        throw new Qnn4jFormatException(
            name,
            (size < expected ? "truncated" : "oversized")
                + ": header declares "
                + count
                + " images of "
                + channels
                + "x"
                + height
                + "x"
                + width
                + " = "
                + expected
                + " bytes, the file has "
                + size);
      }
      String source;
      try {
        source =
            StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(readAt(channel, FIXED_HEADER_BYTES, (int) sourceBytes))
                .toString();
      } catch (CharacterCodingException e) {
        throw new Qnn4jFormatException(name, "source description is not valid UTF-8");
      }
      long stored =
          Integer.toUnsignedLong(readAt(channel, size - CHECKSUM_BYTES, CHECKSUM_BYTES).getInt());
      long actual = checksum(channel, size - CHECKSUM_BYTES);
      if (stored != actual) {
        throw new Qnn4jFormatException(
            name,
            String.format("checksum mismatch: stored CRC-32C %08x, content %08x", stored, actual));
      }
      ByteBuffer labelBytes = readAt(channel, headerBytes + imageBytes, (int) count);
      int[] labels = new int[(int) count];
      for (int i = 0; i < labels.length; i++) {
        labels[i] = labelBytes.get(i) & 0xFF;
        if (labels[i] >= numClasses) {
          throw new Qnn4jFormatException(
              name, "label " + labels[i] + " of image " + i + " is outside 0.." + (numClasses - 1));
        }
      }
      ImageValues values = ImageValues.mapped(channel, headerBytes, imageBytes, Pixels.palette());
      return new Entry(new Dataset(values, labels, channels, height, width, numClasses), source);
    } catch (IOException e) {
      throw FileErrors.naming(name, e);
    }
  }

  private static ByteBuffer readAt(FileChannel channel, long position, int length)
      throws IOException {
    ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
    while (b.hasRemaining()) {
      if (channel.read(b, position + b.position()) < 0) {
        throw new java.io.EOFException("file shrank while being read");
      }
    }
    return b.flip();
  }

  private static long checksum(FileChannel channel, long length) throws IOException {
    CRC32C crc = new CRC32C();
    ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
    for (long position = 0; position < length; ) {
      buffer.clear().limit((int) Math.min(buffer.capacity(), length - position));
      int n = channel.read(buffer, position);
      if (n < 0) {
        throw new java.io.EOFException("file shrank while being read");
      }
      buffer.flip();
      crc.update(buffer);
      position += n;
    }
    return crc.getValue();
  }
}
