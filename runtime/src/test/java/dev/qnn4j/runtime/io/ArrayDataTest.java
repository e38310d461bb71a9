package dev.qnn4j.runtime.io;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.qnn4j.runtime.io.ArrayData.DType;
import org.junit.jupiter.api.Test;

class ArrayDataTest {

  @Test
  void factoriesRecordDtypeAndShape() {
    ArrayData a = ArrayData.ofFloats(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
    assertThat(a.dtype()).isEqualTo(DType.FLOAT32);
    assertThat(a.shape()).isEqualTo(new long[] {2, 3});
    assertThat(a.rank()).isEqualTo(2);
    assertThat(a.numElements()).isEqualTo(6);
    assertThat(a.floats()).isEqualTo(new float[] {1, 2, 3, 4, 5, 6});
  }

  @Test
  void scalarHasEmptyShapeAndOneElement() {
    ArrayData scalar = ArrayData.ofDoubles(new double[] {2.5});
    assertThat(scalar.shape()).isEmpty();
    assertThat(scalar.numElements()).isEqualTo(1);
  }

  @Test
  void shapeMustMatchDataLength() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ArrayData.ofLongs(new long[5], 2, 3));
    assertThat(e).hasMessageThat().contains("[2, 3] holds 6 elements");
    assertThat(e).hasMessageThat().contains("has 5");
  }

  @Test
  void negativeDimensionIsRejected() {
    assertThrows(IllegalArgumentException.class, () -> ArrayData.ofInts(new int[0], 0, -1));
  }

  @Test
  void hugeShapeIsRejectedWithoutOverflow() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ArrayData.checkedElementCount(new long[] {1L << 40, 1L << 40}));
    assertThat(e).hasMessageThat().contains("limit of a Java array");
  }

  @Test
  void factoriesAndAccessorsCopy() {
    float[] source = {1, 2};
    ArrayData a = ArrayData.ofFloats(source, 2);
    source[0] = 99;
    a.floats()[1] = 99;
    a.shape()[0] = 7;
    assertThat(a.floats()).isEqualTo(new float[] {1, 2});
    assertThat(a.shape()).isEqualTo(new long[] {2});
  }

  @Test
  void typedAccessorOfAnotherDtypeNamesTheDtype() {
    ArrayData labels = ArrayData.ofLongs(new long[] {1, 2}, 2);
    IllegalStateException e = assertThrows(IllegalStateException.class, labels::floats);
    assertThat(e).hasMessageThat().contains("INT64");
    assertThrows(IllegalStateException.class, labels::bytes);
    assertThrows(IllegalStateException.class, () -> ArrayData.ofFloats(new float[1], 1).longs());
  }

  @Test
  void toFloatArrayConvertsEveryDtype() {
    assertThat(ArrayData.ofUnsignedBytes(new byte[] {0, (byte) 255}, 2).toFloatArray())
        .isEqualTo(new float[] {0, 255});
    assertThat(ArrayData.ofBytes(new byte[] {-128, 127}, 2).toFloatArray())
        .isEqualTo(new float[] {-128, 127});
    assertThat(ArrayData.ofLongs(new long[] {-3, 7}, 2).toFloatArray())
        .isEqualTo(new float[] {-3, 7});
    assertThat(ArrayData.ofInts(new int[] {5}, 1).toFloatArray()).isEqualTo(new float[] {5});
    assertThat(ArrayData.ofDoubles(new double[] {0.5}, 1).toFloatArray())
        .isEqualTo(new float[] {0.5f});
  }

  @Test
  void toLongArrayWidensIntegersAndRejectsFloats() {
    assertThat(ArrayData.ofUnsignedBytes(new byte[] {(byte) 200}, 1).toLongArray())
        .isEqualTo(new long[] {200});
    assertThat(ArrayData.ofInts(new int[] {-4}, 1).toLongArray()).isEqualTo(new long[] {-4});
    assertThrows(
        IllegalStateException.class, () -> ArrayData.ofFloats(new float[] {1}, 1).toLongArray());
  }

  @Test
  void equalityComparesDtypeShapeAndData() {
    ArrayData a = ArrayData.ofFloats(new float[] {Float.NaN, 1}, 2);
    assertThat(a).isEqualTo(ArrayData.ofFloats(new float[] {Float.NaN, 1}, 2));
    assertThat(a.hashCode())
        .isEqualTo(ArrayData.ofFloats(new float[] {Float.NaN, 1}, 2).hashCode());
    assertThat(a).isNotEqualTo(ArrayData.ofFloats(new float[] {Float.NaN, 1}, 2, 1));
    assertThat(a).isNotEqualTo(ArrayData.ofDoubles(new double[] {Float.NaN, 1}, 2));
    assertThat(a.toString()).isEqualTo("ArrayData[FLOAT32 [2]]");
  }

  @Test
  void dtypeNamesMatchNumpyAndSafetensors() {
    assertThat(DType.FLOAT32.npyDescr()).isEqualTo("<f4");
    assertThat(DType.UINT8.npyDescr()).isEqualTo("|u1");
    assertThat(DType.INT64.safetensorsName()).isEqualTo("I64");
    assertThat(DType.fromSafetensorsName("F64")).isEqualTo(DType.FLOAT64);
    assertThat(DType.fromSafetensorsName("BF16")).isNull();
    assertThat(DType.INT64.byteSize()).isEqualTo(8);
  }
}
