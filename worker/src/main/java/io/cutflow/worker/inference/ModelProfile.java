package io.cutflow.worker.inference;

import java.util.Arrays;

/**
 * What the pre- and post-processing need to know about a model, taken from the manifest: input
 * size, per-channel normalisation, which output holds the mask and whether it still needs a
 * sigmoid. Every rembg family (ISNet, U²-Net, BiRefNet) differs only in these values.
 */
public record ModelProfile(
    String name,
    int inputWidth,
    int inputHeight,
    double[] mean,
    double[] std,
    int outputIndex,
    Activation activation) {

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
