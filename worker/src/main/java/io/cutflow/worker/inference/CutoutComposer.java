package io.cutflow.worker.inference;

import io.cutflow.worker.image.DecodedImage;

/**
 * Turns an image and its mask into what rembg returns, with Pillow's integer arithmetic:
 *
 * <ul>
 *   <li>cutout ({@code naive_cutout}): {@code Image.composite(img, transparent, mask)}, i.e. every
 *       channel of the RGBA source multiplied by mask/255 with Pillow's rounding — colour ends up
 *       premultiplied exactly as rembg's does;
 *   <li>background colour: the cutout pasted onto a solid RGBA canvas using its own alpha as the
 *       paste mask (rembg {@code apply_background_color});
 *   <li>only mask: the mask itself, 8-bit grey.
 * </ul>
 */
public final class CutoutComposer {
  private CutoutComposer() {}

  /** Pillow's DIV255: exact rounding division by 255 for 0..65025. */
  static int div255(int a) {
    int t = a + 128;
    return ((t >> 8) + t) >> 8;
  }

  public static byte[] cutout(DecodedImage image, byte[] mask) {
    byte[] out = image.rgba().clone();
    cutoutInPlace(out, mask);
    return out;
  }

  /** In place: {@code rgba} becomes the cutout (its own copy of the image is not needed after). */
  public static void cutoutInPlace(byte[] rgba, byte[] mask) {
    for (int i = 0, p = 0; i < mask.length; i++, p += 4) {
      int m = mask[i] & 0xFF;
      rgba[p] = (byte) div255((rgba[p] & 0xFF) * m);
      rgba[p + 1] = (byte) div255((rgba[p + 1] & 0xFF) * m);
      rgba[p + 2] = (byte) div255((rgba[p + 2] & 0xFF) * m);
      rgba[p + 3] = (byte) div255((rgba[p + 3] & 0xFF) * m);
    }
  }

  /** In place: {@code rgba} becomes the cutout pasted over a {@code bgcolor} canvas. */
  public static void applyBackground(byte[] rgba, int[] bgcolor) {
    for (int p = 0; p < rgba.length; p += 4) {
      int a = rgba[p + 3] & 0xFF;
      int inv = 255 - a;
      for (int c = 0; c < 4; c++) {
        rgba[p + c] = (byte) div255(bgcolor[c] * inv + (rgba[p + c] & 0xFF) * a);
      }
    }
  }
}
