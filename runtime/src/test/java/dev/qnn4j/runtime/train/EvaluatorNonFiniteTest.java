package dev.qnn4j.runtime.train;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.data.Dataset;
import dev.qnn4j.runtime.train.TestModels.TinyQuantNet;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link Evaluator} never averages NaN or infinity into a result: bad inputs are reported with the
 * data set example, a model producing non-finite values with the first layer responsible.
 */
class EvaluatorNonFiniteTest {

  private static TinyQuantNet trained() throws Exception {
    TinyQuantNet model = new TinyQuantNet();
    Trainer.initialize(model, 7);
    new Trainer(
            model, new Adam(model.parameters(), 1e-2f), TrainerConfig.of(1, 16, 7).withMaxSteps(4))
        .fit(TestModels.quadrants(64, 1, 8, 1), null);
    return model;
  }

  private static Dataset withValue(Dataset d, int example, int position, float value) {
    float[] images = d.images();
    images[example * d.imageSize() + position] = value;
    return Dataset.of(images, d.labels(), d.channels(), d.height(), d.width(), d.numClasses());
  }

  @Test
  void nanInputNamesTheExample() throws Exception {
    TinyQuantNet model = trained();
    Dataset test = withValue(TestModels.quadrants(40, 1, 8, 2), 37, 10, Float.NaN);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Evaluator.evaluate(model, test, 16));
    assertThat(e)
        .hasMessageThat()
        .isEqualTo(
            "evaluating TinyQuantNet: input image 37 of the data set contains NaN (at flat position 10 of its 64 values)");
    assertThat(model.isTraining()).isTrue();
  }

  @Test
  void infiniteInputIsReportedToo() throws Exception {
    Dataset test = withValue(TestModels.quadrants(8, 1, 8, 2), 0, 0, Float.NEGATIVE_INFINITY);
    assertThat(
            assertThrows(
                IllegalArgumentException.class, () -> Evaluator.evaluate(trained(), test, 16)))
        .hasMessageThat()
        .contains("input image 0 of the data set contains -Infinity");
  }

  @Test
  void nanWeightsNameTheFirstLayerWithANonFiniteOutput() throws Exception {
    TinyQuantNet model = trained();
    float[] w = model.conv1.parameters().get(0).toFloatArray();
    w[3] = Float.NaN;
    model.loadStateDict(Map.of("conv1.weight", Tensor.of(w, 4, 1, 3, 3)), false);
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () -> Evaluator.evaluate(model, TestModels.quadrants(20, 1, 8, 2), 16));
    assertThat(e)
        .hasMessageThat()
        .isEqualTo(
            "evaluating TinyQuantNet: loss is NaN on data set examples"
                + " 0..15 although their inputs are finite; the first non-finite value comes from layer conv1"
                + " (QuantConv2d), whose output contains NaN");
    assertThat(model.isTraining()).isTrue();
  }

  @Test
  void dataSetOfTheWrongImageShapeIsNamedUpFront() throws Exception {
    Dataset rgb = TestModels.quadrants(4, 3, 8, 2);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Evaluator.evaluate(trained(), rgb, 16));
    assertThat(e)
        .hasMessageThat()
        .isEqualTo(
            "TinyQuantNet expects inputs of shape [1, 8, 8] but the"
                + " evaluation data set has images of shape [3, 8, 8]");
  }

  @Test
  void finiteDataStillEvaluates() throws Exception {
    EvalResult r = Evaluator.evaluate(trained(), TestModels.quadrants(20, 1, 8, 2), 16);
    assertThat(r.count()).isEqualTo(20);
    assertThat(Double.isFinite(r.loss())).isTrue();
    assertThat(r.accuracy()).isAtLeast(0.0);
  }
}
