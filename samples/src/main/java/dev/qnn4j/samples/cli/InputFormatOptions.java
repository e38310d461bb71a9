package dev.qnn4j.samples.cli;

import dev.qnn4j.runtime.data.ImageLayout;
import dev.qnn4j.runtime.data.Normalisation;
import dev.qnn4j.runtime.nn.Model;
import java.util.Arrays;
import picocli.CommandLine.Option;

/**
 * The options that say how a data set's images reach the model: {@code --input-layout} and {@code
 * --normalisation}. By default the data follows the model: Fashion-MNIST is laid out as the model's
 * declared {@code inputShape} asks (1x28x28 native, or the seed LeNets' 3x32x32 replicate-and-pad),
 * and images are normalised to [0, 1] for Brevitas' zoo models (which map them to [-1, 1]
 * themselves) and to [-1, 1] otherwise.
 */
final class InputFormatOptions {
  static final String AUTO = "auto";

  @Option(
      names = "--input-layout",
      paramLabel = "auto|CxHxW",
      defaultValue = AUTO,
      description =
          "Layout of Fashion-MNIST's 28x28 gray images: 1x28x28 (native), 1x32x32 (padded by 2),"
              + " 3x28x28 (gray replicated), 3x32x32 (padded and replicated, the seed LeNets');"
              + " default auto = the model's declared input shape. CIFAR-10 and npy images keep"
              + " their own shape.")
  String inputLayout = AUTO;

  @Option(
      names = "--normalisation",
      paramLabel = "auto|symmetric|unit",
      defaultValue = AUTO,
      description =
          "Byte images to values: symmetric = (p/255 - 0.5)/0.5 in [-1, 1], unit = p/255 in [0, 1]"
              + " (torchvision's ToTensor, what Brevitas' bnn_pynq trainer feeds its models);"
              + " default auto = unit for Brevitas' zoo models, symmetric otherwise. Float32 npy"
              + " images are used as they are.")
  String normalisation = AUTO;

  /**
   * The format for {@code model} reading {@code spec}'s data; one-line errors for bad combinations.
   */
  DataSpec.Format resolve(DataSpec spec, Model model, String declaringClassName) {
    return new DataSpec.Format(layout(spec, model), normalisation(spec, declaringClassName));
  }

  private ImageLayout layout(DataSpec spec, Model model) {
    long[] declared = model.inputShape();
    if (!inputLayout.equals(AUTO)) {
      ImageLayout chosen = ImageLayout.byId(inputLayout);
      if (chosen == null) {
        throw new CliException(
            "--input-layout: unknown layout '"
                + inputLayout
                + "'; use auto or one of "
                + ImageLayout.ids());
      }
      if (spec.kind() != DataSpec.Kind.FASHION_MNIST) {
        throw new CliException(
            "--input-layout applies to fashion-mnist (28x28 gray images); "
                + spec.kind().id
                + " images are used in their own shape");
      }
      return chosen;
    }
    if (spec.kind() != DataSpec.Kind.FASHION_MNIST || declared.length == 0) {
      // Undeclared shapes get the seed's layout; the shape check then explains any mismatch.
      return ImageLayout.RGB_32;
    }
    ImageLayout fit = ImageLayout.forShape(declared);
    if (fit == null) {
      throw new CliException(
          model.modelName()
              + " expects images of shape "
              + Arrays.toString(declared)
              + ", which Fashion-MNIST's 28x28 gray images cannot be laid out as; its layouts are "
              + ImageLayout.ids()
              + " (--input-layout)");
    }
    return fit;
  }

  private Normalisation normalisation(DataSpec spec, String declaringClassName) {
    if (normalisation.equals(AUTO)) {
      return ZooNames.takesUnitRange(declaringClassName)
          ? Normalisation.UNIT
          : Normalisation.SYMMETRIC;
    }
    Normalisation n = Normalisation.byId(normalisation);
    if (n == null) {
      throw new CliException(
          "--normalisation: unknown value '" + normalisation + "'; use auto, symmetric or unit");
    }
    return n;
  }
}
