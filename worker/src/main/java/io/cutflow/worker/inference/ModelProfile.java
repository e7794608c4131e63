package io.cutflow.worker.inference;

import io.cutflow.common.job.CutoutOptions;
import java.util.Arrays;

/**
 * What the pre- and post-processing need to know about a model, taken from the manifest: input
 * size, per-channel normalisation, which output holds the mask and whether it still needs a
 * sigmoid. Every rembg family (ISNet, U²-Net, BiRefNet) differs only in these values; {@code masks}
 * > 1 marks a model whose output is class scores ({@link ClothSegmentation}).
 */
public record ModelProfile(
    String name,
    int inputWidth,
    int inputHeight,
    double[] mean,
    double[] std,
    int outputIndex,
    Activation activation,
    int masks) {

  /** A model that gives one mask (a saliency map). */
  public ModelProfile(
      String name,
      int inputWidth,
      int inputHeight,
      double[] mean,
      double[] std,
      int outputIndex,
      Activation activation) {
    this(name, inputWidth, inputHeight, mean, std, outputIndex, activation, 1);
  }

  public enum Activation {
    NONE,
    SIGMOID
  }

  public ModelProfile {
    if (mean.length != 3 || std.length != 3) {
      throw new IllegalArgumentException(name + ": mean and std need 3 values each");
    }
    mean = mean.clone();
    std = std.clone();
    if (masks < 1) {
      throw new IllegalArgumentException(name + ": masks must be at least 1");
    }
  }

  /**
   * How many cutouts a job with these options makes: all the model's masks, stacked vertically,
   * unless the job picks one ({@code cc}). Every full-size buffer of the output scales with it.
   */
  public int cutouts(CutoutOptions options) {
    return masks > 1 && options.clothCategory() == null ? masks : 1;
  }

  /** rembg's isnet-general-use settings: 1024², mean 0.5, std 1.0, raw output. */
  public static ModelProfile isnet(String name) {
    return new ModelProfile(
        name,
        1024,
        1024,
        new double[] {0.5, 0.5, 0.5},
        new double[] {1.0, 1.0, 1.0},
        0,
        Activation.NONE);
  }

  @Override
  public String toString() {
    return name
        + "("
        + inputWidth
        + "x"
        + inputHeight
        + ", mean="
        + Arrays.toString(mean)
        + ", std="
        + Arrays.toString(std)
        + ", "
        + activation
        + ")";
  }
}
