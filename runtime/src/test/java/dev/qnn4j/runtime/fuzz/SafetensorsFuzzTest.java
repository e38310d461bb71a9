package dev.qnn4j.runtime.fuzz;

import static com.google.common.truth.Truth.assertWithMessage;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.qnn4j.runtime.io.ArrayData;
import dev.qnn4j.runtime.io.Safetensors;
import dev.qnn4j.runtime.io.Safetensors.SafetensorsFile;
import java.io.IOException;
import java.nio.file.Path;

/**
 * {@link Safetensors#read} on arbitrary bytes: a parse whose tensors are consistent and survive a
 * write/read round trip, or a one-line Qnn4jFormatException. See {@link FuzzSupport}.
 */
class SafetensorsFuzzTest {

  @FuzzTest(maxDuration = FuzzSupport.CI_DURATION)
  @DictionaryEntries({
    "{\"",
    "\":{\"dtype\":\"",
    "\",\"shape\":[",
    "],\"data_offsets\":[",
    "]}",
    "\"__metadata__\":{",
    "F32",
    "F64",
    "I64",
    "I32",
    "U8",
    "I8",
    "BF16",
    "F16",
    "BOOL",
    "18446744073709551615",
    "9223372036854775807",
    "4294967296",
    "-1",
    "1e3",
    "null"
  })
  void read(byte[] data) throws IOException {
    Path file = FuzzSupport.write("input.safetensors", data);
    SafetensorsFile parsed;
    try {
      parsed = Safetensors.read(file);
    } catch (IOException e) {
      FuzzSupport.checkFormatError(e, file);
      return;
    }
    for (ArrayData a : parsed.tensors().values()) {
      FuzzSupport.checkArray(a);
    }
    Path copy = FuzzSupport.dir().resolve("rewritten.safetensors");
    Safetensors.write(copy, parsed.tensors(), parsed.metadata());
    SafetensorsFile again = Safetensors.read(copy);
    assertWithMessage("round trip")
        .that(again.tensors())
        .containsExactlyEntriesIn(parsed.tensors())
        .inOrder();
    assertWithMessage("round trip").that(again.metadata()).isEqualTo(parsed.metadata());
  }
}
