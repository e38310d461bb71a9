package dev.qnn4j.runtime.autograd;

import dev.qnn4j.runtime.GradFn;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.kernels.Activations;
import dev.qnn4j.runtime.kernels.BinaryQuant;
import dev.qnn4j.runtime.kernels.ConvGeometry;
import dev.qnn4j.runtime.kernels.ConvTranspose;
import dev.qnn4j.runtime.kernels.Convolution;
import dev.qnn4j.runtime.kernels.Dense;
import dev.qnn4j.runtime.kernels.Elementwise;
import dev.qnn4j.runtime.kernels.FakeQuant;
import dev.qnn4j.runtime.kernels.NdArrays;
import dev.qnn4j.runtime.kernels.Pooling;
import dev.qnn4j.runtime.kernels.Resize;
import dev.qnn4j.runtime.kernels.Statistics;
import java.util.Arrays;
import java.util.List;

/**
 * Differentiable operations on {@link Tensor}s. Each computes its result with the kernels of {@code
 * dev.qnn4j.runtime.kernels} and records how to propagate gradients back. Shapes are checked by the
 * layers that call these, which know the layer's name for the message.
 */
public final class Ops {
  private Ops() {}

  // ---------------------------------------------------------------- elementwise and shape

  public static Tensor relu(Tensor x) {
    float[] v = x.data();
    float[] out = new float[v.length];
    Activations.relu(v, out, v.length);
    return Tensor.result(
        out,
        x.shape(),
        GradFn.of(
            "Relu",
            g -> {
              float[] gx = new float[g.length];
              Activations.reluBackward(g, out, gx, g.length);
              return new float[][] {gx};
            },
            x));
  }

  /**
   * {@code x * scale + shift} elementwise in float32, rounded after the product and after the sum
   * (no fused multiply-add), as PyTorch computes {@code scale * x + shift}.
   */
  public static Tensor affine(Tensor x, float scale, float shift) {
    float[] v = x.data();
    float[] out = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      float product = v[i] * scale;
      out[i] = product + shift;
    }
    return Tensor.result(
        out,
        x.shape(),
        GradFn.of(
            "Affine",
            g -> {
              float[] gx = new float[g.length];
              for (int i = 0; i < g.length; i++) {
                gx[i] = g[i] * scale;
              }
              return new float[][] {gx};
            },
            x));
  }

  /** Elementwise sum of two tensors of the same shape. */
  public static Tensor add(Tensor a, Tensor b) {
    requireSameShape("add", a, b);
    float[] av = a.data();
    float[] bv = b.data();
    float[] out = new float[av.length];
    Elementwise.add(av, bv, out, out.length);
    return Tensor.result(out, a.shape(), GradFn.of("Add", g -> new float[][] {g, g}, a, b));
  }

  public static Tensor reshape(Tensor x, long... shape) {
    long[] from = x.shape();
    if (NdArrays.numel(shape) != x.numel()) {
      throw new IllegalArgumentException(
          "cannot reshape " + Arrays.toString(from) + " to " + Arrays.toString(shape));
    }
    // Row-major data reads the same in any shape: the values are shared, not copied.
    return Tensor.result(x.data(), shape, GradFn.of("Reshape", g -> new float[][] {g}, x));
  }

  /** Keeps dimension 0 and flattens the rest, like {@code x.reshape(x.shape[0], -1)}. */
  public static Tensor flatten(Tensor x) {
    return reshape(x, x.size(0), x.numel() / Math.max(1, x.size(0)));
  }

  // ---------------------------------------------------------------- scalar / scale arithmetic

  /** {@code a * b} where b is 0-d or both have the same shape; a 0-d a broadcasts over b. */
  public static Tensor mul(Tensor a, Tensor b) {
    Tensor big = a.numel() >= b.numel() ? a : b;
    if (a.numel() != 1 && b.numel() != 1 && a.numel() != b.numel()) {
      throw new IllegalArgumentException(
          "mul of shapes " + Arrays.toString(a.shape()) + " and " + Arrays.toString(b.shape()));
    }
    int n = (int) big.numel();
    float[] av = broadcast(a, n);
    float[] bv = broadcast(b, n);
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = av[i] * bv[i];
    }
    return Tensor.result(
        out,
        big.shape(),
        GradFn.of(
            "Mul",
            g ->
                new float[][] {
                  a.requiresGrad() ? productReducedTo(g, bv, a) : null,
                  b.requiresGrad() ? productReducedTo(g, av, b) : null
                },
            a,
            b));
  }

  /** {@code x + c} for a constant c. */
  public static Tensor addConstant(Tensor x, float c) {
    float[] v = x.data();
    float[] out = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = v[i] + c;
    }
    return Tensor.result(out, x.shape(), GradFn.of("AddConstant", g -> new float[][] {g}, x));
  }

  /** {@code x / c} for a constant c. */
  public static Tensor div(Tensor x, float c) {
    float[] v = x.data();
    float[] out = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = v[i] / c;
    }
    return Tensor.result(
        out,
        x.shape(),
        GradFn.of(
            "Div",
            g -> {
              float[] gx = new float[g.length];
              for (int i = 0; i < g.length; i++) {
                gx[i] = g[i] / c;
              }
              return new float[][] {gx};
            },
            x));
  }

  /**
   * {@code max(x, min)} with a straight-through gradient (Brevitas' {@code scalar_clamp_min_ste}).
   */
  public static Tensor clampMinSte(Tensor x, float min) {
    float[] v = x.data();
    float[] out = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = Math.max(v[i], min);
    }
    return Tensor.result(out, x.shape(), GradFn.of("ClampMinSte", g -> new float[][] {g}, x));
  }

  /**
   * {@code |x|} whose gradient uses sign(x) with sign(0) = +1 (Brevitas' {@code
   * abs_binary_sign_grad}).
   */
  public static Tensor absBinarySignGrad(Tensor x) {
    float[] v = x.data();
    float[] out = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = Math.abs(v[i]);
    }
    return Tensor.result(
        out,
        x.shape(),
        GradFn.of(
            "AbsBinarySignGrad",
            g -> {
              float[] gx = new float[g.length];
              for (int i = 0; i < g.length; i++) {
                gx[i] = v[i] >= 0f ? g[i] : g[i] * -1f;
              }
              return new float[][] {gx};
            },
            x));
  }

  /** {@code log2(x)}, for power-of-two scales. */
  public static Tensor log2(Tensor x) {
    float[] v = x.data();
    float[] out = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = (float) (Math.log(v[i]) / Math.log(2));
    }
    return Tensor.result(
        out,
        x.shape(),
        GradFn.of(
            "Log2",
            g -> {
              float[] gx = new float[g.length];
              for (int i = 0; i < g.length; i++) {
                gx[i] = (float) (g[i] / (v[i] * Math.log(2)));
              }
              return new float[][] {gx};
            },
            x));
  }

  /** {@code ceil(x)} with a straight-through gradient (Brevitas' {@code ceil_ste}). */
  public static Tensor ceilSte(Tensor x) {
    float[] v = x.data();
    float[] out = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = (float) Math.ceil(v[i]);
    }
    return Tensor.result(out, x.shape(), GradFn.of("CeilSte", g -> new float[][] {g}, x));
  }

  /** {@code 2^x}. */
  public static Tensor pow2(Tensor x) {
    float[] v = x.data();
    float[] out = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = (float) Math.pow(2, v[i]);
    }
    return Tensor.result(
        out,
        x.shape(),
        GradFn.of(
            "Pow2",
            g -> {
              float[] gx = new float[g.length];
              for (int i = 0; i < g.length; i++) {
                gx[i] = (float) (g[i] * out[i] * Math.log(2));
              }
              return new float[][] {gx};
            },
            x));
  }

  /**
   * {@code round(x)} (half to even, as torch) with a straight-through gradient (Brevitas' {@code
   * round_ste}).
   */
  public static Tensor roundSte(Tensor x) {
    float[] v = x.data();
    float[] out = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = (float) Math.rint(v[i]);
    }
    return Tensor.result(out, x.shape(), GradFn.of("RoundSte", g -> new float[][] {g}, x));
  }

  /** {@code 1 / (1 + e^-x)}, gradient {@code g (1 - y) y} in torch's order. */
  public static Tensor sigmoid(Tensor x) {
    float[] v = x.data();
    float[] out = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = (float) (1.0 / (1.0 + Math.exp(-v[i])));
    }
    return Tensor.result(
        out,
        x.shape(),
        GradFn.of(
            "Sigmoid",
            g -> {
              float[] gx = new float[g.length];
              for (int i = 0; i < g.length; i++) {
                gx[i] = (g[i] * (1f - out[i])) * out[i];
              }
              return new float[][] {gx};
            },
            x));
  }

  /** {@code tanh(x)}, gradient {@code 1 - y^2}. */
  public static Tensor tanh(Tensor x) {
    float[] v = x.data();
    float[] out = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = (float) Math.tanh(v[i]);
    }
    return Tensor.result(
        out,
        x.shape(),
        GradFn.of(
            "Tanh",
            g -> {
              float[] gx = new float[g.length];
              for (int i = 0; i < g.length; i++) {
                gx[i] = g[i] * (1f - out[i] * out[i]);
              }
              return new float[][] {gx};
            },
            x));
  }

  /**
   * Brevitas' {@code TensorClamp} to {@code [-bound, bound]}: the gradient passes where x lies
   * within the bounds (inclusive) and is zero where the clamp acted.
   */
  public static Tensor clampMasked(Tensor x, float bound) {
    float[] v = x.data();
    float[] out = new float[v.length];
    BinaryQuant.clamp(v, bound, out);
    return Tensor.result(
        out,
        x.shape(),
        GradFn.of(
            "TensorClamp",
            g -> {
              float[] gx = new float[g.length];
              BinaryQuant.clampBackward(v, bound, g, gx);
              return new float[][] {gx};
            },
            x));
  }

  /**
   * Binary quantization {@code sign(x) * s} with sign(0) = +1 and a straight-through sign
   * (Brevitas' {@code binary_sign_ste}): the gradient reaches x unchanged; the scale gets {@code
   * sum(g * sign)}.
   */
  public static Tensor binarySign(Tensor x, Tensor scale) {
    float[] v = x.data();
    float s = scale.item();
    float[] out = new float[v.length];
    BinaryQuant.sign(v, s, out);
    return Tensor.result(
        out,
        x.shape(),
        GradFn.of(
            "BinarySignSte",
            g -> {
              float[] gx = new float[g.length];
              BinaryQuant.signBackward(g, s, gx);
              double gs = 0;
              for (int i = 0; i < g.length; i++) {
                gs += (double) g[i] * (v[i] >= 0f ? 1f : -1f);
              }
              // d(sign_ste(x) * s)/dx = s; Brevitas' constant binary scales are 1 in bnn_pynq, and
              // the
              // product keeps the chain right for any other constant.
              float[] gScale = new float[scale.data().length];
              gScale[0] = (float) gs;
              return new float[][] {gx, gScale};
            },
            x,
            scale));
  }

  // ---------------------------------------------------------------- statistics

  /** {@code max |x|} over the whole tensor, as a 0-d tensor. */
  public static Tensor absMax(Tensor x) {
    float[] v = x.data();
    float m = Statistics.absMax(v);
    return Tensor.result(
        new float[] {m},
        new long[0],
        GradFn.of(
            "AbsMax",
            g -> {
              float[] gx = new float[v.length];
              Statistics.absMaxBackward(v, m, g[0], gx);
              return new float[][] {gx};
            },
            x));
  }

  /** {@code max |x|} over everything but dimension 0, as a 1-d tensor (per output channel). */
  public static Tensor absMaxPerChannel(Tensor x) {
    float[] v = x.data();
    int rows = (int) x.size(0);
    float[] m = Statistics.absMaxPerRow(v, rows);
    return Tensor.result(
        m,
        new long[] {rows},
        GradFn.of(
            "AbsMaxPerChannel",
            g -> {
              float[] gx = new float[v.length];
              Statistics.absMaxPerRowBackward(v, m, g, gx);
              return new float[][] {gx};
            },
            x));
  }

  /**
   * Brevitas' {@code AbsPercentile}: the k-th smallest |x| with k from {@link
   * Statistics#percentileRank}, as a 0-d tensor whose gradient reaches the selected element.
   */
  public static Tensor absPercentile(Tensor x, double q) {
    float[] v = x.data();
    int k = Statistics.percentileRank(q, v.length);
    int idx = Statistics.kthSmallestAbsIndex(v, k);
    float value = Math.abs(v[idx]);
    return Tensor.result(
        new float[] {value},
        new long[0],
        GradFn.of(
            "AbsPercentile",
            g -> {
              float[] gx = new float[v.length];
              gx[idx] = g[0] * Math.signum(v[idx]);
              return new float[][] {gx};
            },
            x));
  }

  // ---------------------------------------------------------------- fake quantization

  /**
   * Brevitas' truncation of an integer accumulator to fewer bits ({@code TruncIntQuant}, zero point
   * 0): {@code trunc(round(x / s) / 2^shift) * s} with {@code trunc} floor or round (half to even),
   * both straight-through for the gradient; {@code shift} may be negative (a left shift). The
   * gradient reaches x and the per-tensor scale s as torch's autograd of those steps would.
   */
  public static Tensor truncQuant(Tensor x, Tensor scale, int shift, boolean floor) {
    if (scale.numel() != 1) {
      throw new IllegalArgumentException(
          "truncation needs a per-tensor scale, got shape " + Arrays.toString(scale.shape()));
    }
    float s = scale.data()[0];
    float divisor = (float) Math.pow(2, shift);
    float[] xv = x.data();
    float[] out = new float[xv.length];
    float[] truncated = new float[xv.length];
    for (int i = 0; i < xv.length; i++) {
      float y = (float) Math.rint(xv[i] / s) / divisor;
      truncated[i] = floor ? (float) Math.floor(y) : (float) Math.rint(y);
      out[i] = truncated[i] * s;
    }
    return Tensor.result(
        out,
        x.shape(),
        GradFn.of(
            "TruncQuant",
            g -> {
              float[] gx = new float[g.length];
              double gs = 0;
              for (int i = 0; i < g.length; i++) {
                // backwards through * s, the straight-through trunc, / 2^shift, the
                // straight-through round, / s
                float gy = g[i] * s / divisor;
                gx[i] = gy / s;
                gs += (double) g[i] * truncated[i] - (double) gy * ((xv[i] / s) / s);
              }
              return new float[][] {gx, scale.requiresGrad() ? new float[] {(float) gs} : null};
            },
            x,
            scale));
  }

  /**
   * Fake quantization {@code (clamp(round(x / s + z), min, max) - z) * s} with a straight-through
   * round. {@code scale} is 0-d or has one entry per channel along {@code channelAxis} of x. {@code
   * steClamp} selects Brevitas' {@code TensorClampSte} (weights) over {@code TensorClamp}.
   */
  public static Tensor fakeQuant(
      Tensor x,
      Tensor scale,
      float zeroPoint,
      float min,
      float max,
      boolean steClamp,
      int channelAxis) {
    long[] shape = x.shape();
    float[] v = x.data();
    float[] s = scale.data();
    long inner = innerSize(shape, channelAxis, s.length);
    float[] out = new float[v.length];
    FakeQuant.forward(v, s, inner, zeroPoint, min, max, out);
    return Tensor.result(
        out,
        shape,
        GradFn.of(
            "FakeQuant",
            g -> {
              float[] gx = x.requiresGrad() ? new float[v.length] : null;
              float[] gs = FakeQuant.backward(v, s, inner, zeroPoint, min, max, g, steClamp, gx);
              return new float[][] {gx, gs};
            },
            x,
            scale));
  }

  // ---------------------------------------------------------------- compute layers

  /**
   * 2-d convolution of NCHW {@code x} with {@code w [out, in/groups, kh, kw]} and optional bias
   * {@code [out]}: per sample and group, im2col plus one matrix product. Samples are split across
   * cores; a per-sample column matrix stays in cache, and it is rebuilt in the backward pass rather
   * than kept. Weight gradients are summed per core and combined in a fixed order, so results do
   * not depend on timing.
   */
  public static Tensor conv2d(
      Tensor x, Tensor w, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
    long[] xs = x.shape();
    long[] ws = w.shape();
    int n = (int) xs[0];
    int outC = (int) ws[0];
    ConvGeometry full =
        new ConvGeometry(
            n,
            (int) xs[1],
            (int) xs[2],
            (int) xs[3],
            (int) ws[2],
            (int) ws[3],
            stride[0],
            stride[1],
            padding[0],
            padding[1],
            dilation[0],
            dilation[1]);
    int oh = full.outHeight();
    int ow = full.outWidth();
    if (oh <= 0 || ow <= 0) {
      throw new IllegalArgumentException(
          "convolution output would be empty for input "
              + Arrays.toString(xs)
              + " and kernel "
              + Arrays.toString(ws));
    }
    float[] xv = x.data();
    float[] wv = w.data();
    float[] bv = bias == null ? null : bias.data();
    float[] out = new float[n * outC * oh * ow];
    Convolution.forward(xv, full, outC, groups, wv, bv, out);
    long[] outShape = {n, outC, oh, ow};
    return Tensor.result(
        out,
        outShape,
        GradFn.of(
            "Conv2d",
            g -> {
              float[] gx = x.requiresGrad() ? new float[xv.length] : null;
              float[] gb = bias == null ? null : new float[outC];
              float[] gw = new float[wv.length];
              float[][] partialGw = new float[Convolution.partials(full, outC, groups)][wv.length];
              Convolution.backward(g, xv, full, outC, groups, wv, gx, gw, gb, partialGw);
              return new float[][] {gx, gw, gb};
            },
            x,
            w,
            bias));
  }

  /** {@code x W^T + b} for {@code x [n, in]}, {@code w [out, in]}, optional {@code b [out]}. */
  public static Tensor linear(Tensor x, Tensor w, Tensor bias) {
    int n = (int) x.size(0);
    int in = (int) x.size(1);
    int out = (int) w.size(0);
    float[] xv = x.data();
    float[] wv = w.data();
    float[] bv = bias == null ? null : bias.data();
    float[] prod = new float[n * out];
    Dense.forward(xv, n, in, out, wv, bv, prod);
    return Tensor.result(
        prod,
        new long[] {n, out},
        GradFn.of(
            "Linear",
            g -> {
              float[] gx = x.requiresGrad() ? new float[n * in] : null;
              float[] gw = new float[out * in];
              float[] gb = bias == null ? null : new float[out];
              Dense.backward(g, xv, n, in, out, wv, gx, gw, gb);
              return new float[][] {gx, gw, gb};
            },
            x,
            w,
            bias));
  }

  /**
   * PyTorch's {@code conv_transpose2d}: weight {@code [Cin, Cout/groups, kh, kw]}, output size
   * {@code (in - 1) * stride - 2 * padding + dilation * (k - 1) + outputPadding + 1}.
   */
  public static Tensor convTranspose2d(
      Tensor x,
      Tensor w,
      Tensor bias,
      int[] stride,
      int[] padding,
      int[] outputPadding,
      int[] dilation,
      int groups) {
    long[] xs = x.shape();
    long[] ws = w.shape();
    ConvTranspose.Geometry geo =
        new ConvTranspose.Geometry(
            (int) xs[0],
            (int) xs[1],
            (int) xs[2],
            (int) xs[3],
            (int) ws[1] * groups,
            (int) ws[2],
            (int) ws[3],
            stride,
            padding,
            outputPadding,
            dilation,
            groups);
    if (geo.outHeight() <= 0 || geo.outWidth() <= 0) {
      throw new IllegalArgumentException(
          "transposed convolution output would be empty for input "
              + Arrays.toString(xs)
              + " and kernel "
              + Arrays.toString(ws));
    }
    float[] xv = x.data();
    float[] wv = w.data();
    float[] out = ConvTranspose.forward(xv, wv, bias == null ? null : bias.data(), geo);
    long[] shape = {xs[0], geo.outC(), geo.outHeight(), geo.outWidth()};
    return Tensor.result(
        out,
        shape,
        GradFn.of(
            "ConvTranspose2d",
            g -> ConvTranspose.backward(g, xv, wv, bias != null, geo),
            x,
            w,
            bias));
  }

  /** Nearest-neighbour resizing of NCHW {@code x} to {@code outH x outW} (PyTorch's 'nearest'). */
  public static Tensor upsampleNearest(Tensor x, int outH, int outW) {
    long[] xs = x.shape();
    int planes = (int) (xs[0] * xs[1]);
    int h = (int) xs[2];
    int w = (int) xs[3];
    float[] out = Resize.nearestForward(x.data(), planes, h, w, outH, outW);
    return Tensor.result(
        out,
        new long[] {xs[0], xs[1], outH, outW},
        GradFn.of(
            "UpsampleNearest",
            g -> new float[][] {Resize.nearestBackward(g, planes, h, w, outH, outW)},
            x));
  }

  /** Concatenation of tensors along dimension 1 ({@code [N, C_i, ...]}, equal other dimensions). */
  public static Tensor cat(List<? extends Tensor> parts) {
    long[] first = parts.get(0).shape();
    long channels = 0;
    for (Tensor t : parts) {
      long[] s = t.shape();
      if (s.length != first.length
          || s[0] != first[0]
          || !Arrays.equals(
              Arrays.copyOfRange(s, 2, s.length), Arrays.copyOfRange(first, 2, first.length))) {
        throw new IllegalArgumentException(
            "cat along dimension 1 of shapes "
                + Arrays.toString(first)
                + " and "
                + Arrays.toString(s));
      }
      channels += s[1];
    }
    int n = (int) first[0];
    int inner = (int) (NdArrays.numel(first) / Math.max(1, first[0] * first[1]));
    long[] shape = first.clone();
    shape[1] = channels;
    float[] out = new float[(int) NdArrays.numel(shape)];
    int rowOut = (int) channels * inner;
    int offset = 0;
    for (Tensor t : parts) {
      int row = (int) t.size(1) * inner;
      float[] v = t.data();
      for (int s = 0; s < n; s++) {
        System.arraycopy(v, s * row, out, s * rowOut + offset, row);
      }
      offset += row;
    }
    Tensor[] inputs = parts.toArray(new Tensor[0]);
    return Tensor.result(
        out,
        shape,
        GradFn.of(
            "Cat",
            g -> {
              float[][] grads = new float[inputs.length][];
              int off = 0;
              for (int i = 0; i < inputs.length; i++) {
                int row = (int) inputs[i].size(1) * inner;
                float[] gi = new float[n * row];
                for (int s = 0; s < n; s++) {
                  System.arraycopy(g, s * rowOut + off, gi, s * row, row);
                }
                grads[i] = gi;
                off += row;
              }
              return grads;
            },
            inputs));
  }

  public static Tensor maxPool2d(Tensor x, int[] kernel, int[] stride, int[] padding) {
    long[] xs = x.shape();
    ConvGeometry geo = poolGeometry(xs, kernel, stride, padding);
    float[] xv = x.data();
    int[] argmax = new int[(int) (xs[0] * xs[1]) * geo.outPixels()];
    float[] out = Pooling.maxForward(xv, geo, argmax);
    return Tensor.result(
        out,
        new long[] {xs[0], xs[1], geo.outHeight(), geo.outWidth()},
        GradFn.of("MaxPool2d", g -> new float[][] {Pooling.maxBackward(g, argmax, xv.length)}, x));
  }

  public static Tensor avgPool2d(Tensor x, int[] kernel, int[] stride, int[] padding) {
    long[] xs = x.shape();
    ConvGeometry geo = poolGeometry(xs, kernel, stride, padding);
    float[] out = Pooling.avgForward(x.data(), geo);
    return Tensor.result(
        out,
        new long[] {xs[0], xs[1], geo.outHeight(), geo.outWidth()},
        GradFn.of("AvgPool2d", g -> new float[][] {Pooling.avgBackward(g, geo)}, x));
  }

  // ---------------------------------------------------------------- helpers

  static ConvGeometry poolGeometry(long[] xs, int[] kernel, int[] stride, int[] padding) {
    ConvGeometry geo =
        new ConvGeometry(
            (int) xs[0],
            (int) xs[1],
            (int) xs[2],
            (int) xs[3],
            kernel[0],
            kernel[1],
            stride[0],
            stride[1],
            padding[0],
            padding[1],
            1,
            1);
    if (geo.outHeight() <= 0 || geo.outWidth() <= 0) {
      throw new IllegalArgumentException(
          "pooling window "
              + Arrays.toString(kernel)
              + " does not fit input "
              + Arrays.toString(xs));
    }
    return geo;
  }

  /**
   * Elements per channel block for a per-channel scale along {@code axis}; 1 block when per tensor.
   */
  static long innerSize(long[] shape, int axis, int scaleLength) {
    if (scaleLength == 1) {
      return 1;
    }
    if (axis >= shape.length || shape[axis] != scaleLength) {
      throw new IllegalArgumentException(
          "a per-channel scale of "
              + scaleLength
              + " values does not match axis "
              + axis
              + " of shape "
              + Arrays.toString(shape));
    }
    long inner = 1;
    for (int d = axis + 1; d < shape.length; d++) {
      inner *= shape[d];
    }
    return inner;
  }

  /** The values of {@code t}, a scalar repeated n times when t has one element. */
  private static float[] broadcast(Tensor t, int n) {
    if (t.numel() == n) {
      return t.data();
    }
    float[] out = new float[n];
    Arrays.fill(out, t.data()[0]);
    return out;
  }

  /**
   * The gradient of one factor of an element-wise product, {@code g * other}, summed (in double)
   * down to the factor's size when it was broadcast from a scalar.
   */
  private static float[] productReducedTo(float[] g, float[] other, Tensor target) {
    if (target.numel() == g.length) {
      float[] out = new float[g.length];
      for (int i = 0; i < g.length; i++) {
        out[i] = g[i] * other[i];
      }
      return out;
    }
    double sum = 0;
    for (int i = 0; i < g.length; i++) {
      sum += g[i] * other[i];
    }
    return new float[] {(float) sum};
  }

  private static void requireSameShape(String op, Tensor a, Tensor b) {
    if (!Arrays.equals(a.shape(), b.shape())) {
      throw new IllegalArgumentException(
          op
              + " needs equal shapes, got "
              + Arrays.toString(a.shape())
              + " and "
              + Arrays.toString(b.shape()));
    }
  }
}
