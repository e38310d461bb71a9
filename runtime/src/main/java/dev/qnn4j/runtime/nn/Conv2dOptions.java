package dev.qnn4j.runtime.nn;

import java.util.Arrays;

/** The geometry of a 2-d convolution, with PyTorch's meaning of each field. */
public record Conv2dOptions(
    int inChannels,
    int outChannels,
    int kernelHeight,
    int kernelWidth,
    int strideH,
    int strideW,
    int padH,
    int padW,
    int dilationH,
    int dilationW,
    int groups,
    boolean bias) {

  public Conv2dOptions {
    if (inChannels < 1 || outChannels < 1 || kernelHeight < 1 || kernelWidth < 1) {
      throw new IllegalArgumentException("channels and kernel size must be positive");
    }
    if (strideH < 1 || strideW < 1 || dilationH < 1 || dilationW < 1 || padH < 0 || padW < 0) {
      throw new IllegalArgumentException(
          "stride and dilation must be positive, padding non-negative");
    }
    if (groups < 1 || inChannels % groups != 0 || outChannels % groups != 0) {
      throw new IllegalArgumentException(
          "groups ("
              + groups
              + ") must divide in ("
              + inChannels
              + ") and out ("
              + outChannels
              + ") channels");
    }
  }

  /** A square kernel, stride 1, no padding, dilation 1, one group, with bias. */
  public static Conv2dOptions of(int inChannels, int outChannels, int kernelSize) {
    return new Conv2dOptions(
        inChannels, outChannels, kernelSize, kernelSize, 1, 1, 0, 0, 1, 1, 1, true);
  }

  public Conv2dOptions withStride(int stride) {
    return new Conv2dOptions(
        inChannels,
        outChannels,
        kernelHeight,
        kernelWidth,
        stride,
        stride,
        padH,
        padW,
        dilationH,
        dilationW,
        groups,
        bias);
  }

  public Conv2dOptions withPadding(int padding) {
    return new Conv2dOptions(
        inChannels,
        outChannels,
        kernelHeight,
        kernelWidth,
        strideH,
        strideW,
        padding,
        padding,
        dilationH,
        dilationW,
        groups,
        bias);
  }

  public Conv2dOptions withDilation(int dilation) {
    return new Conv2dOptions(
        inChannels,
        outChannels,
        kernelHeight,
        kernelWidth,
        strideH,
        strideW,
        padH,
        padW,
        dilation,
        dilation,
        groups,
        bias);
  }

  public Conv2dOptions withGroups(int g) {
    return new Conv2dOptions(
        inChannels,
        outChannels,
        kernelHeight,
        kernelWidth,
        strideH,
        strideW,
        padH,
        padW,
        dilationH,
        dilationW,
        g,
        bias);
  }

  public Conv2dOptions withBias(boolean b) {
    return new Conv2dOptions(
        inChannels,
        outChannels,
        kernelHeight,
        kernelWidth,
        strideH,
        strideW,
        padH,
        padW,
        dilationH,
        dilationW,
        groups,
        b);
  }

  public long[] weightShape() {
    return new long[] {outChannels, inChannels / groups, kernelHeight, kernelWidth};
  }

  /** Inputs per output: the fan-in PyTorch's default initialisation uses. */
  public int fanIn() {
    return inChannels / groups * kernelHeight * kernelWidth;
  }

  public int[] stride() {
    return new int[] {strideH, strideW};
  }

  public int[] padding() {
    return new int[] {padH, padW};
  }

  public int[] dilation() {
    return new int[] {dilationH, dilationW};
  }

  /** Output height and width for an input of {@code h x w}. */
  public int[] outputSize(long h, long w) {
    int oh =
        (int)
            (Math.floorDiv(h + 2L * padH - (long) dilationH * (kernelHeight - 1) - 1, strideH) + 1);
    int ow =
        (int)
            (Math.floorDiv(w + 2L * padW - (long) dilationW * (kernelWidth - 1) - 1, strideW) + 1);
    return new int[] {oh, ow};
  }

  @Override
  public String toString() {
    return inChannels
        + ", "
        + outChannels
        + ", kernel_size=("
        + kernelHeight
        + ", "
        + kernelWidth
        + "), stride=("
        + strideH
        + ", "
        + strideW
        + ")"
        + (padH != 0 || padW != 0 ? ", padding=(" + padH + ", " + padW + ")" : "")
        + (dilationH != 1 || dilationW != 1
            ? ", dilation=(" + dilationH + ", " + dilationW + ")"
            : "")
        + (groups != 1 ? ", groups=" + groups : "")
        + (bias ? "" : ", bias=False");
  }

  static String arr(int[] a) {
    return Arrays.toString(a);
  }
}
