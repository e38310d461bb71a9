package dev.qnn4j.runtime.fuzz;

import static com.google.common.truth.Truth.assertWithMessage;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.qnn4j.runtime.data.Idx;
import dev.qnn4j.runtime.io.ArrayData;
import dev.qnn4j.runtime.io.ArrayData.DType;
import java.io.IOException;
import java.nio.file.Path;

/**
 * {@link Idx#read} on arbitrary bytes, under a plain name and under a {@code .gz} name (which is
 * always gunzipped; a plain name only when the bytes start with the gzip magic). See {@link
 * FuzzSupport}.
 */
class IdxFuzzTest {

  @FuzzTest(maxDuration = FuzzSupport.CI_DURATION)
  void read(byte[] data) throws IOException {
    for (String name : new String[] {"input-idx3-ubyte", "input-idx3-ubyte.gz"}) {
      Path file = FuzzSupport.write(name, data);
      ArrayData a;
      try {
        a = Idx.read(file);
      } catch (IOException e) {
        FuzzSupport.checkFormatError(e, file);
        continue;
      }
      FuzzSupport.checkArray(a);
      assertWithMessage("dtype").that(a.dtype()).isEqualTo(DType.UINT8);
      assertWithMessage("rank").that(a.rank()).isAnyOf(1, 3);
    }
  }
}
