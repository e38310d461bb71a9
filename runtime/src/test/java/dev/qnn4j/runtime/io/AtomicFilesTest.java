package dev.qnn4j.runtime.io;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {

  @TempDir Path dir;

  private List<String> listing() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void writesNewFile() throws IOException {
    Path target = dir.resolve("out.bin");
    AtomicFiles.write(target, out -> out.write("hello".getBytes(StandardCharsets.UTF_8)));
    assertThat(Files.readString(target)).isEqualTo("hello");
    assertThat(listing()).containsExactly("out.bin");
  }

  @Test
  void replacesExistingFile() throws IOException {
    Path target = Files.writeString(dir.resolve("out.txt"), "old content that is longer");
    AtomicFiles.write(target, out -> out.write("new".getBytes(StandardCharsets.UTF_8)));
    assertThat(Files.readString(target)).isEqualTo("new");
    assertThat(listing()).containsExactly("out.txt");
  }

  @Test
  void bodyMayCloseTheStream() throws IOException {
    Path target = dir.resolve("closed.txt");
    AtomicFiles.write(
        target,
        out -> {
          out.write('x');
          out.close();
        });
    assertThat(Files.readString(target)).isEqualTo("x");
  }

  @Test
  void failingBodyLeavesNoTempFileAndKeepsOldContent() throws IOException {
    Path target = Files.writeString(dir.resolve("keep.txt"), "old");
    IOException e =
        assertThrows(
            IOException.class,
            () ->
                AtomicFiles.write(
                    target,
                    out -> {
                      out.write(
                          new byte
                              [200_000]); // more than the buffer, so the temp file really has data
                      throw new IOException("disk on fire");
                    }));
    // The failure names the file (a full disk's "No space left on device" names none).
    assertThat(e).hasMessageThat().isEqualTo("cannot write " + target + ": disk on fire");
    assertThat(Files.readString(target)).isEqualTo("old");
    assertThat(listing()).containsExactly("keep.txt");
  }

  @Test
  void uncheckedFailureAlsoCleansUp() throws IOException {
    Path target = dir.resolve("never.txt");
    assertThrows(
        UncheckedIOException.class,
        () ->
            AtomicFiles.write(
                target,
                out -> {
                  out.write(1);
                  throw new UncheckedIOException(new IOException("boom"));
                }));
    assertThat(listing()).isEmpty();
  }

  @Test
  void missingDirectoryIsReportedInOneLine() {
    Path target = dir.resolve("no/such/dir/out.npy");
    IOException e =
        assertThrows(IOException.class, () -> AtomicFiles.write(target, out -> out.write(1)));
    assertThat(e)
        .hasMessageThat()
        .isEqualTo(
            "cannot write " + target + ": directory " + target.getParent() + " does not exist");
  }

  @Test
  void targetThatIsADirectoryIsRejected() throws IOException {
    Path target = Files.createDirectory(dir.resolve("sub"));
    IOException e =
        assertThrows(IOException.class, () -> AtomicFiles.write(target, out -> out.write(1)));
    assertThat(e).hasMessageThat().contains("it is a directory");
  }

  @Test
  void readOnlyDirectoryIsReportedInOneLine() throws IOException {
    Path readOnly = Files.createDirectory(dir.resolve("ro"));
    Set<PosixFilePermission> original = Files.getPosixFilePermissions(readOnly);
    Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("r-xr-xr-x"));
    try {
      // root ignores directory permissions, so the check is only meaningful for other users.
      assumeFalse(Files.isWritable(readOnly), "running as a user that can write read-only dirs");
      Path target = readOnly.resolve("out.npy");
      IOException e =
          assertThrows(IOException.class, () -> AtomicFiles.write(target, out -> out.write(1)));
      assertThat(e)
          .hasMessageThat()
          .isEqualTo("cannot write " + target + ": directory " + readOnly + " is not writable");
    } finally {
      Files.setPosixFilePermissions(readOnly, original);
    }
  }

  @Test
  void directoryEvenRootCannotWriteIsReportedInOneLine() {
    // sysfs refuses new files to every user, so this covers the case above when tests run as root.
    Path sys = Path.of("/sys");
    assumeTrue(Files.isDirectory(sys.resolve("kernel")), "no Linux sysfs here");
    Path target = sys.resolve("qnn4j-test.npy");
    IOException e =
        assertThrows(IOException.class, () -> AtomicFiles.write(target, out -> out.write(1)));
    assertThat(e)
        .hasMessageThat()
        .isEqualTo("cannot write " + target + ": directory " + sys + " is not writable");
  }

  @Test
  void npyAndSafetensorsWritersLeaveNoTempFiles() throws IOException {
    Npy.write(dir.resolve("a.npy"), ArrayData.ofFloats(new float[] {1}, 1));
    Safetensors.write(
        dir.resolve("b.safetensors"), Map.of("w", ArrayData.ofFloats(new float[] {1}, 1)));
    assertThat(listing()).containsExactly("a.npy", "b.safetensors");
  }
}
