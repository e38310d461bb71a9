package dev.qnn4j.runtime.nn;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.quant.BiasQuantConfig;
import dev.qnn4j.runtime.quant.WeightQuantConfig;
import org.junit.jupiter.api.Test;

/** Shape mistakes become Java exceptions naming the layer and both shapes, never native crashes. */
class ShapeErrorTest {

  @Test
  void convWithWrongChannelCount() {
    QuantConv2d conv = new QuantConv2d("conv1", Conv2dOptions.of(3, 6, 5), 4);
    LayerShapeException e =
        assertThrows(LayerShapeException.class, () -> conv.forward(Tensor.zeros(2, 1, 32, 32)));
    assertThat(e)
        .hasMessageThat()
        .isEqualTo("conv1: expected input [N, 3, H, W] (in_channels = 3), got [2, 1, 32, 32]");
  }

  @Test
  void convWithWrongRank() {
    QuantConv2d conv = new QuantConv2d("conv2", Conv2dOptions.of(6, 16, 5), 4);
    LayerShapeException e =
        assertThrows(LayerShapeException.class, () -> conv.forward(Tensor.zeros(6, 14, 14)));
    assertThat(e).hasMessageThat().contains("conv2");
    assertThat(e).hasMessageThat().contains("[6, 14, 14]");
  }

  @Test
  void convInputSmallerThanKernel() {
    QuantConv2d conv = new QuantConv2d("conv1", Conv2dOptions.of(3, 6, 5), 4);
    LayerShapeException e =
        assertThrows(LayerShapeException.class, () -> conv.forward(Tensor.zeros(1, 3, 4, 4)));
    assertThat(e).hasMessageThat().contains("[1, 3, 4, 4]");
  }

  @Test
  void linearWithWrongFeatures() {
    QuantLinear fc = new QuantLinear("fc1", 400, 120, 4);
    LayerShapeException e =
        assertThrows(LayerShapeException.class, () -> fc.forward(Tensor.zeros(8, 256)));
    assertThat(e)
        .hasMessageThat()
        .isEqualTo("fc1: expected input [N, 400] (in_features = 400), got [8, 256]");
  }

  @Test
  void linearWithUnflattenedInput() {
    QuantLinear fc = new QuantLinear("fc1", 400, 120, 4);
    LayerShapeException e =
        assertThrows(LayerShapeException.class, () -> fc.forward(Tensor.zeros(8, 16, 5, 5)));
    assertThat(e).hasMessageThat().contains("[8, 16, 5, 5]");
  }

  @Test
  void batchNormWrongChannels() {
    BatchNorm2d bn = new BatchNorm2d("bn1", 6);
    LayerShapeException e =
        assertThrows(LayerShapeException.class, () -> bn.forward(Tensor.zeros(2, 4, 3, 3)));
    assertThat(e).hasMessageThat().contains("bn1");
    assertThat(e).hasMessageThat().contains("[2, 4, 3, 3]");
  }

  @Test
  void poolingOnWrongRank() {
    LayerShapeException e =
        assertThrows(LayerShapeException.class, () -> F.maxPool2d(Tensor.zeros(4, 10), 2));
    assertThat(e).hasMessageThat().contains("[4, 10]");
  }

  @Test
  void eltwiseAddOfDifferentShapes() {
    QuantEltwiseAdd add = new QuantEltwiseAdd("add1", null, false);
    LayerShapeException e =
        assertThrows(
            LayerShapeException.class,
            () -> add.forward(Tensor.zeros(1, 2, 3, 3), Tensor.zeros(1, 3, 3, 3)));
    assertThat(e).hasMessageThat().contains("add1");
  }

  @Test
  void biasQuantizationWithoutInputScale() {
    QuantLinear fc =
        new QuantLinear(
            "fc3",
            84,
            10,
            true,
            WeightQuantConfig.perTensorFloat(4),
            BiasQuantConfig.int32(),
            null,
            null,
            false);
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> fc.forward(Tensor.zeros(2, 84)));
    assertThat(e).hasMessageThat().contains("fc3: input scale required");
  }

  @Test
  void stateDictWithWrongShapeNamesTheParameter() {
    QuantLinear fc = new QuantLinear("fc1", 4, 2, 4);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                fc.loadStateDict(
                    java.util.Map.of("fc1.weight", Tensor.zeros(3, 4), "fc1.bias", Tensor.zeros(2)),
                    true));
    assertThat(e).hasMessageThat().contains("fc1.weight");
    assertThat(e).hasMessageThat().contains("[2, 4]");
    assertThat(e).hasMessageThat().contains("[3, 4]");
  }
}
