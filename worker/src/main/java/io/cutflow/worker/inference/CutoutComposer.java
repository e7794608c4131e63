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
 *   <li>only mask: the mask itself, 8-bit grey;
 *   <li>several cutouts ({@code u2net_cloth_seg} without a category): rembg's {@code
 *       get_concat_v_multi}, each pasted below the last on an RGBA canvas ({@link #stackInto}); a
 *       grey mask pasted there becomes opaque grey RGBA.
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
    cutoutInPlace(rgba, 0, mask);
  }

  /** In place, on the {@code mask.length} pixels of {@code rgba} from byte {@code offset}. */
  public static void cutoutInPlace(byte[] rgba, int offset, byte[] mask) {
    for (int i = 0, p = offset; i < mask.length; i++, p += 4) {
      int m = mask[i] & 0xFF;
      rgba[p] = (byte) div255((rgba[p] & 0xFF) * m);
      rgba[p + 1] = (byte) div255((rgba[p + 1] & 0xFF) * m);
      rgba[p + 2] = (byte) div255((rgba[p + 2] & 0xFF) * m);
      rgba[p + 3] = (byte) div255((rgba[p + 3] & 0xFF) * m);
    }
  }

  /** In place: {@code rgba} becomes the cutout pasted over a {@code bgcolor} canvas. */
  public static void applyBackground(byte[] rgba, int[] bgcolor) {
    applyBackground(rgba, 0, rgba.length, bgcolor);
  }

  /** In place, on bytes {@code from} (inclusive) to {@code to} (exclusive) of {@code rgba}. */
  public static void applyBackground(byte[] rgba, int from, int to, int[] bgcolor) {
    for (int p = from; p < to; p += 4) {
      int a = rgba[p + 3] & 0xFF;
      int inv = 255 - a;
      for (int c = 0; c < 4; c++) {
        rgba[p + c] = (byte) div255(bgcolor[c] * inv + (rgba[p + c] & 0xFF) * a);
      }
    }
  }

  /**
   * Writes piece {@code index} of a vertical stack: the image's cutout by {@code mask} (with the
   * background colour, when given), or for {@code onlyMask} the mask as opaque grey RGBA, into
   * {@code stack} (RGBA, as many image heights tall as there are pieces).
   */
  public static void stackInto(
      byte[] stack, int index, byte[] rgba, byte[] mask, boolean onlyMask, int[] bgcolor) {
    int offset = index * rgba.length;
    if (onlyMask) {
      for (int i = 0, p = offset; i < mask.length; i++, p += 4) {
        stack[p] = mask[i];
        stack[p + 1] = mask[i];
        stack[p + 2] = mask[i];
        stack[p + 3] = (byte) 255;
      }
      return;
    }
    System.arraycopy(rgba, 0, stack, offset, rgba.length);
    cutoutInPlace(stack, offset, mask);
    if (bgcolor != null) {
      applyBackground(stack, offset, offset + rgba.length, bgcolor);
    }
  }
}
