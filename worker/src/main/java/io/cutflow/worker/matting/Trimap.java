package io.cutflow.worker.matting;

/**
 * rembg's trimap ({@code alpha_matting_cutout}): mask &gt; {@code af} is foreground, mask &lt;
 * {@code ab} background, each eroded by an {@code ae}×{@code ae} square (scipy's {@code
 * binary_erosion}; {@code ae} = 0 means scipy's default 3×3 cross), the rest unknown. The
 * foreground's erosion treats outside the image as not foreground, the background's as background
 * (scipy {@code border_value=1}), so the band never reaches into the image from its border on the
 * background side. Where both would hold (only when {@code af < ab}) background wins, as in rembg.
 */
public final class Trimap {
  public static final int BACKGROUND = 0;
  public static final int UNKNOWN = 128;
  public static final int FOREGROUND = 255;

  private Trimap() {}

  /** The trimap (0 / 128 / 255 per pixel) of an 8-bit mask of {@code w}×{@code h}. */
  public static byte[] of(byte[] mask, int w, int h, int af, int ab, int ae) {
    byte[] fg = new byte[mask.length];
    byte[] bg = new byte[mask.length];
    for (int i = 0; i < mask.length; i++) {
      int m = mask[i] & 0xFF;
      fg[i] = (byte) (m > af ? 1 : 0);
      bg[i] = (byte) (m < ab ? 1 : 0);
    }
    fg = erode(fg, w, h, ae, false);
    bg = erode(bg, w, h, ae, true);
    byte[] trimap = fg; // reused: fg is read once per pixel, before being overwritten
    for (int i = 0; i < trimap.length; i++) {
      trimap[i] = (byte) (bg[i] != 0 ? BACKGROUND : fg[i] != 0 ? FOREGROUND : UNKNOWN);
    }
    return trimap;
  }

  /**
   * Binary erosion of a 0/1 image by a {@code size}×{@code size} square, anchored as scipy anchors
   * it ({@code size/2} before, the rest after; so an even square reaches one further back), or by
   * the 3×3 cross when {@code size} is 0. {@code outside} is the value of pixels beyond the border.
   * Separable, with running counts: the same cost at any size.
   */
  static byte[] erode(byte[] in, int w, int h, int size, boolean outside) {
    if (size == 0) {
      return erodeCross(in, w, h, outside);
    }
    int before = size / 2;
    int after = size - 1 - before;
    byte[] rows = new byte[in.length];
    for (int y = 0; y < h; y++) {
      erodeLine(in, y * w, 1, w, before, after, outside, rows);
    }
    byte[] out = new byte[in.length];
    for (int x = 0; x < w; x++) {
      erodeLine(rows, x, w, h, before, after, outside, out);
    }
    return out;
  }

  /** One row or column: out[i] = 1 iff every in[i-before .. i+after] is 1 (outside counted). */
  private static void erodeLine(
      byte[] in, int start, int stride, int n, int before, int after, boolean outside, byte[] out) {
    // zeros[k] = how many 0s among the first k samples of the line
    int zerosBefore = 0;
    int[] zeros = new int[n + 1];
    for (int k = 0; k < n; k++) {
      zerosBefore += in[start + k * stride] == 0 ? 1 : 0;
      zeros[k + 1] = zerosBefore;
    }
    for (int k = 0; k < n; k++) {
      long lo = (long) k - before;
      long hi = (long) k + after;
      boolean clipped = lo < 0 || hi >= n;
      int a = (int) Math.max(0, lo);
      int b = (int) Math.min(n - 1, hi);
      boolean all = zeros[b + 1] - zeros[a] == 0 && (outside || !clipped);
      out[start + k * stride] = (byte) (all ? 1 : 0);
    }
  }

  private static byte[] erodeCross(byte[] in, int w, int h, boolean outside) {
    byte[] out = new byte[in.length];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int i = y * w + x;
        boolean all =
            in[i] != 0
                && (x > 0 ? in[i - 1] != 0 : outside)
                && (x < w - 1 ? in[i + 1] != 0 : outside)
                && (y > 0 ? in[i - w] != 0 : outside)
                && (y < h - 1 ? in[i + w] != 0 : outside);
        out[i] = (byte) (all ? 1 : 0);
      }
    }
    return out;
  }
}
