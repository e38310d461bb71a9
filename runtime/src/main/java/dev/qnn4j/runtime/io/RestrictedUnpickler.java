package dev.qnn4j.runtime.io;

import java.math.BigInteger;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Python pickle reader (protocols 0-5, written from the protocol's opcode definitions) that only
 * builds what a PyTorch state dict is made of: None, bool, int, float, str, bytes, tuple, list,
 * dict, {@code collections.OrderedDict}, the storage types {@code torch.<Dtype>Storage}, {@code
 * torch._utils._rebuild_tensor_v2} and {@code _rebuild_parameter}, and persistent ids (resolved by
 * the caller to storages).
 *
 * <p>Nothing in the file is ever executed: a global outside that list (e.g. {@code os.system}, or a
 * user's module class in a whole-model pickle) is refused as soon as it is read, naming the global,
 * and so is calling anything but the allowed callables. Every size is checked against the bytes
 * left, containers that could be dictionary keys are checked for hashability and nesting depth, so
 * no input makes the reader allocate more than the file holds or recurse without bound.
 */
final class RestrictedUnpickler {

  /** A Python tuple (immutable; equal by content, so usable as a dict key). */
  record Tuple(List<Object> items) {
    Tuple {
      items = java.util.Collections.unmodifiableList(new ArrayList<>(items));
    }
  }

  /** The allowed callables. */
  enum Callable {
    ORDERED_DICT("collections.OrderedDict"),
    REBUILD_TENSOR_V2("torch._utils._rebuild_tensor_v2"),
    REBUILD_PARAMETER("torch._utils._rebuild_parameter");

    final String pythonName;

    Callable(String pythonName) {
      this.pythonName = pythonName;
    }
  }

  /** A storage type global such as {@code torch.FloatStorage}: only usable in persistent ids. */
  record StorageType(TorchDType dtype) {}

  /** A tensor as pickled: a view of a storage. */
  record TensorRef(Object storage, long offset, long[] size, long[] stride) {}

  /** Resolves a persistent id (a tuple) to an object, typically a storage. */
  interface PersistentLoader {
    Object load(Tuple pid) throws Qnn4jFormatException;
  }

  /** Element types of PyTorch storages, with their size in bytes. */
  enum TorchDType {
    FLOAT32("FloatStorage", 4),
    FLOAT64("DoubleStorage", 8),
    FLOAT16("HalfStorage", 2),
    BFLOAT16("BFloat16Storage", 2),
    INT64("LongStorage", 8),
    INT32("IntStorage", 4),
    INT16("ShortStorage", 2),
    INT8("CharStorage", 1),
    UINT8("ByteStorage", 1),
    BOOL("BoolStorage", 1);

    final String storageName;
    final int byteSize;

    TorchDType(String storageName, int byteSize) {
      this.storageName = storageName;
      this.byteSize = byteSize;
    }

    static TorchDType ofStorage(String name) {
      for (TorchDType t : values()) {
        if (t.storageName.equals(name)) {
          return t;
        }
      }
      return null;
    }
  }

  /** Deepest tuple nesting accepted in a dict key (a state dict's keys are flat strings). */
  private static final int MAX_KEY_DEPTH = 64;

  /** Longest integer (LONG1/LONG4) accepted, in bytes; torch's magic number has 10. */
  private static final int MAX_LONG_BYTES = 64;

  /**
   * Memo entries allowed (a pickle memoizes each object once; this bounds the map, not the file).
   */
  private static final int MAX_MEMO = 1 << 24;

  private final ByteBuffer in;
  private final String source;
  private final PersistentLoader persistentLoader;
  private final List<Object> stack = new ArrayList<>();
  private final List<Integer> marks = new ArrayList<>();
  private final Map<Long, Object> memo = new HashMap<>();

  /**
   * @param in the pickle bytes, read from its position on; left after the STOP opcode of each
   *     {@link #load}, so consecutive pickles can be read one after the other
   */
  RestrictedUnpickler(ByteBuffer in, String source, PersistentLoader persistentLoader) {
    this.in = in;
    this.source = source;
    this.persistentLoader = persistentLoader;
  }

  /** Reads one pickle up to its STOP opcode and returns its object (null for None). */
  Object load() throws Qnn4jFormatException {
    stack.clear();
    marks.clear();
    memo.clear();
    try {
      while (true) {
        int op = in.get() & 0xFF;
        if (op == '.') {
          if (stack.size() != 1 || !marks.isEmpty()) {
            throw fail("pickle ends with " + stack.size() + " objects on its stack, expected one");
          }
          return stack.remove(0);
        }
        step(op);
      }
    } catch (BufferUnderflowException e) {
      throw fail("pickle ends early (truncated file?)");
    }
  }

  private void step(int op) throws Qnn4jFormatException {
    switch (op) {
      case 0x80 -> { // PROTO
        int version = u8();
        if (version > 5) {
          throw fail("pickle protocol " + version + " is not supported (0-5 are)");
        }
      }
      case 0x95 -> skip(8); // FRAME: a length hint only
      case '(' -> marks.add(stack.size()); // MARK
      case '0' -> pop(); // POP
      case '1' -> popMark(); // POP_MARK
      case '2' -> push(peek()); // DUP
      case 'N' -> push(null); // NONE
      case 0x88 -> push(Boolean.TRUE); // NEWTRUE
      case 0x89 -> push(Boolean.FALSE); // NEWFALSE
      case 'J' -> push((long) in.order(ByteOrder.LITTLE_ENDIAN).getInt()); // BININT
      case 'K' -> push((long) u8()); // BININT1
      case 'M' -> push((long) (in.order(ByteOrder.LITTLE_ENDIAN).getShort() & 0xFFFF)); // BININT2
      case 0x8a -> push(longOf(u8())); // LONG1
      case 0x8b -> push(longOf(in.order(ByteOrder.LITTLE_ENDIAN).getInt())); // LONG4
      case 'I' -> push(textInt(line())); // INT
      case 'L' -> push(textLong(line())); // LONG
      case 'G' -> push(in.order(ByteOrder.BIG_ENDIAN).getDouble()); // BINFLOAT
      case 'F' -> push(textFloat(line())); // FLOAT
      case 'X' ->
          push(
              utf8(length(in.order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xFFFFFFFFL))); // BINUNICODE
      case 0x8c -> push(utf8(u8())); // SHORT_BINUNICODE
      case 0x8d -> push(utf8(length(in.order(ByteOrder.LITTLE_ENDIAN).getLong()))); // BINUNICODE8
      case 'T' -> push(latin1(length(in.order(ByteOrder.LITTLE_ENDIAN).getInt()))); // BINSTRING
      case 'U' -> push(latin1(u8())); // SHORT_BINSTRING
      case 'B' ->
          push(bytes(length(in.order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xFFFFFFFFL))); // BINBYTES
      case 'C' -> push(bytes(u8())); // SHORT_BINBYTES
      case ')' -> push(new Tuple(List.of())); // EMPTY_TUPLE
      case 0x85 -> push(tuple(1)); // TUPLE1
      case 0x86 -> push(tuple(2)); // TUPLE2
      case 0x87 -> push(tuple(3)); // TUPLE3
      case 't' -> push(new Tuple(popMark())); // TUPLE
      case ']' -> push(new ArrayList<>()); // EMPTY_LIST
      case 'l' -> push(new ArrayList<>(popMark())); // LIST
      case 'a' -> { // APPEND
        Object value = pop();
        list(peek()).add(value);
      }
      case 'e' -> { // APPENDS
        List<Object> values = popMark();
        list(peek()).addAll(values);
      }
      case '}' -> push(new LinkedHashMap<>()); // EMPTY_DICT
      case 'd' -> { // DICT
        List<Object> items = popMark();
        Map<Object, Object> map = new LinkedHashMap<>();
        putAll(map, items);
        push(map);
      }
      case 's' -> { // SETITEM
        Object value = pop();
        Object key = pop();
        putAll(dict(peek()), java.util.Arrays.asList(key, value));
      }
      case 'u' -> { // SETITEMS
        List<Object> items = popMark();
        putAll(dict(peek()), items);
      }
      case 'q' -> memoize(u8()); // BINPUT
      case 'r' -> memoize(in.order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xFFFFFFFFL); // LONG_BINPUT
      case 'p' -> memoize(textLong(line()).longValue()); // PUT
      case 0x94 -> memoize(memo.size()); // MEMOIZE
      case 'h' -> push(recall(u8())); // BINGET
      case 'j' ->
          push(recall(in.order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xFFFFFFFFL)); // LONG_BINGET
      case 'g' -> push(recall(textLong(line()).longValue())); // GET
      case 'c' -> { // GLOBAL
        String module = line();
        String name = line();
        push(global(module, name));
      }
      case 0x93 -> { // STACK_GLOBAL
        Object name = pop();
        Object module = pop();
        if (!(module instanceof String m) || !(name instanceof String n)) {
          throw fail(
              "STACK_GLOBAL needs two strings, found "
                  + typeName(module)
                  + " and "
                  + typeName(name));
        }
        push(global(m, n));
      }
      case 'R' -> { // REDUCE
        Object args = pop();
        Object callable = pop();
        push(call(callable, args));
      }
      case 'b' -> { // BUILD
        Object state = pop();
        build(peek(), state);
      }
      case 'Q' -> { // BINPERSID
        Object pid = pop();
        if (!(pid instanceof Tuple t)) {
          throw fail("persistent id is a " + typeName(pid) + ", expected a tuple");
        }
        push(persistentLoader.load(t));
      }
      default ->
          throw fail(
              String.format(
                  "pickle opcode 0x%02x%s is not allowed: a state dict does not need it",
                  op, op >= 0x20 && op < 0x7f ? " ('" + (char) op + "')" : ""));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Globals and calls: the whole of what a file can make this reader do.

  private Object global(String module, String name) throws Qnn4jFormatException {
    String full = module + "." + name;
    for (Callable c : Callable.values()) {
      if (c.pythonName.equals(full)) {
        return c;
      }
    }
    if (module.equals("torch")) {
      TorchDType dtype = TorchDType.ofStorage(name);
      if (dtype != null) {
        return new StorageType(dtype);
      }
    }
    throw new Qnn4jFormatException(
        source,
        "refused the Python global "
            + Qnn4jFormatException.quote(full)
            + ": only a state dict's tensors, storages and plain values are read, nothing in the file is run"
            + " (for a pickled model object, save model.state_dict() instead)");
  }

  private Object call(Object callable, Object args) throws Qnn4jFormatException {
    if (!(callable instanceof Callable c)) {
      throw fail(
          "refused to call a "
              + typeName(callable)
              + ": only "
              + Callable.REBUILD_TENSOR_V2.pythonName
              + ", "
              + Callable.REBUILD_PARAMETER.pythonName
              + " and "
              + Callable.ORDERED_DICT.pythonName
              + " are called");
    }
    if (!(args instanceof Tuple t)) {
      throw fail(c.pythonName + " needs a tuple of arguments, found " + typeName(args));
    }
    List<Object> a = t.items();
    switch (c) {
      case ORDERED_DICT -> {
        if (!a.isEmpty()) {
          throw fail(c.pythonName + " is called with " + a.size() + " arguments, expected none");
        }
        return new LinkedHashMap<>();
      }
      case REBUILD_PARAMETER -> {
        // (data, requires_grad, backward_hooks)
        if (a.size() < 1 || !(a.get(0) instanceof TensorRef data)) {
          throw fail(c.pythonName + " needs a tensor as its first argument");
        }
        return data;
      }
      case REBUILD_TENSOR_V2 -> {
        // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
        if (a.size() < 4) {
          throw fail(
              c.pythonName + " is called with " + a.size() + " arguments, expected at least 4");
        }
        if (!(a.get(1) instanceof Long offset) || offset < 0) {
          throw fail(
              c.pythonName
                  + ": storage offset "
                  + describe(a.get(1))
                  + " is not a non-negative int");
        }
        long[] size = longs(a.get(2), "size");
        long[] stride = longs(a.get(3), "stride");
        if (size.length != stride.length) {
          throw fail(
              c.pythonName
                  + ": size has "
                  + size.length
                  + " dimensions but stride has "
                  + stride.length);
        }
        return new TensorRef(a.get(0), offset, size, stride);
      }
      default -> throw new AssertionError(c);
    }
  }

  /**
   * BUILD: sets an object's state. Only the attribute dict of an OrderedDict (its _metadata) is
   * accepted.
   */
  private void build(Object target, Object state) throws Qnn4jFormatException {
    boolean dictState = state == null || state instanceof Map;
    if (target instanceof Map && dictState) {
      return; // a state_dict's _metadata (module versions): not needed to load tensors
    }
    if (target instanceof TensorRef && dictState) {
      return; // a tensor's Python attributes
    }
    throw fail("refused to set the state of a " + typeName(target) + " from a " + typeName(state));
  }

  private long[] longs(Object value, String what) throws Qnn4jFormatException {
    if (!(value instanceof Tuple t)) {
      throw fail(
          Callable.REBUILD_TENSOR_V2.pythonName
              + ": "
              + what
              + " is a "
              + typeName(value)
              + ", expected a tuple of ints");
    }
    long[] out = new long[t.items().size()];
    for (int i = 0; i < out.length; i++) {
      if (!(t.items().get(i) instanceof Long v) || v < 0) {
        throw fail(
            Callable.REBUILD_TENSOR_V2.pythonName
                + ": "
                + what
                + " holds "
                + describe(t.items().get(i))
                + ", expected non-negative ints");
      }
      out[i] = v;
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // Stack, memo, containers

  private void push(Object o) {
    stack.add(o);
  }

  private Object pop() throws Qnn4jFormatException {
    int floor = marks.isEmpty() ? 0 : marks.get(marks.size() - 1);
    if (stack.size() <= floor) {
      throw fail("pickle pops from an empty stack");
    }
    return stack.remove(stack.size() - 1);
  }

  private Object peek() throws Qnn4jFormatException {
    int floor = marks.isEmpty() ? 0 : marks.get(marks.size() - 1);
    if (stack.size() <= floor) {
      throw fail("pickle reads from an empty stack");
    }
    return stack.get(stack.size() - 1);
  }

  private List<Object> popMark() throws Qnn4jFormatException {
    if (marks.isEmpty()) {
      throw fail("pickle closes a MARK it never opened");
    }
    int mark = marks.remove(marks.size() - 1);
    List<Object> top = stack.subList(mark, stack.size());
    List<Object> items = new ArrayList<>(top);
    top.clear();
    return items;
  }

  private Tuple tuple(int n) throws Qnn4jFormatException {
    Object[] items = new Object[n];
    for (int i = n - 1; i >= 0; i--) {
      items[i] = pop();
    }
    return new Tuple(java.util.Arrays.asList(items));
  }

  @SuppressWarnings("unchecked")
  private List<Object> list(Object o) throws Qnn4jFormatException {
    if (!(o instanceof List)) {
      throw fail("APPEND to a " + typeName(o) + ", expected a list");
    }
    return (List<Object>) o;
  }

  @SuppressWarnings("unchecked")
  private Map<Object, Object> dict(Object o) throws Qnn4jFormatException {
    if (!(o instanceof Map)) {
      throw fail("SETITEM on a " + typeName(o) + ", expected a dict");
    }
    return (Map<Object, Object>) o;
  }

  private void putAll(Map<Object, Object> map, List<Object> items) throws Qnn4jFormatException {
    if (items.size() % 2 != 0) {
      throw fail("dict items come in key-value pairs, found " + items.size() + " objects");
    }
    for (int i = 0; i < items.size(); i += 2) {
      Object key = items.get(i);
      checkHashable(key, 0);
      Object value = items.get(i + 1);
      map.put(key, value);
    }
  }

  /** Python refuses unhashable keys; refusing them here also keeps hashCode free of cycles. */
  private void checkHashable(Object key, int depth) throws Qnn4jFormatException {
    if (depth > MAX_KEY_DEPTH) {
      throw fail("dict key nests tuples more than " + MAX_KEY_DEPTH + " deep");
    }
    if (key instanceof Tuple t) {
      for (Object item : t.items()) {
        checkHashable(item, depth + 1);
      }
    } else if (!(key == null
        || key instanceof String
        || key instanceof Long
        || key instanceof BigInteger
        || key instanceof Double
        || key instanceof Boolean)) {
      throw fail("dict key is a " + typeName(key) + ", which is not hashable");
    }
  }

  private void memoize(long index) throws Qnn4jFormatException {
    if (memo.size() >= MAX_MEMO && !memo.containsKey(index)) {
      throw fail("pickle memoizes more than " + MAX_MEMO + " objects");
    }
    memo.put(index, peek());
  }

  private Object recall(long index) throws Qnn4jFormatException {
    if (!memo.containsKey(index)) {
      throw fail("pickle refers to memo entry " + index + ", which it never stored");
    }
    return memo.get(index);
  }

  // ---------------------------------------------------------------------------------------------
  // Primitive reads

  private int u8() {
    return in.get() & 0xFF;
  }

  private void skip(int n) {
    if (in.remaining() < n) {
      throw new BufferUnderflowException();
    }
    in.position(in.position() + n);
  }

  /** A declared length, checked against the bytes left. */
  private int length(long n) throws Qnn4jFormatException {
    if (n < 0 || n > in.remaining()) {
      throw fail(
          "pickle declares a " + n + "-byte value but only " + in.remaining() + " bytes are left");
    }
    return (int) n;
  }

  private byte[] bytes(int n) throws Qnn4jFormatException {
    byte[] b = new byte[length(n)];
    in.get(b);
    return b;
  }

  private String utf8(int n) throws Qnn4jFormatException {
    byte[] b = bytes(n);
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(b))
          .toString();
    } catch (CharacterCodingException e) {
      throw fail("pickle holds a string that is not valid UTF-8");
    }
  }

  private String latin1(int n) throws Qnn4jFormatException {
    return new String(bytes(n), StandardCharsets.ISO_8859_1);
  }

  /** A newline-terminated ASCII argument of the text opcodes. */
  private String line() throws Qnn4jFormatException {
    int start = in.position();
    for (int i = start; i < in.limit(); i++) {
      if (in.get(i) == '\n') {
        byte[] b = new byte[i - start];
        in.get(b);
        in.get(); // the newline
        return new String(b, StandardCharsets.ISO_8859_1);
      }
    }
    throw fail("pickle ends inside a text argument (truncated file?)");
  }

  /** Little-endian two's-complement integer of {@code n} bytes; a long where it fits. */
  private Object longOf(int n) throws Qnn4jFormatException {
    if (n < 0 || n > MAX_LONG_BYTES) {
      throw fail(
          "pickle holds a " + n + "-byte integer, more than the " + MAX_LONG_BYTES + " accepted");
    }
    byte[] le = bytes(n);
    if (n == 0) {
      return 0L;
    }
    byte[] be = new byte[n];
    for (int i = 0; i < n; i++) {
      be[i] = le[n - 1 - i];
    }
    BigInteger value = new BigInteger(be);
    return value.bitLength() < 64 ? (Object) value.longValue() : value;
  }

  private Object textInt(String text) throws Qnn4jFormatException {
    if (text.equals("01")) {
      return Boolean.TRUE;
    }
    if (text.equals("00")) {
      return Boolean.FALSE;
    }
    return textLong(text);
  }

  private Long textLong(String text) throws Qnn4jFormatException {
    String digits = text.endsWith("L") ? text.substring(0, text.length() - 1) : text;
    try {
      return Long.parseLong(digits);
    } catch (NumberFormatException e) {
      throw fail("pickle holds " + Qnn4jFormatException.quote(text) + " where an integer belongs");
    }
  }

  private Double textFloat(String text) throws Qnn4jFormatException {
    try {
      return Double.parseDouble(text);
    } catch (NumberFormatException e) {
      throw fail("pickle holds " + Qnn4jFormatException.quote(text) + " where a float belongs");
    }
  }

  // ---------------------------------------------------------------------------------------------

  private Qnn4jFormatException fail(String problem) {
    return new Qnn4jFormatException(source, problem);
  }

  /** A value for a message: short, never the content of a container. */
  static String describe(Object o) {
    if (o instanceof Long
        || o instanceof Boolean
        || o instanceof Double
        || o instanceof BigInteger) {
      return o.toString();
    }
    if (o instanceof String s) {
      return "str " + Qnn4jFormatException.quote(s);
    }
    return typeName(o);
  }

  /** The Python type of an unpickled object, for messages. */
  static String typeName(Object o) {
    if (o == null) {
      return "None";
    } else if (o instanceof Long || o instanceof BigInteger) {
      return "int";
    } else if (o instanceof Double) {
      return "float";
    } else if (o instanceof Boolean) {
      return "bool";
    } else if (o instanceof String) {
      return "str";
    } else if (o instanceof byte[]) {
      return "bytes";
    } else if (o instanceof Tuple) {
      return "tuple";
    } else if (o instanceof List) {
      return "list";
    } else if (o instanceof Map) {
      return "dict";
    } else if (o instanceof TensorRef) {
      return "tensor";
    } else if (o instanceof StorageType s) {
      return "storage type torch." + s.dtype().storageName;
    } else if (o instanceof Callable c) {
      return "callable " + c.pythonName;
    }
    return "storage";
  }
}
