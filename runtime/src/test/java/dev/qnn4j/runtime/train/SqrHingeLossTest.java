package dev.qnn4j.runtime.train;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.qnn4j.runtime.Parameter;
import dev.qnn4j.runtime.Tensor;
import dev.qnn4j.runtime.io.ArrayData;
import dev.qnn4j.runtime.io.Npy;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link SqrHingeLoss} against Brevitas' bnn_pynq {@code SqrHingeLoss} (reference/sqr-hinge). */
class SqrHingeLossTest {

  @ParameterizedTest
  @ValueSource(strings = {"random_16x10", "batch_100x10"})
  void lossAndGradientMatchBrevitas(String name) throws IOException {
    ArrayData logitsData = npy(name + ".logits.npy");
    long[] labels64 = npy(name + ".labels.npy").toLongArray();
    int[] labels = new int[labels64.length];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = (int) labels64[i];
    }
    float refLoss = npy(name + ".loss.npy").toFloatArray()[0];
    float[] refGrad = npy(name + ".grad.npy").toFloatArray();

    Tensor logits = new Parameter("logits", logitsData.toFloatArray(), logitsData.shape());
    Tensor loss = SqrHingeLoss.mean(logits, labels);
    // The mean of N*C float32 squares: PyTorch sums in another order; a few ulps at most.
    assertWithMessage("loss of %s", name)
        .that((double) loss.item())
        .isWithin(4 * Math.ulp(refLoss))
        .of(refLoss);
    loss.backward();
    // Elementwise with the same operations in the same order: bit for bit.
    assertThat(logits.gradData()).isEqualTo(refGrad);
    assertThat(refGrad).isNotEqualTo(new float[refGrad.length]);
  }

  @Test
  void shardsOfABatchAddUpToItsGradient() {
    float[] x = {0.5f, -2f, 0.25f, 1f, -1f, 3f, 0f, -0.5f, 2f};
    int[] labels = {0, 2, 1};
    Tensor whole = new Parameter("x", x.clone(), 3, 3);
    SqrHingeLoss.mean(whole, labels).backward();
    float[] sum = new float[9];
    for (int[] rows : new int[][] {{0, 2}, {2, 3}}) {
      float[] part = java.util.Arrays.copyOfRange(x, rows[0] * 3, rows[1] * 3);
      Tensor t = new Parameter("x", part, rows[1] - rows[0], 3);
      SqrHingeLoss.mean(t, java.util.Arrays.copyOfRange(labels, rows[0], rows[1]), 3).backward();
      System.arraycopy(t.gradData(), 0, sum, rows[0] * 3, part.length);
    }
    assertThat(sum).isEqualTo(whole.gradData());
  }

  @Test
  void refusesLabelsOutsideTheClasses() {
    Tensor logits = Tensor.of(new float[] {1f, 2f}, 1, 2);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> SqrHingeLoss.mean(logits, new int[] {2}));
    assertThat(e).hasMessageThat().contains("label 2 of sample 0 is outside 0..1");
  }

  private static ArrayData npy(String file) throws IOException {
    try (InputStream in =
        SqrHingeLossTest.class.getResourceAsStream("/reference/sqr-hinge/" + file)) {
      assertWithMessage("%s on the class path", file).that(in).isNotNull();
      return Npy.read(in, file);
    }
  }
}
