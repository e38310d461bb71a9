package dev.qnn4j.runtime.kernels;

/**
 * The shape arithmetic of a 2-d convolution or pooling window over an NCHW input: {@code out =
 * floor((in + 2 * pad - dilation * (k - 1) - 1) / stride) + 1}, as PyTorch computes it.
 */
public record ConvGeometry(
    int batch,
    int inChannels,
    int inHeight,
    int inWidth,
    int kernelHeight,
    int kernelWidth,
    int strideH,
    int strideW,
    int padH,
    int padW,
    int dilationH,
    int dilationW) {

  // Floor division, as PyTorch: a window that does not fit gives a size of 0 or less, never 1.
  public int outHeight() {
    return Math.floorDiv(inHeight + 2 * padH - dilationH * (kernelHeight - 1) - 1, strideH) + 1;
  }

  public int outWidth() {
    return Math.floorDiv(inWidth + 2 * padW - dilationW * (kernelWidth - 1) - 1, strideW) + 1;
  }

  public int outPixels() {
    return outHeight() * outWidth();
  }
}
