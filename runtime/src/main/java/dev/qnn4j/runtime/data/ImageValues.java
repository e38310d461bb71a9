package dev.qnn4j.runtime.data;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Arrays;

/**
 * Where the image values of a {@link Dataset} live: float or byte arrays on the heap, or a
 * memory-mapped file region (a {@code .npy} file's data, an {@link ImageCache} file) that the
 * operating system pages in only for the images a batch copies, so a data set may be larger than
 * the heap. Values are addressed by their flat {@code long} index in {@code [N, C, H, W]} order.
 */
abstract sealed class ImageValues {

  /** Number of values held. */
  abstract long count();

  /** Copies values {@code [from, from + length)} as floats into {@code dst} at {@code offset}. */
  abstract void copy(long from, float[] dst, int offset, int length);

  /** Values {@code [from, to)} as a view or copy. */
  abstract ImageValues slice(long from, long to);

  /** True when no value can be NaN or infinite (decoded from bytes), so no check is needed. */
  abstract boolean alwaysFinite();

  /**
   * The same bytes decoded through {@code palette} instead, or null for float values (which have no
   * bytes).
   */
  abstract ImageValues withPalette(float[] palette);

  static ImageValues ofFloats(float[] values) {
    return new Floats(values);
  }

  /** Value {@code i} is {@code palette[codes[i] & 0xFF]}. */
  static ImageValues ofCodes(byte[] codes, float[] palette) {
    if (palette.length != 256) {
      throw new IllegalArgumentException(
          "a byte-coded data set needs 256 palette entries, got " + palette.length);
    }
    return new Codes(codes, palette);
  }

  /**
   * Maps {@code count} values of {@code file} starting at byte {@code offset}: little-endian
   * float32 values if {@code palette} is null, else bytes decoded through the 256-entry palette.
   */
  static ImageValues mapped(FileChannel channel, long offset, long count, float[] palette)
      throws java.io.IOException {
    return new Mapped(channel, offset, count, palette, Mapped.SEGMENT_BYTES);
  }

  /**
   * {@link #mapped} in segments of {@code segmentBytes} (a multiple of 4), to test segment edges.
   */
  static ImageValues mapped(
      FileChannel channel, long offset, long count, float[] palette, long segmentBytes)
      throws java.io.IOException {
    return new Mapped(channel, offset, count, palette, segmentBytes);
  }

  private static final class Floats extends ImageValues {
    private final float[] values;

    Floats(float[] values) {
      this.values = values;
    }

    @Override
    long count() {
      return values.length;
    }

    @Override
    void copy(long from, float[] dst, int offset, int length) {
      System.arraycopy(values, Math.toIntExact(from), dst, offset, length);
    }

    @Override
    ImageValues slice(long from, long to) {
      return new Floats(Arrays.copyOfRange(values, Math.toIntExact(from), Math.toIntExact(to)));
    }

    @Override
    boolean alwaysFinite() {
      return false;
    }

    @Override
    ImageValues withPalette(float[] palette) {
      return null;
    }
  }

  private static final class Codes extends ImageValues {
    private final byte[] codes;
    private final float[] palette;

    Codes(byte[] codes, float[] palette) {
      this.codes = codes;
      this.palette = palette;
    }

    @Override
    long count() {
      return codes.length;
    }

    @Override
    void copy(long from, float[] dst, int offset, int length) {
      int start = Math.toIntExact(from);
      for (int i = 0; i < length; i++) {
        dst[offset + i] = palette[codes[start + i] & 0xFF];
      }
    }

    @Override
    ImageValues slice(long from, long to) {
      return new Codes(
          Arrays.copyOfRange(codes, Math.toIntExact(from), Math.toIntExact(to)), palette);
    }

    @Override
    boolean alwaysFinite() {
      return true;
    }

    @Override
    ImageValues withPalette(float[] other) {
      return new Codes(codes, other);
    }
  }

  /**
   * A file region mapped in segments of at most {@link #SEGMENT_BYTES} (one mapping is limited to 2
   * GiB). Reads use absolute bulk gets only, so concurrent batches may read at the same time.
   */
  private static final class Mapped extends ImageValues {
    /** A multiple of 4, so that no float straddles two segments. */
    static final long SEGMENT_BYTES = 1L << 30;

    private final long segmentBytes;
    private final ByteBuffer[] segments;
    private final FloatBuffer[] floatSegments;
    private final float[] palette;
    private final long count;
    private final int width;

    Mapped(FileChannel channel, long offset, long count, float[] palette, long segmentBytes)
        throws java.io.IOException {
      if (segmentBytes <= 0
          || segmentBytes % Float.BYTES != 0
          || segmentBytes > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("segment size " + segmentBytes);
      }
      this.segmentBytes = segmentBytes;
      this.palette = palette;
      this.count = count;
      this.width = palette == null ? Float.BYTES : 1;
      long bytes = Math.multiplyExact(count, width);
      int n = Math.toIntExact((bytes + segmentBytes - 1) / segmentBytes);
      segments = new ByteBuffer[n];
      floatSegments = palette == null ? new FloatBuffer[n] : null;
      for (int s = 0; s < n; s++) {
        long start = s * segmentBytes;
        MappedByteBuffer m =
            channel.map(
                FileChannel.MapMode.READ_ONLY,
                offset + start,
                Math.min(segmentBytes, bytes - start));
        segments[s] = m.order(ByteOrder.LITTLE_ENDIAN);
        if (floatSegments != null) {
          floatSegments[s] = segments[s].asFloatBuffer();
        }
      }
    }

    @Override
    long count() {
      return count;
    }

    @Override
    void copy(long from, float[] dst, int offset, int length) {
      long byteAt = from * width;
      int done = 0;
      byte[] scratch = palette == null ? null : new byte[Math.min(length, 1 << 16)];
      while (done < length) {
        int s = (int) (byteAt / segmentBytes);
        int inSegment = (int) (byteAt % segmentBytes);
        int room = (segments[s].capacity() - inSegment) / width;
        int n = Math.min(length - done, room);
        if (palette == null) {
          floatSegments[s].get(inSegment / Float.BYTES, dst, offset + done, n);
        } else {
          n = Math.min(n, scratch.length);
          segments[s].get(inSegment, scratch, 0, n);
          for (int i = 0; i < n; i++) {
            dst[offset + done + i] = palette[scratch[i] & 0xFF];
          }
        }
        done += n;
        byteAt += (long) n * width;
      }
    }

    @Override
    ImageValues slice(long from, long to) {
      return new Slice(this, from, to - from);
    }

    @Override
    boolean alwaysFinite() {
      return palette != null;
    }

    @Override
    ImageValues withPalette(float[] other) {
      return palette == null ? null : new Mapped(this, other);
    }

    /** {@code bytes}' mapping, decoded through {@code palette}. */
    private Mapped(Mapped bytes, float[] palette) {
      this.segmentBytes = bytes.segmentBytes;
      this.segments = bytes.segments;
      this.floatSegments = null;
      this.palette = palette;
      this.count = bytes.count;
      this.width = 1;
    }
  }

  /**
   * Every image's single plane of {@code plane} values in {@code gray}, read as {@code channels}
   * identical channels: a gray data set kept once (in a cache file, a third of the pages) for
   * models that take it replicated.
   */
  static ImageValues replicated(ImageValues gray, int channels, int plane) {
    return new Replicated(gray, channels, plane);
  }

  private static final class Replicated extends ImageValues {
    private final ImageValues gray;
    private final int channels;
    private final int plane;

    Replicated(ImageValues gray, int channels, int plane) {
      this.gray = gray;
      this.channels = channels;
      this.plane = plane;
    }

    @Override
    long count() {
      return gray.count() * channels;
    }

    @Override
    void copy(long from, float[] dst, int offset, int length) {
      long imageSize = (long) channels * plane;
      int done = 0;
      while (done < length) {
        long at = from + done;
        int pixel = (int) (at % imageSize % plane);
        int run = Math.min(plane - pixel, length - done);
        gray.copy(at / imageSize * plane + pixel, dst, offset + done, run);
        done += run;
      }
    }

    @Override
    ImageValues slice(long from, long to) {
      return new Slice(this, from, to - from);
    }

    @Override
    boolean alwaysFinite() {
      return gray.alwaysFinite();
    }

    @Override
    ImageValues withPalette(float[] palette) {
      ImageValues other = gray.withPalette(palette);
      return other == null ? null : new Replicated(other, channels, plane);
    }
  }

  /** A window {@code [start, start + count)} of mapped values. */
  private static final class Slice extends ImageValues {
    private final ImageValues whole;
    private final long start;
    private final long count;

    Slice(ImageValues whole, long start, long count) {
      this.whole = whole;
      this.start = start;
      this.count = count;
    }

    @Override
    long count() {
      return count;
    }

    @Override
    void copy(long from, float[] dst, int offset, int length) {
      whole.copy(start + from, dst, offset, length);
    }

    @Override
    ImageValues slice(long from, long to) {
      return new Slice(whole, start + from, to - from);
    }

    @Override
    boolean alwaysFinite() {
      return whole.alwaysFinite();
    }

    @Override
    ImageValues withPalette(float[] palette) {
      ImageValues other = whole.withPalette(palette);
      return other == null ? null : new Slice(other, start, count);
    }
  }
}
