package dev.qnn4j.samples.cli;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import dev.qnn4j.runtime.io.ArrayData;
import dev.qnn4j.runtime.io.Npy;
import dev.qnn4j.runtime.io.Safetensors;
import dev.qnn4j.samples.cli.CliRun.Result;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --weights} takes PyTorch files written by torch.save (the runtime's test fixtures, made by
 * runtime/src/test/resources/pytorch/make_fixtures.py with Debian's python3-torch), and refuses
 * hostile pickles with one line and exit 2, running nothing and writing nothing.
 */
class PyTorchWeightsCliTest {
  private static final Path RAN = Path.of("/tmp/qnn4j-pickle-was-run");

  @TempDir Path tmp;
  Path calibration;

  private Path fixture(String name) throws IOException {
    try (InputStream in = PyTorchWeightsCliTest.class.getResourceAsStream("/pytorch/" + name)) {
      Path file = tmp.resolve(name);
      Files.copy(in, file);
      return file;
    }
  }

  @BeforeEach
  void calibrationImages() throws IOException {
    float[] x = new float[2 * 4 * 3 * 32 * 32];
    for (int i = 0; i < x.length; i++) {
      x[i] = ((i * 7919) % 255) / 255f - 0.5f;
    }
    calibration = tmp.resolve("calib.npy");
    Npy.write(calibration, ArrayData.ofFloats(x, 2, 4, 3, 32, 32));
    Files.deleteIfExists(RAN);
  }

  @Test
  void calibratesFromATorchSaveStateDictInBothFormats() throws IOException {
    Map<String, ArrayData> expected =
        Safetensors.read(fixture("float_lenet.expected.safetensors")).tensors();
    Path fromZip = tmp.resolve("zip.safetensors");
    Path fromLegacy = tmp.resolve("legacy.safetensors");

    Result r =
        CliRun.ok(
            "calibrate",
            "--model",
            "AutoLeNet",
            "--weights",
            fixture("float_lenet.pth").toString(),
            "--calibration",
            calibration.toString(),
            "--out",
            fromZip.toString());
    CliRun.ok(
        "calibrate",
        "--model",
        "AutoLeNet",
        "--weights",
        fixture("float_lenet.legacy.pth").toString(),
        "--calibration",
        calibration.toString(),
        "--out",
        fromLegacy.toString());

    assertThat(r.out()).contains("calibrated AutoLeNet on 2 batch(es), 8 images");
    Map<String, ArrayData> zip = Safetensors.read(fromZip).tensors();
    for (Map.Entry<String, ArrayData> e : expected.entrySet()) {
      assertWithMessage(e.getKey()).that(zip.get(e.getKey())).isEqualTo(e.getValue());
    }
    assertThat(Safetensors.read(fromLegacy).tensors()).isEqualTo(zip);
  }

  @Test
  void aForeignGlobalExitsWith2NamingItAndNothingRuns() throws IOException {
    Path weights = fixture("hostile_os_system.pth");
    Path out = tmp.resolve("out.safetensors");

    Result r =
        CliRun.run(
            "calibrate",
            "--model",
            "AutoLeNet",
            "--weights",
            weights.toString(),
            "--calibration",
            calibration.toString(),
            "--out",
            out.toString());

    assertWithMessage(r.toString()).that(r.code()).isEqualTo(2);
    assertThat(r.errText())
        .isEqualTo(
            "qnn4j: "
                + weights
                + ": refused the Python global 'os.system': only a state"
                + " dict's tensors, storages and plain values are read, nothing in the file is run (for a pickled model"
                + " object, save model.state_dict() instead)");
    assertThat(r.out()).isEmpty();
    assertThat(Files.exists(out)).isFalse();
    assertThat(Files.exists(RAN)).isFalse();
  }
}
