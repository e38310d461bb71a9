package dev.qnn4j.runtime.data;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * How a 28x28 gray image (Fashion-MNIST, MNIST) is laid out as a model input {@code C x H x W}: as
 * it is, zero-padded to 32x32 (2 black pixels on each side, padded before normalisation, so -1
 * under {@link Normalisation#SYMMETRIC}), and/or with the gray channel replicated to 3 channels.
 */
public enum ImageLayout {
  /** The images as they are: TFC/SFC/LFC and users' MLPs. */
  GRAY_28(1, 28),
  /** Zero-padded to 32x32. */
  GRAY_32(1, 32),
  /** The gray channel replicated to 3. */
  RGB_28(3, 28),
  /** Padded to 32x32 and replicated to 3 channels: CIFAR-sized, the seed LeNets' layout. */
  RGB_32(3, 32);

  private final int channels;
  private final int side;

  ImageLayout(int channels, int side) {
    this.channels = channels;
    this.side = side;
  }

  public int channels() {
    return channels;
  }

  public int side() {
    return side;
  }

  /** The one-channel layout of the same size: what a data set stores before replicating it. */
  public ImageLayout grayPlane() {
    return side == 28 ? GRAY_28 : GRAY_32;
  }

  /** {@code CxHxW}, e.g. {@code 1x28x28}: the command line's name. */
  public String id() {
    return channels + "x" + side + "x" + side;
  }

  /** {@code {C, H, W}}. */
  public long[] shape() {
    return new long[] {channels, side, side};
  }

  /** What it does to a 28x28 gray image, for headers. */
  public String describe() {
    String how =
        switch (this) {
          case GRAY_28 -> "native";
          case GRAY_32 -> "padded by 2";
          case RGB_28 -> "gray replicated";
          case RGB_32 -> "padded by 2, gray replicated";
        };
    return id() + " (" + how + ")";
  }

  /** The layout whose shape is {@code chw}, or null. */
  public static ImageLayout forShape(long[] chw) {
    for (ImageLayout l : values()) {
      if (Arrays.equals(l.shape(), chw)) {
        return l;
      }
    }
    return null;
  }

  /** The layout named {@code id} ({@code 1x28x28}, ...), or null. */
  public static ImageLayout byId(String id) {
    for (ImageLayout l : values()) {
      if (l.id().equals(id)) {
        return l;
      }
    }
    return null;
  }

  /** The names of all layouts, comma-separated. */
  public static String ids() {
    return Arrays.stream(values()).map(ImageLayout::id).collect(Collectors.joining(", "));
  }

  /**
   * Writes the 28x28 gray image at {@code src[srcOffset]} in this layout at {@code dst[dstOffset]}
   * ({@code channels * side * side} bytes; padding is byte 0, a black pixel).
   */
  void arrange(byte[] src, int srcOffset, byte[] dst, int dstOffset) {
    int source = FashionMnist.SOURCE_SIDE;
    int pad = (side - source) / 2;
    int plane = side * side;
    if (pad > 0) {
      Arrays.fill(dst, dstOffset, dstOffset + plane, (byte) 0);
    }
    for (int y = 0; y < source; y++) {
      System.arraycopy(
          src, srcOffset + y * source, dst, dstOffset + (y + pad) * side + pad, source);
    }
    for (int c = 1; c < channels; c++) {
      System.arraycopy(dst, dstOffset, dst, dstOffset + c * plane, plane);
    }
  }
}
