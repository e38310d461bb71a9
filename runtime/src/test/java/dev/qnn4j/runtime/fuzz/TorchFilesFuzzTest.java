package dev.qnn4j.runtime.fuzz;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.qnn4j.runtime.io.ArrayData;
import dev.qnn4j.runtime.io.TorchFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * {@link TorchFiles#readStateDict} on arbitrary bytes (zip archives and pickles of torch.save,
 * seeded with the files of make_fixtures.py): consistent arrays, or a one-line
 * Qnn4jFormatException. See {@link FuzzSupport}.
 */
class TorchFilesFuzzTest {

  @FuzzTest(maxDuration = FuzzSupport.CI_DURATION)
  @DictionaryEntries({
    "\\x80\\x02",
    "ctorch._utils\\x0a_rebuild_tensor_v2\\x0a",
    "ctorch\\x0aFloatStorage\\x0a",
    "ctorch\\x0aHalfStorage\\x0a",
    "ctorch\\x0aLongStorage\\x0a",
    "ccollections\\x0aOrderedDict\\x0a",
    "storage",
    "cpu",
    "data.pkl",
    "archive/data/0",
    "state_dict",
    "PK\\x03\\x04",
    "\\x85R",
    "\\x86",
    "Q",
    "u.",
    "}q\\x00("
  })
  void read(byte[] data) throws IOException {
    Path file = FuzzSupport.write("input.pth", data);
    Map<String, ArrayData> parsed;
    try {
      parsed = TorchFiles.readStateDict(file);
    } catch (IOException e) {
      FuzzSupport.checkFormatError(e, file);
      return;
    }
    for (ArrayData a : parsed.values()) {
      FuzzSupport.checkArray(a);
    }
  }
}
