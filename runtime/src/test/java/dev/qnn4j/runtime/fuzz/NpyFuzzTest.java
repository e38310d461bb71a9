package dev.qnn4j.runtime.fuzz;

import static com.google.common.truth.Truth.assertWithMessage;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.qnn4j.runtime.io.ArrayData;
import dev.qnn4j.runtime.io.Npy;
import dev.qnn4j.runtime.io.Qnn4jFormatException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;

/**
 * {@link Npy#read(Path)} and {@link Npy#read(java.io.InputStream, String)} on arbitrary bytes: both
 * parse the same inputs to the same array or reject them with a one-line Qnn4jFormatException, and
 * an accepted array survives a write/read round trip. See {@link FuzzSupport} for how to run it.
 */
class NpyFuzzTest {

  @FuzzTest(maxDuration = FuzzSupport.CI_DURATION)
  @DictionaryEntries({
    "\u0093NUMPY",
    "{'descr': '",
    "'fortran_order': ",
    "'shape': (",
    "True",
    "False",
    "<f4",
    "<f8",
    "<i8",
    "<i4",
    "|u1",
    "|i1",
    ">f4",
    "=i8",
    ",)",
    ", }",
    "[('a', '<f4')]"
  })
  void read(byte[] data) throws IOException {
    Path file = FuzzSupport.write("input.npy", data);
    ArrayData fromFile = null;
    try {
      fromFile = Npy.read(file);
    } catch (IOException e) {
      FuzzSupport.checkFormatError(e, file);
    }

    String stream = "stream.npy";
    ArrayData fromStream = null;
    try {
      fromStream = Npy.read(new ByteArrayInputStream(data), stream);
    } catch (Qnn4jFormatException e) {
      FuzzSupport.checkFormatError(e, stream);
    }

    assertWithMessage("file read gave %s, stream read gave %s", fromFile, fromStream)
        .that(fromStream)
        .isEqualTo(fromFile);
    if (fromFile == null) {
      return;
    }
    FuzzSupport.checkArray(fromFile);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Npy.write(out, fromFile);
    ArrayData again = Npy.read(new ByteArrayInputStream(out.toByteArray()), "rewritten.npy");
    assertWithMessage("round trip of %s", fromFile).that(again).isEqualTo(fromFile);
  }
}
