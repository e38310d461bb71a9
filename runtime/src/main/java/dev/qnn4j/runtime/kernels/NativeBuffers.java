package dev.qnn4j.runtime.kernels;

import java.nio.FloatBuffer;
import org.bytedeco.javacpp.FloatPointer;

/**
 * A thread's native float buffers by slot, grown as needed and never shrunk, each also seen from
 * Java as a {@link FloatBuffer}: copying many short runs through the view costs no native call each
 * (a pointer's {@code put} is one JNI call per run). Not thread-safe: one per thread.
 */
final class NativeBuffers {
  private final FloatPointer[] buffers;
  private final FloatBuffer[] views;
  private final long minimum;

  /** {@code slots} buffers, none smaller than {@code minimum} floats once made. */
  NativeBuffers(int slots, long minimum) {
    buffers = new FloatPointer[slots];
    views = new FloatBuffer[slots];
    this.minimum = minimum;
  }

  /**
   * Buffer {@code slot}, of at least {@code floats} floats (its contents kept only if not grown).
   */
  FloatPointer get(int slot, long floats) {
    FloatPointer p = buffers[slot];
    if (p == null || p.capacity() < floats) {
      if (p != null) {
        p.deallocate();
      }
      p = new FloatPointer(Math.max(floats, minimum));
      buffers[slot] = p;
      views[slot] = null;
    }
    return p;
  }

  /** Buffer {@code slot} of at least {@code floats} floats seen from Java, from its start. */
  FloatBuffer view(int slot, long floats) {
    FloatPointer p = get(slot, floats);
    if (views[slot] == null) {
      views[slot] = p.position(0).limit(p.capacity()).asBuffer();
    }
    return views[slot];
  }
}
