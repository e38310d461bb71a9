package dev.qnn4j.runtime.kernels;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.dnnl.const_dnnl_op_desc_t;
import org.bytedeco.dnnl.dnnl_convolution_desc_t;
import org.bytedeco.dnnl.dnnl_engine;
import org.bytedeco.dnnl.dnnl_exec_arg_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * A chunk of samples' convolution (forward pass, input gradient, weight gradient) on oneDNN's JIT
 * kernels, which hold sixteen output channels in one vector register and so outrun the Java and
 * OpenBLAS kernels where a layer has at least that many (the LeNet's conv2 on two cores: forward
 * 738 against 240 us per batch of 64, backward 1,667 against 866). NCHW Java arrays are copied into
 * native buffers and reordered into the layouts oneDNN chose, and the results back.
 *
 * <p>Each thread keeps its own engine and stream, four activation buffers shared by all shapes, and
 * per shape and chunk size the primitives and weight buffers (a plan), made on first use and
 * reused, so a step allocates nothing. oneDNN sums in its kernels' order, which is fixed for a
 * machine, a shape and a chunk size: the tape and the compiled step, which both come here, stay
 * equal bit for bit, and results do not depend on timing; another processor (another instruction
 * set) may round differently.
 */
final class OneDnnConvolution {
  private OneDnnConvolution() {}

  /**
   * {@code out[outOff ...] = conv(x[xOff ...], w) + b} for the {@code count} samples of geometry
   * {@code one} (batch 1) there, {@code b} null for none; false (and nothing done) for a shape
   * oneDNN does not take.
   */
  static boolean forward(
      float[] x,
      int xOff,
      ConvGeometry one,
      int count,
      int outC,
      float[] w,
      float[] b,
      float[] out,
      int outOff) {
    ThreadState state = STATE.get();
    Plan p = state.plan(one, count, outC);
    if (p == null) {
      return false;
    }
    p.bind(state);
    p.src.load(state, x, xOff);
    p.weights.load(state, w, 0);
    if (b == null) {
      for (int o = 0; o < outC; o++) {
        p.bias.buffer(state).put(o, 0f);
      }
    } else {
      p.bias.load(state, b, 0);
    }
    state.run(p.forwardSrc.in);
    state.run(p.forwardWeights.in);
    state.execute(p.forward, p.forwardArgs, 4);
    state.run(p.forwardDst.out);
    p.dst.store(state, out, outOff);
    return true;
  }

  /**
   * The gradients of {@link #forward} for {@code gy[gyOff ...]}: the input's into {@code gx[gxOff
   * ...]} (overwritten; none when {@code gx} is null) and the weights' into {@code gw}
   * (overwritten); false (and nothing done) for a shape oneDNN does not take.
   */
  static boolean backward(
      float[] gy,
      int gyOff,
      float[] x,
      int xOff,
      ConvGeometry one,
      int count,
      int outC,
      float[] w,
      float[] gx,
      int gxOff,
      float[] gw) {
    ThreadState state = STATE.get();
    Plan p = state.plan(one, count, outC);
    if (p == null) {
      return false;
    }
    p.bind(state);
    p.dst.load(state, gy, gyOff);
    if (gx != null) {
      p.weights.load(state, w, 0);
      state.run(p.dataWeights.in);
      state.run(p.dataDiffDst.in);
      state.execute(p.backwardData, p.backwardDataArgs, 3);
      state.run(p.dataDiffSrc.out);
      p.src.store(state, gx, gxOff);
    }
    // The two backward primitives mostly choose one layout for the output gradient: one reorder.
    if (gx == null || p.weightsDiffDst != p.dataDiffDst) {
      state.run(p.weightsDiffDst.in);
    }
    // The input is loaded again: the buffers are the thread's, shared by every plan.
    p.src.load(state, x, xOff);
    state.run(p.weightsSrc.in);
    state.execute(p.backwardWeights, p.backwardWeightsArgs, 3);
    state.run(p.weightsDiffWeights.out);
    p.weights.store(state, gw, 0);
    return true;
  }

  private static final int SRC_PLAIN = 0;
  private static final int SRC_LAYOUT = 1;
  private static final int DST_PLAIN = 2;
  private static final int DST_LAYOUT = 3;
  private static final int SHARED_SLOTS = 4;

  /** Where a tensor's buffer lives: its plan's own (weights, bias), or shared slot {@code n}. */
  private static final int OWN = -1;

  /** A thread's oneDNN engine and stream, its plans and the shapes oneDNN refused. */
  private static final class ThreadState {
    final dnnl_engine engine;
    final dnnl_stream stream;
    final Plan[] plans = new Plan[16];
    int nextSlot;
    final List<Plan> refused = new ArrayList<>();

    /**
     * The activations' buffers (input and output, plain and in oneDNN's layout), shared by all
     * plans of the thread: a call uses one plan at a time, and each plan's memories are pointed at
     * them before it runs. Plans of their own held 1.1 GiB more for the zoo's ResNet-18.
     */
    final NativeBuffers activations = new NativeBuffers(SHARED_SLOTS, 1);

    ThreadState() {
      PointerPointer<dnnl_engine> e = new PointerPointer<>(1);
      check(dnnl.dnnl_engine_create(e, dnnl.dnnl_cpu, 0), "engine");
      engine = e.get(dnnl_engine.class, 0);
      PointerPointer<dnnl_stream> s = new PointerPointer<>(1);
      check(dnnl.dnnl_stream_create(s, engine, dnnl.dnnl_stream_default_flags), "stream");
      stream = s.get(dnnl_stream.class, 0);
    }

    /** The plan of this shape and chunk size, made on first use; null where oneDNN refused it. */
    Plan plan(ConvGeometry one, int count, int outC) {
      for (Plan p : plans) {
        if (p != null && p.matches(one, count, outC)) {
          return p;
        }
      }
      for (int i = 0; i < refused.size(); i++) {
        if (refused.get(i).matches(one, count, outC)) {
          return null;
        }
      }
      Plan p = new Plan(one, count, outC);
      try {
        p.build(this);
      } catch (IllegalStateException e) {
        // A shape oneDNN does not take: remembered, and the Java kernels compute it.
        p.close();
        refused.add(p);
        return null;
      }
      if (plans[nextSlot] != null) {
        plans[nextSlot].close();
      }
      plans[nextSlot] = p;
      nextSlot = (nextSlot + 1) % plans.length;
      return p;
    }

    void execute(dnnl_primitive primitive, dnnl_exec_arg_t args, int count) {
      check(dnnl.dnnl_primitive_execute(primitive, stream, count, args), "convolution");
    }

    /** Runs a reorder; none (null) where a primitive takes the plain layout. */
    void run(Reorder r) {
      if (r != null) {
        check(dnnl.dnnl_primitive_execute(r.primitive, stream, 2, r.args), "reorder");
      }
    }
  }

  private static final ThreadLocal<ThreadState> STATE = ThreadLocal.withInitial(ThreadState::new);

  /**
   * One tensor in plain NCHW (or OIHW) in a native buffer, and for each layout a primitive chose
   * otherwise, a buffer in that layout with the reorders into it and back. The buffers are the
   * plan's own ({@link #OWN}) or the thread's shared slots {@code plainSlot} and {@code
   * layoutSlot}.
   */
  private static final class Tensor {
    final int size;
    final int plainSlot;
    final int layoutSlot;
    final dnnl_memory_desc_t plainDesc;
    final dnnl_memory plain;
    private final FloatBuffer ownBuffer;
    private final List<Layout> layouts = new ArrayList<>();

    Tensor(Plan owner, long[] dims, int tag, int plainSlot, int layoutSlot) {
      this.plainSlot = plainSlot;
      this.layoutSlot = layoutSlot;
      plainDesc = descriptor(dims, tag);
      size = (int) (dnnl.dnnl_memory_desc_get_size(plainDesc) / Float.BYTES);
      FloatPointer data = owner.buffer(plainSlot, size);
      ownBuffer = plainSlot == OWN ? data.position(0).limit(data.capacity()).asBuffer() : null;
      plain = owner.memory(plainDesc, data, plainSlot, size);
    }

    FloatBuffer buffer(ThreadState state) {
      return plainSlot == OWN ? ownBuffer : state.activations.view(plainSlot, size);
    }

    void load(ThreadState state, float[] from, int offset) {
      buffer(state).put(0, from, offset, size);
    }

    void store(ThreadState state, float[] to, int offset) {
      buffer(state).get(0, to, offset, size);
    }

    /** A primitive's argument in layout {@code desc}: the plain memory when it is plain. */
    Layout layout(Plan owner, dnnl_memory_desc_t desc) {
      if (dnnl.dnnl_memory_desc_equal(desc, plainDesc) != 0) {
        return new Layout(desc, plain, null, null);
      }
      for (Layout l : layouts) {
        if (dnnl.dnnl_memory_desc_equal(desc, l.desc) != 0) {
          return l;
        }
      }
      long floats = dnnl.dnnl_memory_desc_get_size(desc) / Float.BYTES;
      dnnl_memory m = owner.memory(desc, owner.buffer(layoutSlot, floats), layoutSlot, floats);
      Layout l =
          new Layout(
              desc,
              m,
              owner.reorder(plainDesc, desc, plain, m),
              owner.reorder(desc, plainDesc, m, plain));
      layouts.add(l);
      return l;
    }
  }

  /** A primitive argument's memory, with the reorders into it and back unless it is plain. */
  private record Layout(dnnl_memory_desc_t desc, dnnl_memory memory, Reorder in, Reorder out) {}

  /** A reorder primitive with its two arguments bound. */
  private record Reorder(dnnl_primitive primitive, dnnl_exec_arg_t args) {}

  /** The primitives and buffers of one shape and chunk size, on one thread. */
  private static final class Plan {
    /** The shape of one sample (batch 1), and how many samples a call has. */
    final ConvGeometry one;

    final int count;
    final int outC;

    /** Every native object made for this plan, freed by {@link #close}. */
    private final List<Pointer> primitives = new ArrayList<>();

    private final List<Pointer> descriptors = new ArrayList<>();
    private final List<Pointer> memories = new ArrayList<>();
    private final List<Pointer> buffers = new ArrayList<>();

    /** The memories on shared slots, with their slot and size, pointed there by {@link #bind}. */
    private final List<dnnl_memory> sharedMemories = new ArrayList<>();

    private final List<long[]> sharedSlots = new ArrayList<>();
    private ThreadState state;
    Tensor src;
    Tensor weights;
    Tensor bias;
    Tensor dst;
    dnnl_primitive forward;
    dnnl_primitive backwardData;
    dnnl_primitive backwardWeights;
    Layout forwardSrc;
    Layout forwardWeights;
    Layout forwardDst;
    Layout dataWeights;
    Layout dataDiffDst;
    Layout dataDiffSrc;
    Layout weightsSrc;
    Layout weightsDiffDst;
    Layout weightsDiffWeights;
    dnnl_exec_arg_t forwardArgs;
    dnnl_exec_arg_t backwardDataArgs;
    dnnl_exec_arg_t backwardWeightsArgs;

    Plan(ConvGeometry one, int count, int outC) {
      this.one = one;
      this.count = count;
      this.outC = outC;
    }

    boolean matches(ConvGeometry one, int count, int outC) {
      return this.count == count && this.outC == outC && this.one.equals(one);
    }

    /** Makes the primitives (throws IllegalStateException where oneDNN refuses the shape). */
    void build(ThreadState state) {
      this.state = state;
      ConvGeometry g = one;
      long[] srcDims = {count, g.inChannels(), g.inHeight(), g.inWidth()};
      long[] weightDims = {outC, g.inChannels(), g.kernelHeight(), g.kernelWidth()};
      long[] dstDims = {count, outC, g.outHeight(), g.outWidth()};
      src = new Tensor(this, srcDims, dnnl.dnnl_nchw, SRC_PLAIN, SRC_LAYOUT);
      weights = new Tensor(this, weightDims, dnnl.dnnl_oihw, OWN, OWN);
      bias = new Tensor(this, new long[] {outC}, dnnl.dnnl_x, OWN, OWN);
      dst = new Tensor(this, dstDims, dnnl.dnnl_nchw, DST_PLAIN, DST_LAYOUT);
      // "Any" layout: oneDNN picks blocked ones for its fastest kernels; plain NCHW got its
      // im2col-and-product kernels, no faster than ours.
      dnnl_memory_desc_t anySrc = descriptor(srcDims, dnnl.dnnl_format_tag_any);
      dnnl_memory_desc_t anyWeights = descriptor(weightDims, dnnl.dnnl_format_tag_any);
      dnnl_memory_desc_t anyDst = descriptor(dstDims, dnnl.dnnl_format_tag_any);
      long[] strides = {g.strideH(), g.strideW()};
      // oneDNN counts dilation from 0 (none), PyTorch and ConvGeometry from 1.
      long[] dilation = {g.dilationH() - 1, g.dilationW() - 1};
      long[] padBefore = {g.padH(), g.padW()};
      long[] padAfter = {
        padAfter(
            g.inHeight(), g.kernelHeight(), g.strideH(), g.padH(), g.dilationH(), g.outHeight()),
        padAfter(g.inWidth(), g.kernelWidth(), g.strideW(), g.padW(), g.dilationW(), g.outWidth())
      };
      if (padAfter[0] < 0 || padAfter[1] < 0) {
        throw new IllegalStateException("rows or columns past the last window");
      }
      dnnl_convolution_desc_t forwardOp = new dnnl_convolution_desc_t();
      check(
          dnnl.dnnl_dilated_convolution_forward_desc_init(
              forwardOp,
              dnnl.dnnl_forward_training,
              dnnl.dnnl_convolution_direct,
              anySrc,
              anyWeights,
              bias.plainDesc,
              anyDst,
              strides,
              dilation,
              padBefore,
              padAfter),
          "forward descriptor");
      dnnl_primitive_desc forwardPd = primitiveDescriptor(forwardOp, null);
      dnnl_convolution_desc_t dataOp = new dnnl_convolution_desc_t();
      check(
          dnnl.dnnl_dilated_convolution_backward_data_desc_init(
              dataOp,
              dnnl.dnnl_convolution_direct,
              anySrc,
              anyWeights,
              anyDst,
              strides,
              dilation,
              padBefore,
              padAfter),
          "input gradient descriptor");
      dnnl_primitive_desc dataPd = primitiveDescriptor(dataOp, forwardPd);
      dnnl_convolution_desc_t weightsOp = new dnnl_convolution_desc_t();
      // No bias gradient here: Convolution sums it in double, as for every other path.
      check(
          dnnl.dnnl_dilated_convolution_backward_weights_desc_init(
              weightsOp,
              dnnl.dnnl_convolution_direct,
              anySrc,
              anyWeights,
              null,
              anyDst,
              strides,
              dilation,
              padBefore,
              padAfter),
          "weight gradient descriptor");
      dnnl_primitive_desc weightsPd = primitiveDescriptor(weightsOp, forwardPd);
      forward = primitive(forwardPd);
      backwardData = primitive(dataPd);
      backwardWeights = primitive(weightsPd);

      forwardSrc = src.layout(this, query(forwardPd, dnnl.dnnl_query_src_md));
      forwardWeights = weights.layout(this, query(forwardPd, dnnl.dnnl_query_weights_md));
      forwardDst = dst.layout(this, query(forwardPd, dnnl.dnnl_query_dst_md));
      dataWeights = weights.layout(this, query(dataPd, dnnl.dnnl_query_weights_md));
      dataDiffDst = dst.layout(this, query(dataPd, dnnl.dnnl_query_diff_dst_md));
      dataDiffSrc = src.layout(this, query(dataPd, dnnl.dnnl_query_diff_src_md));
      weightsSrc = src.layout(this, query(weightsPd, dnnl.dnnl_query_src_md));
      weightsDiffDst = dst.layout(this, query(weightsPd, dnnl.dnnl_query_diff_dst_md));
      weightsDiffWeights = weights.layout(this, query(weightsPd, dnnl.dnnl_query_diff_weights_md));

      forwardArgs =
          arguments(
              dnnl.DNNL_ARG_SRC, forwardSrc.memory,
              dnnl.DNNL_ARG_WEIGHTS, forwardWeights.memory,
              dnnl.DNNL_ARG_BIAS, bias.plain,
              dnnl.DNNL_ARG_DST, forwardDst.memory);
      backwardDataArgs =
          arguments(
              dnnl.DNNL_ARG_DIFF_DST, dataDiffDst.memory,
              dnnl.DNNL_ARG_WEIGHTS, dataWeights.memory,
              dnnl.DNNL_ARG_DIFF_SRC, dataDiffSrc.memory);
      backwardWeightsArgs =
          arguments(
              dnnl.DNNL_ARG_SRC, weightsSrc.memory,
              dnnl.DNNL_ARG_DIFF_DST, weightsDiffDst.memory,
              dnnl.DNNL_ARG_DIFF_WEIGHTS, weightsDiffWeights.memory);
    }

    /** Frees this plan's native objects (it left its thread's cache, or was refused). */
    void close() {
      primitives.forEach(p -> dnnl.dnnl_primitive_destroy(new dnnl_primitive(p)));
      descriptors.forEach(p -> dnnl.dnnl_primitive_desc_destroy(new dnnl_primitive_desc(p)));
      memories.forEach(p -> dnnl.dnnl_memory_destroy(new dnnl_memory(p)));
      buffers.forEach(Pointer::deallocate);
    }

    /** A buffer of this plan's own ({@link #OWN}) or the thread's shared slot. */
    FloatPointer buffer(int slot, long floats) {
      if (slot != OWN) {
        return state.activations.get(slot, floats);
      }
      FloatPointer p = new FloatPointer(Math.max(floats, 1));
      buffers.add(p);
      return p;
    }

    dnnl_memory memory(dnnl_memory_desc_t desc, Pointer data, int slot, long floats) {
      PointerPointer<dnnl_memory> m = new PointerPointer<>(1);
      check(dnnl.dnnl_memory_create(m, desc, state.engine, data), "memory");
      dnnl_memory memory = m.get(dnnl_memory.class, 0);
      memories.add(memory);
      if (slot != OWN) {
        sharedMemories.add(memory);
        sharedSlots.add(new long[] {slot, floats});
      }
      return memory;
    }

    /** Points the memories on shared slots at the thread's buffers (grown by later plans). */
    void bind(ThreadState state) {
      for (int i = 0; i < sharedMemories.size(); i++) {
        long[] slot = sharedSlots.get(i);
        check(
            dnnl.dnnl_memory_set_data_handle(
                sharedMemories.get(i), state.activations.get((int) slot[0], slot[1])),
            "buffer");
      }
    }

    dnnl_primitive_desc primitiveDescriptor(Pointer op, dnnl_primitive_desc hint) {
      PointerPointer<dnnl_primitive_desc> pd = new PointerPointer<>(1);
      check(
          dnnl.dnnl_primitive_desc_create(
              pd, new const_dnnl_op_desc_t(op), null, state.engine, hint),
          "primitive descriptor");
      dnnl_primitive_desc descriptor = pd.get(dnnl_primitive_desc.class, 0);
      descriptors.add(descriptor);
      return descriptor;
    }

    dnnl_primitive primitive(dnnl_primitive_desc descriptor) {
      PointerPointer<dnnl_primitive> p = new PointerPointer<>(1);
      check(dnnl.dnnl_primitive_create(p, descriptor), "primitive");
      dnnl_primitive primitive = p.get(dnnl_primitive.class, 0);
      primitives.add(primitive);
      return primitive;
    }

    Reorder reorder(
        dnnl_memory_desc_t fromDesc, dnnl_memory_desc_t toDesc, dnnl_memory from, dnnl_memory to) {
      PointerPointer<dnnl_primitive_desc> pd = new PointerPointer<>(1);
      check(
          dnnl.dnnl_reorder_primitive_desc_create(
              pd, fromDesc, state.engine, toDesc, state.engine, null),
          "reorder descriptor");
      dnnl_primitive_desc descriptor = pd.get(dnnl_primitive_desc.class, 0);
      descriptors.add(descriptor);
      return new Reorder(
          primitive(descriptor), arguments(dnnl.DNNL_ARG_FROM, from, dnnl.DNNL_ARG_TO, to));
    }
  }

  /** The argument list of a primitive: pairs of an argument's index and its memory. */
  private static dnnl_exec_arg_t arguments(Object... indexAndMemory) {
    int count = indexAndMemory.length / 2;
    dnnl_exec_arg_t args = new dnnl_exec_arg_t(count);
    for (int i = 0; i < count; i++) {
      args.position(i)
          .arg((Integer) indexAndMemory[2 * i])
          .memory((dnnl_memory) indexAndMemory[2 * i + 1]);
    }
    return args.position(0);
  }

  /** The padding after the last input row (or column) that gives {@code out} outputs. */
  private static long padAfter(int in, int kernel, int stride, int pad, int dilation, int out) {
    return (long) (out - 1) * stride + (long) (kernel - 1) * dilation + 1 - in - pad;
  }

  private static dnnl_memory_desc_t descriptor(long[] dims, int tag) {
    dnnl_memory_desc_t d = new dnnl_memory_desc_t();
    check(dnnl.dnnl_memory_desc_init_by_tag(d, dims.length, dims, dnnl.dnnl_f32, tag), "layout");
    return d;
  }

  private static dnnl_memory_desc_t query(dnnl_primitive_desc descriptor, int what) {
    return dnnl.dnnl_primitive_desc_query_md(descriptor, what, 0);
  }

  private static void check(int status, String what) {
    if (status != dnnl.dnnl_success) {
      throw new IllegalStateException(
          "oneDNN: making or running the " + what + " failed (status " + status + ")");
    }
  }
}
