package io.cutflow.worker.inference;

import io.cutflow.worker.image.DecodedImage;
import java.nio.FloatBuffer;

/**
 * rembg's {@code BaseSession.normalize}: RGB, Lanczos to the model's input size, divide by the
 * resized image's maximum value, subtract mean, divide by std, NCHW float32.
 *
 * <p>Arithmetic is done in double and narrowed to float at the end, as numpy does (uint8 / uint8
 * gives float64; {@code astype(np.float32)} narrows), so the tensor matches rembg's exactly.
 */
public final class Preprocessor {
  private final ModelProfile profile;

  public Preprocessor(ModelProfile profile) {
    this.profile = profile;
  }

  public int tensorLength() {
    return 3 * profile.inputWidth() * profile.inputHeight();
  }

  public long[] shape() {
    return new long[] {1, 3, profile.inputHeight(), profile.inputWidth()};
  }

  /** Resizes and normalises {@code image} into {@code dst} (position 0.., NCHW). */
  public void prepare(DecodedImage image, FloatBuffer dst) {
    int w = profile.inputWidth();
    int h = profile.inputHeight();
    byte[] rgb =
        LanczosResampler.resizeRgbFromRgba(image.rgba(), image.width(), image.height(), w, h);
    normalise(rgb, w * h, dst);
  }

  /** Normalises an interleaved RGB byte plane of {@code pixels} pixels into NCHW floats. */
  void normalise(byte[] rgb, int pixels, FloatBuffer dst) {
    int max = 0;
    for (byte b : rgb) {
      int v = b & 0xFF;
      if (v > max) {
        max = v;
      }
    }
    // rembg: im_ary / max(np.max(im_ary), 1e-6)
    double divisor = Math.max(max, 1e-6);
    double[] mean = profile.mean();
    double[] std = profile.std();
    // One lookup table per channel: 256 possible inputs, so the hot loop is a table read.
    float[][] lut = new float[3][256];
    for (int c = 0; c < 3; c++) {
      for (int v = 0; v < 256; v++) {
        lut[c][v] = (float) ((v / divisor - mean[c]) / std[c]);
      }
    }
    int base = dst.position();
    for (int c = 0; c < 3; c++) {
      float[] table = lut[c];
      int plane = base + c * pixels;
      for (int i = 0; i < pixels; i++) {
        dst.put(plane + i, table[rgb[i * 3 + c] & 0xFF]);
      }
    }
  }
}
