package io.cutflow.worker.inference;

import java.nio.FloatBuffer;

/**
 * rembg's post-processing of a model output: optional sigmoid (BiRefNet), min-max normalise to
 * 0..1, ×255 truncated to uint8, Lanczos back to the image's size.
 *
 * <p>All steps run in float32 as numpy does on the float32 output tensor; the cast to uint8
 * truncates, as {@code astype("uint8")} does.
 */
public final class MaskPostprocessor {
  private final ModelProfile profile;

  public MaskPostprocessor(ModelProfile profile) {
    this.profile = profile;
  }

  /** The model-resolution mask (inputWidth × inputHeight, one byte per pixel). */
  public byte[] toModelMask(FloatBuffer output) {
    int n = profile.inputWidth() * profile.inputHeight();
    if (output.remaining() < n) {
      throw new IllegalArgumentException(
          profile.name()
              + ": model output has "
              + output.remaining()
              + " values, expected at least "
              + n);
    }
    int base = output.position();
    boolean sigmoid = profile.activation() == ModelProfile.Activation.SIGMOID;
    // Only a sigmoid is worth keeping between the two passes; a plain output is read again (a
    // 4 MB copy less per ISNet image).
    float[] activated = sigmoid ? new float[n] : null;
    float min = Float.POSITIVE_INFINITY;
    float max = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < n; i++) {
      float v = output.get(base + i);
      if (sigmoid) {
        v = (float) (1.0 / (1.0 + Math.exp(-v)));
        activated[i] = v;
      }
      if (v < min) {
        min = v;
      }
      if (v > max) {
        max = v;
      }
    }
    byte[] mask = new byte[n];
    float range = max - min;
    for (int i = 0; i < n; i++) {
      float v = sigmoid ? activated[i] : output.get(base + i);
      float p = (v - min) / range;
      // NaN (flat output, range 0) casts to 0 as numpy's astype does on x86.
      mask[i] = (byte) (int) (p * 255f);
    }
    return mask;
  }

  /** Full pipeline: model output → mask at {@code width × height}. */
  public byte[] toMask(FloatBuffer output, int width, int height) {
    byte[] small = toModelMask(output);
    return LanczosResampler.resizeGray(
        small, profile.inputWidth(), profile.inputHeight(), width, height);
  }
}
