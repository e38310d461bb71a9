package dev.qnn4j.runtime.train;

import static com.google.common.truth.Truth.assertThat;

import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.io.Safetensors;
import dev.qnn4j.runtime.nn.Model;
import dev.qnn4j.runtime.nn.Module;
import dev.qnn4j.runtime.nn.QuantHardTanh;
import dev.qnn4j.runtime.nn.QuantIdentity;
import dev.qnn4j.runtime.nn.QuantLinear;
import dev.qnn4j.runtime.quant.ActQuantConfig;
import dev.qnn4j.runtime.quant.ScaleRestriction;
import dev.qnn4j.runtime.quant.ScalingImpl;
import dev.qnn4j.runtime.quant.WeightQuantConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Constant and learned (PARAMETER) scales in checkpoints: a constant scale is no state, a learned
 * one is its state-dict value, neither has statistics entries, and a round trip restores the
 * outputs.
 */
class RangeScaleCheckpointTest {
  @TempDir Path dir;

  static final class BnnNet implements Model {
    final QuantIdentity inp =
        new QuantIdentity(
            "inp",
            ActQuantConfig.fromRange(2, ScalingImpl.CONST, -1f, 1f, true, ScaleRestriction.FLOAT));
    final QuantLinear fc =
        new QuantLinear(
            "fc", 8, 4, false, WeightQuantConfig.constant(1, true, 1f), null, null, null, false);
    final QuantHardTanh out = new QuantHardTanh("out", 4, -1f, 1f);

    BnnNet(long seed) {
      fc.resetParameters(new Random(seed));
    }

    @Override
    public String modelName() {
      return "BnnNet";
    }

    @Override
    public List<Module> layers() {
      return List.of(inp, fc, out);
    }

    @Override
    public Tensor forward(Tensor x) {
      return out.forward(fc.forward(inp.forward(x)));
    }
  }

  @Test
  void constantAndLearnedScalesRoundTrip() throws Exception {
    BnnNet model = new BnnNet(1);
    model.out.quantizer().value().set(new float[] {2.5f});
    Path file = dir.resolve("bnn.safetensors");
    Checkpoint.save(file, model, null, TrainingState.start(0, 8));

    assertThat(Safetensors.read(file).tensors().keySet())
        .containsExactly(
            "fc.weight",
            "out.act_quant.fused_activation_quant_proxy.tensor_quant.scaling_impl.value");

    BnnNet fresh = new BnnNet(2);
    Checkpoint.load(file, fresh, null);
    assertThat(fresh.out.quantizer().value().item()).isEqualTo(2.5f);
    Tensor x = TestModels.uniform(3, 5, 8);
    model.eval();
    fresh.eval();
    assertThat(fresh.forward(x).toFloatArray())
        .usingExactEquality()
        .containsExactly(model.forward(x).toFloatArray())
        .inOrder();
  }
}
