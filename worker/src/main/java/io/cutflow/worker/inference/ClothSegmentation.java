package io.cutflow.worker.inference;

import io.cutflow.common.job.CutoutOptions;
import java.nio.FloatBuffer;
import java.util.List;

/**
 * rembg's {@code u2net_cloth_seg} post-processing ({@code sessions/u2net_cloth_seg.py}): the model
 * gives one score plane per class (0 background, 1 upper, 2 lower, 3 full body); the argmax over
 * classes is a label map, resized to the image with Lanczos as an 8-bit image, and each category's
 * mask is that map through a palette: 255 where the label is the category, 0 where it is another
 * class or background.
 *
 * <p>The palette is Pillow's: {@code putpalette} with four entries leaves the other 252 as the grey
 * ramp a new palette starts with, so a label Lanczos rings above 3 stays its own value (what {@code
 * convert("RGB").convert("L")} gives for grey). Without a category rembg returns the three cutouts
 * (or masks) stacked vertically, upper, lower, full; {@link #categories} gives that order.
 */
final class ClothSegmentation {
  private ClothSegmentation() {}

  /** The class labels the job's cutouts are made of, in rembg's stacking order. */
  static List<Integer> categories(CutoutOptions options) {
    String cc = options.clothCategory();
    if (cc == null) {
      return List.of(1, 2, 3);
    }
    return List.of(CutoutOptions.CLOTH_CATEGORIES.indexOf(cc) + 1);
  }

  /**
   * numpy's {@code argmax(axis=1)} over {@code classes} planes of the model's input size (ties and
   * NaN: the first wins, as numpy does), then Lanczos to {@code width × height}.
   */
  static byte[] labels(FloatBuffer output, ModelProfile profile, int width, int height) {
    int w = profile.inputWidth();
    int h = profile.inputHeight();
    int n = w * h;
    int classes = profile.masks() + 1;
    if (output.remaining() < classes * n) {
      throw new IllegalArgumentException(
          profile.name()
              + ": model output has "
              + output.remaining()
              + " values, expected "
              + classes
              + " class planes of "
              + w
              + "x"
              + h);
    }
    int base = output.position();
    byte[] labels = new byte[n];
    for (int i = 0; i < n; i++) {
      int best = 0;
      float bestValue = output.get(base + i);
      for (int c = 1; c < classes && !Float.isNaN(bestValue); c++) {
        float v = output.get(base + c * n + i);
        if (v > bestValue || Float.isNaN(v)) {
          best = c;
          bestValue = v;
        }
      }
      labels[i] = (byte) best;
    }
    return LanczosResampler.resizeGray(labels, w, h, width, height);
  }

  /**
   * The mask of {@code category} (1..3), written into {@code mask} (which may be {@code labels}
   * itself): rembg's palette, then RGB, then L.
   */
  static byte[] mask(byte[] labels, int category, byte[] mask) {
    for (int i = 0; i < labels.length; i++) {
      int v = labels[i] & 0xFF;
      mask[i] = v == category ? (byte) 255 : v <= 3 ? 0 : labels[i];
    }
    return mask;
  }
}
